package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// benchConns is the size of the channel of BenchmarkSetKey.
const benchConns = 1000

// BenchmarkSetKey is bench/run's work in one process, for profiling where
// soracron's time goes: every op sets one key (a new value each op) on every
// connection of a channel of 1000 connections served by an in-process
// emulator over loopback HTTP, with the plain Go client (as bench/goclient)
// or a bench/lua script run by the engine (as `soracron run`).
//
// The client side runs under the pprof label side=client (goroutines it
// starts inherit it; the server's do not), so
//
//	go test -run '^$' -bench 'SetKey/update_all/c=16' -cpuprofile cpu.out ./bench
//	go tool pprof -tagfocus side=client -top cpu.out
//
// shows the client's CPU only. ns/write is wall time per write request.
func BenchmarkSetKey(b *testing.B) {
	for _, variant := range []string{"goclient", "put_item_loop", "update_all", "batch", "batch_stream"} {
		concs := []int{1, 4, 16, 64}
		if variant == "put_item_loop" {
			concs = []int{1}
		}
		for _, c := range concs {
			b.Run(fmt.Sprintf("%s/c=%d", variant, c), func(b *testing.B) {
				benchSetKey(b, variant, c)
			})
		}
	}
}

func benchSetKey(b *testing.B, variant string, conc int) {
	e := emulator.New(emulator.Options{Logger: slog.New(slog.DiscardHandler), Seed: 1})
	e.Generate("sora", benchConns)
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })

	var run func(ctx context.Context, value string) (int, error)
	if variant == "goclient" {
		c, err := sora.New(sora.Config{URL: srv.URL, MaxConns: conc})
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		run = func(ctx context.Context, value string) (int, error) {
			return goSetAll(ctx, c, "sora", "bench", value, conc)
		}
	} else {
		// As `soracron run --concurrency conc`: MaxConns at least 128.
		c, err := sora.New(sora.Config{URL: srv.URL, MaxConns: max(conc, sora.DefaultMaxConns)})
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		eng := engine.New(engine.Options{Client: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		script := "lua/" + variant + ".lua"
		if err := eng.Compile(script); err != nil {
			b.Fatal(err)
		}
		run = func(ctx context.Context, value string) (int, error) {
			res, err := eng.Run(ctx, engine.Request{
				Script:      script,
				Concurrency: conc,
				Args: map[string]any{
					"channel_id": "sora", "key": "bench", "value": value,
					"concurrency": json.Number(strconv.Itoa(conc)),
				},
			})
			if err != nil {
				return 0, err
			}
			return res.Stats.Writes, nil
		}
	}

	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		value := fmt.Sprintf("v%d", i)
		var writes int
		var err error
		pprof.Do(ctx, pprof.Labels("side", "client"), func(ctx context.Context) {
			writes, err = run(ctx, value)
		})
		if err != nil {
			b.Fatal(err)
		}
		if writes != benchConns {
			b.Fatalf("%d writes, want %d", writes, benchConns)
		}
	}
	b.StopTimer()
	md, ok := e.Metadata("sora", e.Connections("sora")[benchConns/2].ConnectionID)
	if !ok || md["bench"] != fmt.Sprintf("v%d", i) {
		b.Fatalf("metadata %v, want bench = v%d", md, i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*benchConns), "ns/write")
}

// goSetAll is bench/goclient's work: list, then PutItem from conc workers.
func goSetAll(ctx context.Context, c *sora.Client, channel, key, value string, conc int) (int, error) {
	conns, err := c.List(ctx, channel)
	if err != nil {
		return 0, err
	}
	ids := make(chan string)
	var mu sync.Mutex
	var writes int
	var firstErr error
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for id := range ids {
				_, err := c.PutItem(ctx, channel, id, key, value, false)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				} else if err == nil {
					writes++
				}
				mu.Unlock()
			}
		})
	}
	for _, conn := range conns {
		ids <- conn.ConnectionID
	}
	close(ids)
	wg.Wait()
	return writes, firstErr
}
