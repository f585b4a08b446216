package main

import (
	"fmt"
	"testing"
)

// pairLine is a run record whose write phase, wall and CPU (user, no sys)
// are given, with its check.
func pairLine(variant string, conc, rep int, seconds, wall, cpu float64) []string {
	run := fmt.Sprintf(`{"kind":"run","labels":{"variant":%q,"concurrency":"%d","rep":"%d","id":"%s-c%d-r%d","want":"1000"},`+
		`"wall_s":%g,"user_s":%g,"sys_s":0,"maxrss_kb":20480,"exit_code":0,`+
		`"output":{"writes":1000,"seconds":%g,"list_seconds":0.5}}`,
		variant, conc, rep, variant, conc, rep, wall, cpu, seconds)
	return []string{run, checkLine(variant, conc, rep, 1000, true)}
}

// TestRenderPaired pairs each soracron run with the Go client's run of the
// same repetition: the machine got twice as slow in repetition 2, which
// the ratio of medians mixes up and the paired ratios do not.
func TestRenderPaired(t *testing.T) {
	head := `{"kind":"info","fields":{"n":"1000","reps":"2","command":"bench/run -n 1000 -r 2"}}`
	tests := []struct {
		name    string
		lines   [][]string
		want    []string
		wantNot []string
	}{
		{
			name: "two repetitions, the second on a slower machine",
			lines: [][]string{
				pairLine("goclient", 16, 1, 1, 1.2, 2),
				pairLine("batch", 16, 1, 1.25, 1.5, 2.2), // 0.80×, 0.80×, 1.10×
				pairLine("goclient", 16, 2, 2, 2.4, 4),
				pairLine("batch", 16, 2, 2, 2, 4), // 1.00×, 1.20×, 1.00×
			},
			want: []string{
				"## Paired with the plain Go client",
				"| soracron run: sora.batch | 16 | 2 | 0.90× (0.80×–1.00×) | 1.00× (0.80×–1.20×) | 1.05× (1.00×–1.10×) |",
			},
		},
		{
			name: "update_all against the Go client's list and writes",
			lines: [][]string{
				pairLine("goclient", 4, 1, 1, 2, 3),
				pairLine("update_all", 4, 1, 1.5, 2, 3), // (1 + 0.5) / 1.5
			},
			want: []string{"| soracron run: sora.update_all | 4 | 1 | 1.00× | 1.00× | 1.00× |"},
		},
		{
			name: "a repetition without the Go client is left out",
			lines: [][]string{
				pairLine("goclient", 64, 1, 1, 1, 1),
				pairLine("batch_stream", 64, 1, 2, 2, 2),
				pairLine("batch_stream", 64, 2, 1, 1, 1),
			},
			want: []string{"| soracron run: sora.batch, requests pulled | 64 | 1 | 0.50× | 0.50× | 2.00× |"},
		},
		{
			name:    "no Go client at all",
			lines:   [][]string{pairLine("batch", 16, 1, 1, 1, 1)},
			wantNot: []string{"## Paired"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := []string{head}
			for _, l := range tt.lines {
				lines = append(lines, l...)
			}
			checkRender(t, lines, 0, tt.want, tt.wantNot)
		})
	}
}
