package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// propertyRunsEnv sets the number of random runs of TestUpdateAllAccountsForEveryConnection
// (default 8, a few seconds); set it higher for a longer search.
const propertyRunsEnv = "SORACRON_PROPERTY_RUNS"

// propertyScript changes the connections whose metadata has sel = true, in
// place, and returns update_all's summary.
const propertyScript = `local sora = require("sora")
return sora.update_all("prop", function(md)
  if md.sel then md.status = "away" end
end, {concurrency = tonumber(args.concurrency)})
`

// TestUpdateAllAccountsForEveryConnection is a property test: random
// channels (0 to 2,000 connections) with random metadata holding numbers
// no Lua number holds exactly, random failures of the writes, connections
// that leave the channel during the run, and random interruption points.
// After each run every connection is exactly one of written, failed, gone,
// not reached or unchanged (from the summary, or from the warning and its
// file of ids when the run was cut short), the counts agree with the run's
// statistics, the emulator's state agrees with the classification, and no
// number changed its text.
func TestUpdateAllAccountsForEveryConnection(t *testing.T) {
	runs := 8
	if s := os.Getenv(propertyRunsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s=%q: %v", propertyRunsEnv, s, err)
		}
		runs = n
	}
	t.Setenv("TMPDIR", t.TempDir()) // update_all's files of ids
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SORACRON_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (SORACRON_PROPERTY_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	script := writeScript(t, "prop.lua", propertyScript)
	for i := range runs {
		p := randomProperty(rng)
		t.Run(fmt.Sprintf("%d_%s", i, p), func(t *testing.T) { checkProperty(t, script, p) })
	}
}

// propertyCase is one random run.
type propertyCase struct {
	n           int           // connections
	sel         float64       // share of connections to change
	gone        float64       // share that leave the channel after the list
	failRate    float64       // share of the writes that fail
	failStatus  int           // 500 (not retried) or 503 (retried once)
	latency     time.Duration // added to each write
	concurrency int
	timeout     time.Duration // 0: none
	seed        uint64
}

func (p propertyCase) String() string {
	return fmt.Sprintf("n%d_fail%.2f_%d_gone%.2f_timeout%s", p.n, p.failRate, p.failStatus, p.gone, p.timeout)
}

func randomProperty(rng *rand.Rand) propertyCase {
	p := propertyCase{sel: rng.Float64(), concurrency: 1 + rng.IntN(16), seed: rng.Uint64(), failStatus: 500}
	switch r := rng.IntN(4); {
	case r == 0:
		p.n = rng.IntN(11)
	case r < 3:
		p.n = rng.IntN(201)
	default:
		p.n = rng.IntN(2001)
	}
	if rng.IntN(3) > 0 {
		p.failRate = rng.Float64() / 2
	}
	if rng.IntN(2) == 0 {
		p.failStatus = 503
	}
	if rng.IntN(2) == 0 {
		p.gone = rng.Float64() / 4
	}
	if rng.IntN(2) == 0 {
		p.latency = time.Duration(rng.IntN(2000)) * time.Microsecond
	}
	if rng.IntN(2) == 0 {
		// Somewhere within the run's expected length.
		expected := time.Duration(p.n/p.concurrency+1) * (p.latency + 200*time.Microsecond)
		p.timeout = time.Millisecond + time.Duration(rng.Int64N(int64(expected)+1))
	}
	return p
}

// bigNumbers are metadata values no Lua number holds exactly.
func bigNumbers(i int) map[string]any {
	return map[string]any{
		"big":  json.Number(strconv.FormatUint(1<<53+1+2*uint64(i), 10)),
		"ts":   json.Number(strconv.FormatInt(1733300000123456789+int64(i), 10)),
		"f":    json.Number("0.3000000000000000000" + strconv.Itoa(1+i%9)),
		"deep": map[string]any{"ids": []any{json.Number("123456789012345678901234567890"), json.Number("-1e400")}},
	}
}

