// Command benchctl is the helper of bench/run: it waits for the emulator,
// picks the connections the curl loop writes, checks what every variant
// wrote, records machine information, and renders the results table.
//
//	benchctl wait   -url URL [-timeout 60s]
//	benchctl ids    -url URL -channel sora [-sample K] -o FILE
//	benchctl verify -url URL -channel sora -key KEY -value VALUE [-ids FILE] -want N -o RAW [-label K=V]
//	benchctl info   -o RAW [-set K=V]
//	benchctl table  -raw RAW [-o results.md]
//	benchctl memory -raw RAW1 -raw RAW2 ...   (one RAW per channel size)
//
// RAW is the JSON-lines file bench/measure appends its run records to;
// verify and info append theirs to it and table reads them all.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "benchctl: want a command: wait, ids, verify, info, table or memory")
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"wait":   cmdWait,
		"ids":    cmdIDs,
		"verify": cmdVerify,
		"info":   cmdInfo,
		"table":  cmdTable,
		"memory": cmdMemory,
	}
	cmd, ok := cmds[argv[0]]
	if !ok {
		fmt.Fprintf(stderr, "benchctl: unknown command %q\n", argv[0])
		return 2
	}
	if err := cmd(argv[1:], stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "benchctl %s: %v\n", argv[0], err)
		if _, usage := err.(usageError); usage {
			return 2
		}
		return 1
	}
	return 0
}

// usageError is a bad flag or argument.
type usageError struct{ error }

// newFlags returns a flag set for a subcommand that reports to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("benchctl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses argv into fs, mapping errors to usageError.
func parse(fs *flag.FlagSet, argv []string) error {
	if err := fs.Parse(argv); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// kvFlags collects repeated KEY=VALUE flags.
type kvFlags map[string]string

func (l kvFlags) String() string { return fmt.Sprint(map[string]string(l)) }

func (l kvFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want KEY=VALUE", v)
	}
	l[k] = val
	return nil
}

// appendRecord appends v as one JSON line to path.
func appendRecord(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}
