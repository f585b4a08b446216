// Command goclient is the ceiling of the benchmark: the plain Go program an
// engineer would write to set one key on every connection of a channel with
// soracron's own Sora client — one List, then PutItem for every connection
// from a pool of goroutines pulling connection ids from a channel.
//
//	goclient -url http://127.0.0.1:3000/ -channel sora -key bench -value v1 -concurrency 16
//
// It prints {"writes", "failed", "list_seconds", "seconds"} as JSON on
// stdout, where seconds is the write phase only (from the first PutItem
// sent to the last reply), and exits 1 when a write failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/soracron/soracron/sora"
)

// Report is what goclient prints.
type Report struct {
	Connections int     `json:"connections"`
	Writes      int64   `json:"writes"`
	Failed      int64   `json:"failed"`
	ListSeconds float64 `json:"list_seconds"`
	Seconds     float64 `json:"seconds"`
	FirstError  string  `json:"first_error,omitempty"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("goclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "Sora API URL, e.g. http://127.0.0.1:3000/")
	channel := fs.String("channel", "sora", "channel whose connections are written")
	key := fs.String("key", "bench", "metadata key to set")
	value := fs.String("value", "", "value to set")
	conc := fs.Int("concurrency", 1, "requests in flight at once")
	if err := fs.Parse(argv); err != nil {
		return 2
	}
	if *url == "" || *value == "" || *conc < 1 {
		fmt.Fprintln(stderr, "goclient: need -url, -value and -concurrency >= 1")
		return 2
	}
	rep, err := setAll(context.Background(), *url, *channel, *key, *value, *conc)
	if err != nil {
		fmt.Fprintf(stderr, "goclient: %v\n", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(rep); err != nil {
		fmt.Fprintf(stderr, "goclient: %v\n", err)
		return 1
	}
	if rep.Failed > 0 {
		fmt.Fprintf(stderr, "goclient: %d writes failed, first: %s\n", rep.Failed, rep.FirstError)
		return 1
	}
	return 0
}

// setAll lists channel and sets key to value on every connection with conc
// workers.
func setAll(ctx context.Context, url, channel, key, value string, conc int) (*Report, error) {
	c, err := sora.New(sora.Config{URL: url, MaxConns: conc})
	if err != nil {
		return nil, err
	}
	defer c.CloseIdleConnections()

	t0 := time.Now()
	conns, err := c.List(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	rep := &Report{Connections: len(conns), ListSeconds: time.Since(t0).Seconds()}

	ids := make(chan string)
	var writes, failed atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range min(conc, max(len(conns), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if _, err := c.PutItem(ctx, channel, id, key, value, false); err != nil {
					failed.Add(1)
					firstErr.Do(func() { rep.FirstError = err.Error() })
					continue
				}
				writes.Add(1)
			}
		}()
	}
	for _, conn := range conns {
		ids <- conn.ConnectionID
	}
	close(ids)
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	rep.Writes, rep.Failed = writes.Load(), failed.Load()
	return rep, nil
}
