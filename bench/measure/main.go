// Command measure runs a command and records what it cost: wall time, user
// and system CPU time and peak RSS of the process (its waited-for children
// included), optionally the CPU another process (the server) used meanwhile,
// and the JSON the command printed on stdout.
//
//	measure -o runs.jsonl -label variant=update_all -label concurrency=16 -- soracron run ...
//
// The command's stdout and stderr pass through. One JSON object is appended
// to the -o file (stdout when -o is not given):
//
//	{"kind":"run","labels":{...},"wall_s":1.2,"user_s":0.8,"sys_s":0.3,"maxrss_kb":40960,
//	 "exit_code":0,"watch_cpu_s":0.9,"output":{...}}
//
// output is the command's stdout decoded as JSON (the whole of it, else its
// last line), absent when it is not JSON. measure exits with the command's
// exit code.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Record is the line measure appends for one command.
type Record struct {
	Kind      string            `json:"kind"`
	Labels    map[string]string `json:"labels"`
	Command   []string          `json:"command"`
	WallS     float64           `json:"wall_s"`
	UserS     float64           `json:"user_s"`
	SysS      float64           `json:"sys_s"`
	MaxRSSKB  int64             `json:"maxrss_kb"`
	ExitCode  int               `json:"exit_code"`
	WatchCPUS *float64          `json:"watch_cpu_s,omitempty"`
	Output    json.RawMessage   `json:"output,omitempty"`
}

// labelFlags collects repeated -label KEY=VALUE flags.
type labelFlags map[string]string

func (l labelFlags) String() string { return fmt.Sprint(map[string]string(l)) }

func (l labelFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("label %q: want KEY=VALUE", v)
	}
	l[k] = val
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "append the JSON record to this file (default stdout)")
	kind := fs.String("kind", "run", "value of the record's kind field")
	watch := fs.Int("watch-pid", 0, "also record the CPU time this process (e.g. the server) used during the command (Linux)")
	labels := labelFlags{}
	fs.Var(labels, "label", "KEY=VALUE added to the record (repeatable)")
	if err := fs.Parse(argv); err != nil {
		return 2
	}
	args := fs.Args()
	if len(args) == 0 {
		fmt.Fprintln(stderr, "measure: no command (usage: measure [-o FILE] [-label K=V] -- COMMAND [ARGS])")
		return 2
	}

	var captured bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout = io.MultiWriter(stdout, &captured)
	cmd.Stderr = stderr

	watch0, watchOK := processCPU(*watch)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	watch1, watchOK1 := processCPU(*watch)

	rec := Record{Kind: *kind, Labels: labels, Command: args, WallS: wall.Seconds()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		rec.ExitCode = ee.ExitCode()
	default:
		fmt.Fprintf(stderr, "measure: %v\n", err)
		return 127
	}
	if cmd.ProcessState != nil {
		rec.UserS = cmd.ProcessState.UserTime().Seconds()
		rec.SysS = cmd.ProcessState.SystemTime().Seconds()
		rec.MaxRSSKB = maxRSSKB(cmd.ProcessState)
	}
	if watchOK && watchOK1 {
		d := (watch1 - watch0).Seconds()
		rec.WatchCPUS = &d
	}
	rec.Output = jsonOutput(captured.Bytes())

	line, err := json.Marshal(rec)
	if err != nil {
		fmt.Fprintf(stderr, "measure: encode record: %v\n", err)
		return 1
	}
	line = append(line, '\n')
	if *out == "" {
		_, err = stdout.Write(line)
	} else {
		err = appendFile(*out, line)
	}
	if err != nil {
		fmt.Fprintf(stderr, "measure: %v\n", err)
		return 1
	}
	return rec.ExitCode
}

// jsonOutput returns out as JSON when it is JSON, else its last non-empty
// line when that is, else nil.
func jsonOutput(out []byte) json.RawMessage {
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return nil
	}
	if json.Valid(out) {
		return compact(out)
	}
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		if last := bytes.TrimSpace(out[i+1:]); json.Valid(last) {
			return compact(last)
		}
	}
	return nil
}

func compact(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil
	}
	return buf.Bytes()
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("record: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}