func checkProperty(t *testing.T, script string, p propertyCase) {
	rng := rand.New(rand.NewPCG(p.seed, 2))
	e := emulator.New(emulator.Options{Seed: int64(p.seed & 0x7fffffff)})
	ids := make([]string, p.n)
	sel := map[string]bool{}
	for i := range p.n {
		md := bigNumbers(i)
		md["n"] = i
		s := rng.Float64() < p.sel
		md["sel"] = s
		c, err := e.AddConnection(emulator.Connection{ChannelID: "prop", Metadata: md})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ConnectionID
		sel[c.ConnectionID] = s
	}
	gone := map[string]bool{}
	for _, id := range ids {
		if rng.Float64() < p.gone {
			gone[id] = true
		}
	}
	if err := e.SetFaults(emulator.Faults{Seed: p.seed, Rules: []emulator.FaultRule{{
		Targets: []string{"PutSignalingNotifyMetadataItem"}, FailRate: p.failRate, FailStatus: p.failStatus,
		Latency: emulator.Latency{Min: p.latency}}}}); err != nil {
		t.Fatal(err)
	}
	// The connections in gone leave the channel once it has been listed:
	// the List reply is taken whole, they leave, and only then is the
	// reply sent, so no write can reach one of them before it leaves
	// (update_all reads the List as a stream and starts writing before
	// the reply has ended).
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-sora-target") != sora.TargetList {
			e.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		once.Do(func() {
			for id := range gone {
				e.RemoveConnection("prop", id)
			}
		})
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	client := newClient(t, srv.URL+"/", 2, 5*time.Second)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	res, runErr := engine.New(engine.Options{Client: client, Logger: logger}).Run(context.Background(), engine.Request{
		Script: script, Args: map[string]any{"concurrency": p.concurrency}, Timeout: p.timeout,
	})

	// The classification: from the summary, or from the warning.
	var c struct {
		Written    []string `json:"written"`
		Failed     []string `json:"not_written"`
		Gone       []string `json:"gone_ids"`
		NotReached []string `json:"not_reached_ids"`
		Unchanged  int      `json:"unchanged"`
	}
	st := res.Stats.Connections
	switch {
	case runErr == nil:
		data, _ := json.Marshal(res.Value)
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("summary %s: %v", data, err)
		}
	default:
		mu.Lock()
		text := logs.String()
		mu.Unlock()
		w := stoppedWarning(t, text)
		if w == nil && st.Connections == 0 {
			// The run ended before update_all had the list: nothing
			// may have been written.
			for _, id := range ids {
				if md, ok := e.Metadata("prop", id); ok && md["status"] != nil {
					t.Errorf("%s written by a run that never listed the channel", id)
				}
			}
			return
		}
		if w == nil {
			// The timeout came after update_all had finished: nothing
			// was cut short, the statistics account for everything.
			if st.Failed+st.Gone+st.Written+st.NotReached+st.Unchanged != p.n || st.NotReached != 0 || st.Connections != p.n {
				t.Fatalf("run %v without a warning; statistics %+v do not account for %d connections", runErr, st, p.n)
			}
			return
		}
		c.Written, c.Failed, c.Gone, c.NotReached, c.Unchanged = w.Written, w.Failed, w.Gone, w.NotReached, w.Unchanged
	}
	if st.Connections != p.n || st.Written != len(c.Written) || st.Failed != len(c.Failed) || st.Gone != len(c.Gone) ||
		st.NotReached != len(c.NotReached) || st.Unchanged != c.Unchanged {
		t.Errorf("statistics %+v disagree with the summary (%d written, %d failed, %d gone, %d not reached, %d unchanged)",
			st, len(c.Written), len(c.Failed), len(c.Gone), len(c.NotReached), c.Unchanged)
	}
	if runErr == nil && res.Stats.WriteFailures != len(c.Failed) {
		t.Errorf("%d write failures counted, %d connections failed", res.Stats.WriteFailures, len(c.Failed))
	}
	kind := map[string]string{}
	for name, list := range map[string][]string{"written": c.Written, "failed": c.Failed, "gone": c.Gone, "not reached": c.NotReached} {
		for _, id := range list {
			if k, dup := kind[id]; dup {
				t.Fatalf("%s is both %s and %s", id, k, name)
			}
			kind[id] = name
		}
	}
	if len(kind)+c.Unchanged != p.n {
		t.Fatalf("%d connections classified + %d unchanged, want %d", len(kind), c.Unchanged, p.n)
	}
	unchanged := 0
	for i, id := range ids {
		md, present := e.Metadata("prop", id)
		k, classified := kind[id]
		if !classified {
			k = "unchanged"
			unchanged++
		}
		status := md["status"]
		switch k {
		case "written":
			if !present || status != "away" || !sel[id] {
				t.Errorf("%s (%s): present %v, status %v, selected %v", id, k, present, status, sel[id])
			}
		case "gone":
			if present || !gone[id] {
				t.Errorf("%s (%s): still in the channel", id, k)
			}
		case "not reached":
			if present && status != nil {
				t.Errorf("%s (%s): written", id, k)
			}
		case "failed":
			// Failed before being applied, unless cut off in flight by
			// the end of the run. A connection that left may fail before
			// Sora could say it is gone (an injected fault comes first).
			if !present && !gone[id] || status != nil && runErr == nil {
				t.Errorf("%s (%s): present %v, status %v", id, k, present, status)
			}
		case "unchanged":
			if sel[id] || status != nil {
				t.Errorf("%s (%s): selected %v, status %v", id, k, sel[id], status)
			}
		}
		if present {
			want := bigNumbers(i)
			for key, v := range want {
				got, _ := json.Marshal(md[key])
				w, _ := json.Marshal(v)
				if !bytes.Equal(got, w) {
					t.Errorf("%s: %s is %s, want %s (a number changed its text)", id, key, got, w)
				}
			}
		}
	}
	if unchanged != c.Unchanged {
		t.Errorf("%d connections unclassified, the summary says %d unchanged", unchanged, c.Unchanged)
	}
}

