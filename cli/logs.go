package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/scheduler/api"
)

func newLogsCmd(app *App) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "logs RUN_ID",
		Short: "Print the log lines of a run of a running serve",
		Long: `Print the captured log lines of run RUN_ID (GET /api/runs/RUN_ID), one per
line: time, level, message and attributes as key=value (secrets redacted as
in the API). A failed run's error follows on stderr. -o json prints the whole
run (outcome, times, result, calls, logs).`,
		Example: `  soracron logs 42
  soracron logs 42 -o json | jq .result`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(app, &f)
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageErr(fmt.Errorf("run id %q: want a positive integer (see 'soracron runs')", args[0]))
			}
			var r api.RunInfo
			if err := c.do(cmd.Context(), "GET", "/api/runs/"+strconv.FormatInt(id, 10), nil, &r); err != nil {
				return clientErr(err)
			}
			if f.output == "json" {
				return writeJSONOut(app.Stdout, r)
			}
			printLogLines(app.Stdout, r.Logs)
			if r.Error != "" {
				fmt.Fprintf(app.Stderr, "run %d %s: %s\n", r.ID, r.Outcome, r.Error)
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// printLogLines writes log lines as "TIME LEVEL msg key=value ...".
func printLogLines(w io.Writer, lines []api.LogLineInfo) {
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
