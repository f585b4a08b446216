package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/history"
)

// barRuns is how many recent runs the success bar of a job shows.
const barRuns = 20

// pageSize is the runs per page of a job's page.
const pageSize = 25

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

var funcs = template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"short": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
	"dur": func(r history.Run) string {
		if r.Start.IsZero() || r.End.IsZero() {
			return "-"
		}
		return r.End.Sub(r.Start).Round(time.Millisecond).String()
	},
	"describe": describe,
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("15:04:05.000")
	},
	"attrs": func(m map[string]any) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			v, _ := json.Marshal(m[k])
			b.WriteString(k + "=" + string(v))
		}
		return b.String()
	},
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// jobRow is a row of the jobs page.
type jobRow struct {
	scheduler.JobState
	Words string
	Bar   []history.Run // oldest first
	Rate  string
}

func (u *ui) jobRows(r *http.Request) ([]jobRow, error) {
	states, err := u.s.Jobs(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]jobRow, len(states))
	for i, st := range states {
		runs, err := u.s.History().List(r.Context(), st.Job.Name, barRuns)
		if err != nil {
			return nil, err
		}
		ok, done := 0, 0
		bar := make([]history.Run, 0, len(runs))
		for k := len(runs) - 1; k >= 0; k-- {
			bar = append(bar, runs[k])
			if runs[k].Outcome != history.OutcomeRunning {
				done++
				if runs[k].Outcome == history.OutcomeOK {
					ok++
				}
			}
		}
		rate := "no runs"
		if done > 0 {
			rate = fmt.Sprintf("%d%% ok of the last %d", ok*100/done, done)
		}
		rows[i] = jobRow{JobState: st, Words: describe(st.Job.ScheduleSpec), Bar: bar, Rate: rate}
	}
	return rows, nil
}

func (u *ui) jobsPage(w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := u.jobRows(r)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.render(w, "jobs.html", map[string]any{"Title": "Jobs", "Rows": rows, "CSRF": s.csrf})
}

// jobsTable is the body of the jobs table, for live updates.
func (u *ui) jobsTable(w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := u.jobRows(r)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.render(w, "jobrows", map[string]any{"Rows": rows, "CSRF": s.csrf})
}

func (u *ui) jobPage(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	states, err := u.s.Jobs(r.Context())
	if err != nil {
		u.fail(w, err)
		return
	}
	var st *scheduler.JobState
	for i := range states {
		if states[i].Job.Name == name {
			st = &states[i]
		}
	}
	if st == nil || !jobs.ValidName(name) {
		http.Error(w, "no job named "+strconv.Quote(name), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	outcome := history.Outcome(q.Get("outcome"))
	if outcome != "" && !outcome.Valid() {
		outcome = ""
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	runs, err := u.s.History().Page(r.Context(), name, outcome, before, pageSize+1)
	if err != nil {
		u.fail(w, err)
		return
	}
	var next int64
	if len(runs) > pageSize {
		runs = runs[:pageSize]
		next = runs[pageSize-1].ID
	}
	u.render(w, "job.html", map[string]any{"Title": name, "Job": st, "Words": describe(st.Job.ScheduleSpec),
		"Runs": runs, "Outcome": string(outcome), "Next": next, "Before": before, "CSRF": s.csrf,
		"Outcomes": []string{"ok", "failed", "timeout", "cancelled", "skipped", "interrupted", "missed", "partial", "running"}})
}

// runView is a run as its page shows it.
type runView struct {
	history.Run
	Live    bool
	Result  string
	Actions []actionCount
	Plan    []planConn // a dry run's plan; nil if none
}

// planConn is the planned change of one connection, as diff lines.
type planConn struct {
	Conn  string
	Push  bool
	Lines []planLine
}

type planLine struct {
	Op, Text string // Op: "+", "~" or "-"
}

// planOf reads the plan of a dry run from its log line.
func planOf(lines []history.LogLine) []planConn {
	var out []planConn
	for _, l := range lines {
		if l.Msg != scheduler.PlanMessage {
			continue
		}
		changes, _ := l.Attrs["changes"].([]any)
		out = []planConn{}
		for _, c := range changes {
			m, _ := c.(map[string]any)
			pc := planConn{Conn: fmt.Sprintf("%v/%v", m["channel_id"], m["connection_id"]), Push: m["push"] == true}
			add := func(op, key string, text string) { pc.Lines = append(pc.Lines, planLine{op, key + text}) }
			for _, k := range sortedKeys(m["added"]) {
				add("+", k, " = "+jsonText(m["added"].(map[string]any)[k]))
			}
			for _, k := range sortedKeys(m["changed"]) {
				pair, _ := m["changed"].(map[string]any)[k].([]any)
				if len(pair) == 2 {
					add("~", k, ": "+jsonText(pair[0])+" -> "+jsonText(pair[1]))
				}
			}
			for _, k := range sortedKeys(m["removed"]) {
				add("-", k, " (was "+jsonText(m["removed"].(map[string]any)[k])+")")
			}
			out = append(out, pc)
		}
	}
	return out
}

func sortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

type actionCount struct {
	Action string
	N      int
}

func (u *ui) runView(r *http.Request) (*runView, int, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, http.StatusBadRequest, errors.New("invalid run id")
	}
	run, err := u.s.History().Get(r.Context(), id)
	if errors.Is(err, history.ErrNotFound) {
		return nil, http.StatusNotFound, fmt.Errorf("no run %d (pruned or never recorded)", id)
	}
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	v := &runView{Run: *run}
	if run.Outcome == history.OutcomeRunning {
		if lines, ok := u.s.LiveLogs(id); ok {
			v.Live, v.Logs = true, lines
		}
	}
	if len(run.Result) > 0 {
		var x any
		if json.Unmarshal(run.Result, &x) == nil {
			b, _ := json.MarshalIndent(x, "", "  ")
			v.Result = string(b)
		}
	}
	if run.DryRun {
		v.Plan = planOf(v.Logs)
	}
	for a, n := range run.CallsByAction {
		v.Actions = append(v.Actions, actionCount{a, n})
	}
	sort.Slice(v.Actions, func(i, j int) bool { return v.Actions[i].Action < v.Actions[j].Action })
	return v, 0, nil
}

func (u *ui) runPage(w http.ResponseWriter, r *http.Request, s *session) {
	v, status, err := u.runView(r)
	if err != nil {
		if status == http.StatusInternalServerError {
			u.fail(w, err)
			return
		}
		http.Error(w, err.Error(), status)
		return
	}
	u.render(w, "run.html", map[string]any{"Title": fmt.Sprintf("Run %d", v.ID), "Run": v, "CSRF": s.csrf})
}

// runSummary is the summary block of a run's page, for live updates.
func (u *ui) runSummary(w http.ResponseWriter, r *http.Request, _ *session) {
	v, status, err := u.runView(r)
	if err != nil {
		http.Error(w, err.Error(), max(status, 400))
		return
	}
	u.render(w, "runsummary", map[string]any{"Run": v})
}

func (u *ui) fail(w http.ResponseWriter, err error) {
	u.log.Error("dashboard error", "error", err)
	http.Error(w, "internal error (see the daemon's log)", http.StatusInternalServerError)
}
