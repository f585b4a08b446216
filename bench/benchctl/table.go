package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Targets stated in the table.
const (
	targetVsGo   = 0.9 // soracron / plain Go client, at the same concurrency
	targetVsCurl = 100 // soracron / bash loop of curl
)

// variant is one kind of client the benchmark runs.
type variant struct {
	key      string // labels.variant
	name     string // first column of the table
	soracron bool   // held to the targets
	seq      bool   // sequential: compared with the Go client at concurrency 1
}

// variants in table order. The names are what bench_test.go looks for.
var variants = []variant{
	{key: "put_item_loop", name: "soracron run: sora.put_item loop", soracron: true, seq: true},
	{key: "update_all", name: "soracron run: sora.update_all", soracron: true},
	{key: "batch", name: "soracron run: sora.batch", soracron: true},
	{key: "batch_stream", name: "soracron run: sora.batch, requests pulled", soracron: true},
	{key: "goclient", name: "plain Go client (sora.Client)"},
	{key: "python", name: "Python 3 http.client, keep-alive", seq: true},
	{key: "curl", name: "bash loop of curl", seq: true},
}

// rawRecord is any line of the raw file.
type rawRecord struct {
	Kind      string            `json:"kind"`
	Labels    map[string]string `json:"labels"`
	Fields    map[string]string `json:"fields"`
	WallS     float64           `json:"wall_s"`
	UserS     float64           `json:"user_s"`
	SysS      float64           `json:"sys_s"`
	MaxRSSKB  int64             `json:"maxrss_kb"`
	ExitCode  int               `json:"exit_code"`
	WatchCPUS *float64          `json:"watch_cpu_s"`
	RawOutput json.RawMessage   `json:"output"`
	Output    *clientReport     `json:"-"` // RawOutput of a run, when it is a report
	OK        bool              `json:"ok"`
	Checked   int               `json:"checked"`
	Problem   string            `json:"problem"`
}

// clientReport is what every client prints on stdout.
type clientReport struct {
	Writes      float64 `json:"writes"`
	Seconds     float64 `json:"seconds"`
	ListSeconds float64 `json:"list_seconds"`
}

// group is the runs of one variant at one concurrency.
type group struct {
	v    variant
	conc int
	want int
	runs []*rawRecord

	write, listWrite, whole, wall, cpu, srv spread
	rssKB                                   int64
	failures                                []string
}

// cmdTable renders the Markdown results table from the raw file.
func cmdTable(argv []string, stdout, stderr io.Writer) error {
	fs := newFlags("table", stderr)
	raw := fs.String("raw", "", "JSON-lines file of run, check, cold and info records")
	out := fs.String("o", "", "also write the table to this file")
	if err := parse(fs, argv); err != nil {
		return err
	}
	if *raw == "" {
		return usageError{errors.New("need -raw FILE")}
	}
	recs, err := readRaw(*raw)
	if err != nil {
		return err
	}
	md, failed := render(recs)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(stdout, md); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d runs failed their check", failed)
	}
	return nil
}

func readRaw(path string) ([]*rawRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []*rawRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		r := &rawRecord{}
		if err := json.Unmarshal(sc.Bytes(), r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if r.Kind == "run" && len(r.RawOutput) > 0 {
			rep := &clientReport{}
			if json.Unmarshal(r.RawOutput, rep) == nil {
				r.Output = rep
			}
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}

// groups collects the run records by variant and concurrency, in table
// order, and checks each run against its check record.
func groups(recs []*rawRecord) []*group {
	checks := map[string]*rawRecord{}
	for _, r := range recs {
		if r.Kind == "check" {
			checks[r.Labels["id"]] = r
		}
	}
	byKey := map[string]*group{}
	var all []*group
	for _, r := range recs {
		if r.Kind != "run" {
			continue
		}
		vi := slices.IndexFunc(variants, func(v variant) bool { return v.key == r.Labels["variant"] })
		if vi < 0 {
			continue
		}
		conc, _ := strconv.Atoi(r.Labels["concurrency"])
		k := fmt.Sprintf("%s/%d", r.Labels["variant"], conc)
		g := byKey[k]
		if g == nil {
			want, _ := strconv.Atoi(r.Labels["want"])
			g = &group{v: variants[vi], conc: conc, want: want}
			byKey[k] = g
			all = append(all, g)
		}
		if problem := runProblem(r, checks[r.Labels["id"]], g.want); problem != "" {
			g.failures = append(g.failures, fmt.Sprintf("rep %s: %s", r.Labels["rep"], problem))
			continue
		}
		g.runs = append(g.runs, r)
	}
	slices.SortStableFunc(all, func(a, b *group) int {
		ia := slices.IndexFunc(variants, func(v variant) bool { return v.key == a.v.key })
		ib := slices.IndexFunc(variants, func(v variant) bool { return v.key == b.v.key })
		if ia != ib {
			return ia - ib
		}
		return a.conc - b.conc
	})
	for _, g := range all {
		g.compute()
	}
	return all
}

// runProblem says what is wrong with a run, "" when it did what it claims.
func runProblem(r, check *rawRecord, want int) string {
	switch {
	case r.ExitCode != 0:
		return fmt.Sprintf("exit code %d", r.ExitCode)
	case r.Output == nil:
		return "no JSON report on stdout"
	case int(r.Output.Writes) != want:
		return fmt.Sprintf("claims %d writes, want %d", int(r.Output.Writes), want)
	case r.Output.Seconds <= 0:
		return "no write-phase time"
	case check == nil:
		return "not checked"
	case !check.OK:
		return "check failed: " + check.Problem
	case check.Checked != want:
		return fmt.Sprintf("checked %d connections, want %d", check.Checked, want)
	}
	return ""
}

func (g *group) compute() {
	var write, listWrite, whole, wall, cpu, srv []float64
	for _, r := range g.runs {
		w := r.Output.Writes
		write = append(write, w/r.Output.Seconds)
		listWrite = append(listWrite, w/(r.Output.Seconds+r.Output.ListSeconds))
		whole = append(whole, w/r.WallS)
		wall = append(wall, r.WallS)
		cpu = append(cpu, (r.UserS+r.SysS)/w*1e6)
		if r.WatchCPUS != nil {
			srv = append(srv, *r.WatchCPUS/w*1e6)
		}
		g.rssKB = max(g.rssKB, r.MaxRSSKB)
	}
	g.write, g.listWrite, g.whole = summarize(write), summarize(listWrite), summarize(whole)
	g.wall, g.cpu, g.srv = summarize(wall), summarize(cpu), summarize(srv)
}

// label is the first column of g's row.
func (g *group) label() string {
	if g.v.key == "curl" && len(g.runs) > 0 {
		return fmt.Sprintf("%s (sample: %d requests)", g.v.name, g.want)
	}
	return g.v.name
}
