package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCutText(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		max    int
		marker string // "" = unchanged
	}{
		{"short", "abc", 10, ""},
		{"exact", strings.Repeat("a", 100), 100, ""},
		{"long ASCII", strings.Repeat("a", 30<<20), 64 << 10, "[cut: 30.0 MiB, kept "},
		{"long multibyte", strings.Repeat("é", 1000), 200, "[cut: 2.0 KiB, kept 152 B]"},
		{"3-byte runes", strings.Repeat("日", 1000), 100, "[cut: 2.9 KiB, kept "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CutText(tt.in, tt.max)
			if tt.marker == "" {
				if got != tt.in {
					t.Fatalf("changed a text within the cap")
				}
				return
			}
			if len(got) > tt.max || !utf8.ValidString(got) {
				t.Fatalf("%d bytes (cap %d), valid UTF-8 %v", len(got), tt.max, utf8.ValidString(got))
			}
			if !strings.Contains(got, " ... "+tt.marker) {
				t.Fatalf("ends %q, want the marker %q", got[max(0, len(got)-60):], tt.marker)
			}
		})
	}
}

// TestCapsStoredAndServed stores runs over the caps, and rows written whole
// (as before the caps), and reads them back cut, saying so.
func TestCapsStoredAndServed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{})
	ctx := context.Background()
	big := strings.Repeat("x", 3<<20)
	quoted, _ := json.Marshal(strings.Repeat("\u0001", 1<<20)) // escapes 6x
	tests := []struct {
		name   string
		errStr string
		result []byte
	}{
		{"huge error", big, nil},
		{"huge string result", "", []byte(`"` + big + `"`)},
		{"huge table result", "", []byte(`[` + strings.Repeat(`"abc",`, 1<<20) + `1]`)},
		{"result that escapes", "", quoted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.Begin(ctx, Run{Job: "j", Trigger: TriggerManual})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Finish(ctx, Run{ID: id, Outcome: OutcomeFailed, Error: tt.errStr, Result: tt.result}); err != nil {
				t.Fatal(err)
			}
			r, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			checkCut(t, r)
		})
	}
	t.Run("rows stored whole are served cut", func(t *testing.T) {
		id := runOnce(t, s, "old", OutcomeFailed)
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE runs SET error = ?, result = ? WHERE id = ?`, big, `"`+big+`"`, id); err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Error, "[cut: 3.0 MiB") {
			t.Fatalf("error ends %q", r.Error[len(r.Error)-60:])
		}
		checkCut(t, r)
	})
}

func checkCut(t *testing.T, r *Run) {
	t.Helper()
	if len(r.Error) > MaxErrorBytes {
		t.Errorf("error of %d bytes", len(r.Error))
	}
	if r.Error != "" && !strings.Contains(r.Error, " ... [cut: ") {
		t.Errorf("error cut without saying so")
	}
	if r.Result != nil {
		var v string
		if err := json.Unmarshal(r.Result, &v); err != nil || len(r.Result) > MaxResultBytes || !strings.Contains(v, " ... [cut: ") {
			t.Errorf("result of %d bytes (%v) ends %q", len(r.Result), err, r.Result[max(0, len(r.Result)-60):])
		}
	}
}

// TestListPage pages the runs by count and by bytes.
func TestListPage(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"), Options{Keep: 1000})
	ctx := context.Background()
	for i := range 40 {
		id, err := s.Begin(ctx, Run{Job: "j", Trigger: TriggerManual})
		if err != nil {
			t.Fatal(err)
		}
		res := []byte(`"` + strings.Repeat("r", 60<<10) + `"`)
		if i%2 == 0 {
			res = []byte("1")
		}
		if err := s.Finish(ctx, Run{ID: id, Outcome: OutcomeOK, Result: res}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name            string
		limit, maxBytes int
		wantPages       int
	}{
		{"by count", 7, 0, 6},
		{"by bytes", 1000, 256 << 10, 4},
		{"budget below one run", 1000, 10, 40},
		{"one page", 1000, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []int64
			pages := 0
			p := Page{Job: "j", Limit: tt.limit, MaxBytes: tt.maxBytes}
			for {
				runs, more, err := s.ListPage(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				size := 0
				for _, r := range runs {
					seen = append(seen, r.ID)
					size += len(r.Result)
				}
				if tt.maxBytes > 0 && len(runs) > 1 && size > tt.maxBytes {
					t.Fatalf("page %d: %d bytes of results, budget %d", pages, size, tt.maxBytes)
				}
				if !more || len(runs) == 0 {
					break
				}
				p.Before = runs[len(runs)-1].ID
			}
			if len(seen) != 40 {
				t.Fatalf("saw %d runs over %d pages, want 40", len(seen), pages)
			}
			for i := 1; i < len(seen); i++ {
				if seen[i] >= seen[i-1] {
					t.Fatalf("ids not strictly decreasing: %v", seen)
				}
			}
			if pages < tt.wantPages {
				t.Fatalf("%d pages, want at least %d", pages, tt.wantPages)
			}
		})
	}
}

// TestInterruptedEnd: a run left running by a dead process ends at the last
// time the process is known to have been alive, not at the restart.
func TestInterruptedEnd(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	restart := t0.Add(24 * time.Hour)
	tests := []struct {
		name  string
		later []Run // recorded after the interrupted run began
		want  time.Time
	}{
		{"nothing after its start: its start", nil, t0},
		{"a run finished later: that end", []Run{{Start: t0.Add(time.Minute), End: t0.Add(5 * time.Minute), Outcome: OutcomeOK}}, t0.Add(5 * time.Minute)},
		{"a run started later, also interrupted: that start", []Run{{Start: t0.Add(7 * time.Minute)}}, t0.Add(7 * time.Minute)},
		{"a skipped tick later: its time", []Run{{Start: t0.Add(9 * time.Minute), Outcome: OutcomeSkipped}}, t0.Add(9 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			ctx := context.Background()
			s, err := Open(path, Options{Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.Begin(ctx, Run{Job: "j", Trigger: TriggerSchedule, Start: t0})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.later {
				r.Job, r.Trigger = "k", TriggerSchedule
				switch r.Outcome {
				case OutcomeSkipped:
					_, err = s.Skip(ctx, r)
				default:
					var lid int64
					lid, err = s.Begin(ctx, r)
					if err == nil && r.Outcome != "" {
						err = s.Finish(ctx, Run{ID: lid, Outcome: r.Outcome, End: r.End})
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil { // as if the process died: j stays running
				t.Fatal(err)
			}
			s = openStore(t, path, Options{Now: func() time.Time { return restart }})
			r, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != OutcomeInterrupted || !r.End.Equal(tt.want) {
				t.Fatalf("run = %s ending %v, want interrupted ending %v (restart %v)", r.Outcome, r.End, tt.want, restart)
			}
		})
	}
}
