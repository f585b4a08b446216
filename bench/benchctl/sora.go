package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/soracron/soracron/sora"
)

// cmdWait polls the Sora API at -url until a List request succeeds.
func cmdWait(argv []string, _, _ io.Writer) error {
	fs := newFlags("wait", io.Discard)
	url := fs.String("url", "", "Sora API URL")
	channel := fs.String("channel", "sora", "channel to list")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := parse(fs, argv); err != nil {
		return err
	}
	c, err := sora.New(sora.Config{URL: *url, Attempts: 1, Timeout: 5 * time.Second})
	if err != nil {
		return usageError{err}
	}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(*timeout)
	for {
		_, err := c.List(context.Background(), *channel)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", *url, *timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cmdIDs writes the ids of the channel's connections, one a line: all of
// them, or -sample of them spread evenly over the list.
func cmdIDs(argv []string, _, stderr io.Writer) error {
	fs := newFlags("ids", stderr)
	url := fs.String("url", "", "Sora API URL")
	channel := fs.String("channel", "sora", "channel to list")
	sample := fs.Int("sample", 0, "write this many ids spread over the channel (0: all)")
	out := fs.String("o", "", "file to write the ids to")
	if err := parse(fs, argv); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("need -o FILE")}
	}
	conns, err := list(*url, *channel)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, i := range spreadIndexes(len(conns), *sample) {
		b.WriteString(conns[i].ConnectionID)
		b.WriteByte('\n')
	}
	return os.WriteFile(*out, []byte(b.String()), 0o644)
}

// spreadIndexes returns k indexes of [0, n) spread evenly, all of them when k is 0
// or at least n.
func spreadIndexes(n, k int) []int {
	if k <= 0 || k >= n {
		k = n
	}
	idx := make([]int, k)
	for i := range k {
		idx[i] = i * n / k
	}
	return idx
}

// CheckRecord is what verify appends to the raw file.
type CheckRecord struct {
	Kind       string            `json:"kind"` // "check"
	Labels     map[string]string `json:"labels"`
	Checked    int               `json:"checked"`
	Mismatches int               `json:"mismatches"`
	OK         bool              `json:"ok"`
	Problem    string            `json:"problem,omitempty"`
}

// cmdVerify lists the channel and checks that key holds value on every
// connection (or on those of -ids), and that there are -want of them.
func cmdVerify(argv []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	url := fs.String("url", "", "Sora API URL")
	channel := fs.String("channel", "sora", "channel to list")
	key := fs.String("key", "", "metadata key")
	value := fs.String("value", "", "value every checked connection must hold (a JSON string)")
	idsFile := fs.String("ids", "", "check only the connections listed in this file")
	want := fs.Int("want", -1, "number of connections that must be checked")
	out := fs.String("o", "", "append the check record to this file")
	labels := kvFlags{}
	fs.Var(labels, "label", "KEY=VALUE added to the record (repeatable)")
	if err := parse(fs, argv); err != nil {
		return err
	}
	if *key == "" || *out == "" {
		return usageError{errors.New("need -key and -o")}
	}
	conns, err := list(*url, *channel)
	if err != nil {
		return err
	}
	byID := make(map[string]sora.Metadata, len(conns))
	for _, c := range conns {
		byID[c.ConnectionID] = c.Metadata
	}
	ids := make([]string, 0, len(conns))
	if *idsFile != "" {
		if ids, err = readLines(*idsFile); err != nil {
			return err
		}
	} else {
		for _, c := range conns {
			ids = append(ids, c.ConnectionID)
		}
	}
	rec := CheckRecord{Kind: "check", Labels: labels, Checked: len(ids)}
	for _, id := range ids {
		md, ok := byID[id]
		if !ok {
			rec.Mismatches++
			if rec.Problem == "" {
				rec.Problem = fmt.Sprintf("connection %s is gone", id)
			}
			continue
		}
		if got, ok := md[*key].(string); !ok || got != *value {
			rec.Mismatches++
			if rec.Problem == "" {
				rec.Problem = fmt.Sprintf("connection %s: %s = %v, want %q", id, *key, md[*key], *value)
			}
		}
	}
	if *want >= 0 && rec.Checked != *want && rec.Problem == "" {
		rec.Problem = fmt.Sprintf("checked %d connections, want %d", rec.Checked, *want)
	}
	rec.OK = rec.Mismatches == 0 && rec.Problem == ""
	if err := appendRecord(*out, rec); err != nil {
		return err
	}
	if rec.Mismatches > 0 {
		return fmt.Errorf("%d of %d connections wrong, first: %s", rec.Mismatches, rec.Checked, rec.Problem)
	}
	if !rec.OK {
		return errors.New(rec.Problem)
	}
	fmt.Fprintf(stdout, "verified %d connections\n", rec.Checked)
	return nil
}

func list(url, channel string) ([]sora.Connection, error) {
	c, err := sora.New(sora.Config{URL: url})
	if err != nil {
		return nil, usageError{err}
	}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conns, err := c.List(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return conns, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			lines = append(lines, s)
		}
	}
	return lines, sc.Err()
}
