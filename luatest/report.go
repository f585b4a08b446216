package luatest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Reporter receives results as Run produces them.
type Reporter interface {
	// Test is called after each test (and for a file that fails to load).
	Test(Result)
	// File is called after the tests of a file, with that file's counts.
	File(file string, sum Summary, d time.Duration)
}

type discard struct{}

func (discard) Test(Result)                         {}
func (discard) File(string, Summary, time.Duration) {}

// TextReporter writes results like go test -v does:
//
//	--- ok: name (1ms)
//	--- FAIL: name (file_test.lua:12)
//	    t.eq failed
//	      - want status: "away"
//	      + got  status: "busy"
//	ok   scripts/mark_busy_test.lua (2 passed, 12ms)
//
// The logs of a test follow its failure; with verbose, passing tests show
// theirs too.
type TextReporter struct {
	W       io.Writer
	Verbose bool
}

// Test reports one result.
func (r *TextReporter) Test(res Result) {
	if res.OK {
		fmt.Fprintf(r.W, "--- ok: %s (%s)\n", res.Name, formatDuration(res.Duration))
		if r.Verbose && res.Output != "" {
			fmt.Fprint(r.W, indent(res.Output, "    "))
		}
		return
	}
	where := res.Where
	if where == "" {
		where = res.File
	}
	fmt.Fprintf(r.W, "--- FAIL: %s (%s)\n", res.Name, where)
	fmt.Fprint(r.W, indent(res.Error, "    "))
	if res.Output != "" {
		fmt.Fprintln(r.W, "    log:")
		fmt.Fprint(r.W, indent(res.Output, "      "))
	}
}

// File reports the end of a file.
func (r *TextReporter) File(file string, sum Summary, d time.Duration) {
	status := "ok  "
	if sum.Failed > 0 {
		status = "FAIL"
	}
	fmt.Fprintf(r.W, "%s %s (%d passed, %d failed, %s)\n", status, file, sum.Passed, sum.Failed, formatDuration(d))
}

// JSONReporter writes one JSON object per test, one per line:
// {"name", "file", "ok", "duration_ms", "error", "where", "line", "output"}
// (error, where, line and output only when set).
type JSONReporter struct {
	W io.Writer
}

// jsonResult is the JSON form of a Result.
type jsonResult struct {
	Name       string  `json:"name"`
	File       string  `json:"file"`
	OK         bool    `json:"ok"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	Where      string  `json:"where,omitempty"`
	Line       int     `json:"line,omitempty"`
	Output     string  `json:"output,omitempty"`
}

// Test reports one result.
func (r *JSONReporter) Test(res Result) {
	data, err := json.Marshal(jsonResult{
		Name:       res.Name,
		File:       res.File,
		OK:         res.OK,
		DurationMS: float64(res.Duration.Microseconds()) / 1000,
		Error:      res.Error,
		Where:      res.Where,
		Line:       res.Line,
		Output:     res.Output,
	})
	if err != nil {
		return
	}
	_, _ = r.W.Write(append(data, '\n'))
}

// File does nothing: the JSON stream has one object per test.
func (r *JSONReporter) File(string, Summary, time.Duration) {}

// formatDuration renders d as "3ms", or "1.25s" from a second on.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// indent prefixes every line of s and ends it with a newline.
func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}
