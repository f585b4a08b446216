package runreport

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/cli/plural"
	"github.com/soracron/soracron/engine"
)

// Summary is the document of --summary-json: how a run ended, in numbers.
type Summary struct {
	// Outcome is ok, partial, failed, timeout, interrupted or memory_limit.
	Outcome string `json:"outcome"`
	// DurationSeconds is the wall time of the run; Duration the same as text.
	DurationSeconds float64 `json:"duration_seconds"`
	Duration        string  `json:"duration"`
	// Calls counts the API calls by action; CallsTotal is their sum.
	Calls      map[string]int `json:"calls"`
	CallsTotal int            `json:"calls_total"`
	// Failures counts the failed calls; Failed describes the first ones.
	Failures int                 `json:"failures"`
	Failed   []sorastats.Failure `json:"failed"`
	// WriteFailures counts the writes that failed after retries, Handled
	// those the script marked handled, Gone the writes to connections no
	// longer in the channel (not failures).
	WriteFailures int `json:"write_failures"`
	Handled       int `json:"handled"`
	Gone          int `json:"gone"`
	// Connections accounts for the connections of update_all.
	Connections *sorastats.ConnCounts `json:"connections,omitempty"`
	// Writes counts the writes made (planned in a dry run).
	Writes int  `json:"writes"`
	DryRun bool `json:"dry_run"`
	// Plan is the plan of a dry run.
	Plan *plan.Plan `json:"plan,omitempty"`
	// Result is what the script returned, when it returned something.
	Result any `json:"result,omitempty"`
	// Error and Traceback describe a failed run.
	Error     string `json:"error,omitempty"`
	Traceback string `json:"traceback,omitempty"`
}

// NewSummary builds the summary of a run that ended with runErr.
func NewSummary(res *engine.Result, runErr error) Summary {
	st := res.Stats
	s := Summary{
		Outcome:         outcome(res, runErr),
		DurationSeconds: res.Duration.Seconds(),
		Duration:        res.Duration.Round(time.Millisecond).String(),
		Calls:           st.Calls,
		Failures:        st.Failures,
		Failed:          st.Failed,
		Writes:          st.Writes,
		WriteFailures:   st.WriteFailures,
		Handled:         st.Handled,
		Gone:            st.Gone,
		DryRun:          st.DryRun,
		Plan:            res.Plan,
	}
	if s.Calls == nil {
		s.Calls = map[string]int{}
	}
	if s.Failed == nil {
		s.Failed = []sorastats.Failure{}
	}
	if st.Connections.Connections > 0 {
		c := st.Connections
		s.Connections = &c
	}
	for _, n := range s.Calls {
		s.CallsTotal += n
	}
	if runErr == nil && res.HasValue {
		s.Result = res.Value
	}
	if runErr != nil {
		s.Error = runErr.Error()
		var se *engine.ScriptError
		if errors.As(runErr, &se) {
			s.Traceback = se.Traceback
		}
	}
	return s
}

// outcome names how a run ended.
func outcome(res *engine.Result, err error) string {
	var se *engine.ScriptError
	switch {
	case err == nil && res.Partial():
		return "partial"
	case err == nil:
		return "ok"
	case errors.As(err, &se) && se.Kind == engine.Timeout:
		return "timeout"
	case errors.As(err, &se) && se.Kind == engine.Cancelled:
		return "interrupted"
	case errors.As(err, &se) && se.Kind == engine.MemoryLimit:
		return "memory_limit"
	}
	return "failed"
}

// statsLine renders Stats as "3 calls (1 list, 2 put_item), 0 failed, 2 writes".
func statsLine(st sorastats.Stats) string {
	names := make([]string, 0, len(st.Calls))
	total := 0
	for n, c := range st.Calls {
		names = append(names, n)
		total += c
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d %s", st.Calls[n], n)
	}
	calls := plural.Of(total, "call")
	if len(parts) > 0 {
		calls += " (" + strings.Join(parts, ", ") + ")"
	}
	writes := plural.Of(st.Writes, "write")
	if st.DryRun {
		writes += " planned (dry run)"
	}
	line := fmt.Sprintf("%s, %d failed, %s", calls, st.Failures, writes)
	if st.Gone > 0 {
		line += fmt.Sprintf(", %d gone", st.Gone)
	}
	if st.Handled > 0 {
		line += fmt.Sprintf(", %d handled", st.Handled)
	}
	if c := st.Connections; c.Failed+c.Gone+c.NotReached > 0 {
		// update_all did not write every connection it meant to: account
		// for each, with the same numbers as its warning.
		line += fmt.Sprintf("; update_all: %d connections: %d written, %d failed, %d gone, %d not reached, %d unchanged",
			c.Connections, c.Written, c.Failed, c.Gone, c.NotReached, c.Unchanged)
		if c.IDsFile != "" {
			line += " (ids in " + c.IDsFile + ")"
		}
	}
	return line
}
