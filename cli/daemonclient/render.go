package daemonclient

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/soracron/soracron/scheduler/api"
)

// WriteJSON writes v as indented JSON (what -o json prints).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// JobsTable writes jobs like kubectl get cronjob, with ages relative to now:
// NAME, SCHEDULE, SUSPENDED, ACTIVE, LAST SCHEDULE, LAST SUCCESS, NEXT.
func JobsTable(w io.Writer, jobs []api.JobStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE\tSUSPENDED\tACTIVE\tLAST SCHEDULE\tLAST SUCCESS\tNEXT")
	for _, j := range jobs {
		var last *time.Time
		if j.LastRun != nil {
			last = j.LastRun.Start
		}
		sched := j.Schedule
		if sched == "" {
			sched = "<none>"
		}
		if !j.Enabled {
			sched += " (disabled)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", j.Name, sched, strconv.FormatBool(j.Suspended),
			j.Running, ago(last, now), ago(j.LastSuccess, now), until(j.NextRun, now))
	}
	return tw.Flush()
}

// RunsTable writes runs one a line, with ages relative to now: ID, JOB,
// TRIGGER, OUTCOME, SCHEDULED, STARTED, DURATION, CALLS, WRITES.
func RunsTable(w io.Writer, runs []api.RunInfo, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tJOB\tTRIGGER\tOUTCOME\tSCHEDULED\tSTARTED\tDURATION\tCALLS\tWRITES")
	for _, r := range runs {
		dur := "-"
		if r.DurationSeconds != nil {
			dur = (time.Duration(*r.DurationSeconds * float64(time.Second))).Round(time.Millisecond).String()
		}
		outcome := string(r.Outcome)
		if r.DryRun {
			outcome += " (dry run)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", r.ID, r.Job, r.Trigger, outcome,
			agoOr(r.Scheduled, now, "-"), agoOr(r.Start, now, "-"), dur, r.Calls, r.Writes)
	}
	return tw.Flush()
}

// LogLines writes log lines as "TIME LEVEL msg key=value ...".
func LogLines(w io.Writer, lines []api.LogLineInfo) {
	for _, l := range lines {
		var b strings.Builder
		if l.Time != nil {
			b.WriteString(l.Time.Local().Format(time.RFC3339Nano))
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%-5s %s", l.Level, l.Msg)
		keys := make([]string, 0, len(l.Attrs))
		for k := range l.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteByte(' ')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(attrText(l.Attrs[k]))
		}
		fmt.Fprintln(w, b.String())
	}
}

// attrText is an attribute value as text: strings quoted when they need
// it, other values as JSON.
func attrText(v any) string {
	if s, ok := v.(string); ok {
		if s == "" || strings.ContainsAny(s, " \t\n\"=") {
			return strconv.Quote(s)
		}
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