// warning is update_all's account of a run cut short.
type warning struct {
	Written, Failed, Gone, NotReached []string
	Unchanged                         int
}

// stoppedWarning finds update_all's "stopped before the end" warning in
// JSON logs and reads its ids (inline, or from its file), nil when none.
func stoppedWarning(t *testing.T, logs string) *warning {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "stopped before the end") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		num := func(k string) int { f, _ := rec[k].(float64); return int(f) }
		w := &warning{Unchanged: num("unchanged")}
		if f, ok := rec["ids_file"].(string); ok {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var file struct {
				Written, Failed, Gone []string
				NotReached            []string `json:"not_reached"`
			}
			if err := json.Unmarshal(data, &file); err != nil {
				t.Fatal(err)
			}
			w.Written, w.Failed, w.Gone, w.NotReached = file.Written, file.Failed, file.Gone, file.NotReached
		} else {
			list := func(k string) []string {
				s, _ := rec[k].(string)
				if s == "" {
					return nil
				}
				return strings.Split(s, ",")
			}
			w.Written, w.Failed, w.Gone, w.NotReached = list("written_ids"), list("failed_ids"), list("gone_ids"), list("not_reached_ids")
		}
		for k, l := range map[string][]string{"written": w.Written, "failed": w.Failed, "gone": w.Gone, "not_reached": w.NotReached} {
			if len(l) != num(k) {
				t.Fatalf("warning: %s=%d but %d ids", k, num(k), len(l))
			}
			if !slices.IsSorted(l) {
				t.Errorf("warning: %s ids not sorted", k)
			}
		}
		return w
	}
	return nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
