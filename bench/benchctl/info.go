package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// InfoRecord describes the machine and the run; bench/run appends one when
// it starts and one when it ends.
type InfoRecord struct {
	Kind   string            `json:"kind"` // "info"
	Fields map[string]string `json:"fields"`
}

// cmdInfo appends an InfoRecord with what /proc tells of the machine, the
// time, and the -set fields.
func cmdInfo(argv []string, _, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	out := fs.String("o", "", "append the record to this file")
	set := kvFlags{}
	fs.Var(set, "set", "KEY=VALUE added to the record (repeatable)")
	if err := parse(fs, argv); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("need -o FILE")}
	}
	f := map[string]string{
		"date":     time.Now().UTC().Format(time.RFC3339),
		"nproc":    strconv.Itoa(runtime.NumCPU()),
		"os":       runtime.GOOS + "/" + runtime.GOARCH,
		"cpu":      cpuModel(),
		"memory":   memTotal(),
		"kernel":   firstLine("/proc/sys/kernel/osrelease"),
		"loadavg":  loadAvg(),
		"hostcpus": strconv.Itoa(onlineCPUs()),
	}
	for k, v := range set {
		f[k] = v
	}
	return appendRecord(*out, InfoRecord{Kind: "info", Fields: f})
}

func firstLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(line)
}

// procField returns the value of the first "name : value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func cpuModel() string {
	if m := procField("/proc/cpuinfo", "model name"); m != "" {
		return m
	}
	return "unknown"
}

func memTotal() string {
	v := procField("/proc/meminfo", "MemTotal") // "16318512 kB"
	kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", kb/(1<<20))
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	f := strings.Fields(firstLine("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// onlineCPUs counts the processors of /proc/cpuinfo (NumCPU counts only
// those this process may run on).
func onlineCPUs() int {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	n := strings.Count(string(data), "\nprocessor")
	if strings.HasPrefix(string(data), "processor") {
		n++
	}
	return max(n, 1)
}
