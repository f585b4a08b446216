package main

import (
	"fmt"
	"strings"
)

// paired compares each soracron run with the plain Go client's run of the
// same repetition and concurrency. bench/run runs the Go client and then
// every soracron variant at one concurrency in turn, seconds apart, so on
// a shared machine whose speed drifts by tens of percent between minutes
// the ratio of two runs made side by side is steadier than the ratio of
// two medians taken over the whole benchmark.
type paired struct {
	write, whole, cpu spread // soracron / Go: write-phase speed, whole-process speed, CPU per request
	n                 int    // repetitions with both runs
}

// pairWithGo pairs g's runs with gc's by their "rep" label; write is the
// write-phase speed ratio (for update_all against the Go client's List +
// writes, as vsGo), whole the whole-process speed ratio (Go's wall / g's
// wall) and cpu g's CPU per request over the Go client's.
func pairWithGo(g, gc *group) paired {
	goByRep := map[string]*rawRecord{}
	for _, r := range gc.runs {
		goByRep[r.Labels["rep"]] = r
	}
	var write, whole, cpu []float64
	for _, r := range g.runs {
		o := goByRep[r.Labels["rep"]]
		if o == nil {
			continue
		}
		goSeconds := o.Output.Seconds
		if g.v.key == "update_all" {
			goSeconds += o.Output.ListSeconds
		}
		// Both wrote the same number of connections (runProblem checks
		// the writes against want), so times compare directly.
		write = append(write, goSeconds/r.Output.Seconds)
		whole = append(whole, o.WallS/r.WallS)
		cpu = append(cpu, (r.UserS+r.SysS)/(o.UserS+o.SysS))
	}
	return paired{write: summarize(write), whole: summarize(whole), cpu: summarize(cpu), n: len(write)}
}

// ratioSpread formats a ratio as "median (min–max)", just the median for
// one sample.
func ratioSpread(s spread, n int) string {
	if n <= 1 {
		return ratio(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", ratio(s.med), ratio(s.lo), ratio(s.hi))
}

// renderPaired writes the section of the soracron variants paired with the
// Go client repetition by repetition; nothing when no run pairs.
func renderPaired(b *strings.Builder, gs []*group, find func(string, int) *group) {
	var rows []string
	for _, g := range gs {
		if !g.v.soracron || g.v.seq {
			continue
		}
		gc := g.goPeer(find)
		if gc == nil {
			continue
		}
		pr := pairWithGo(g, gc)
		if pr.n == 0 {
			continue
		}
		rows = append(rows, fmt.Sprintf("| %s | %d | %d | %s | %s | %s |\n", g.v.name, g.conc, pr.n,
			ratioSpread(pr.write, pr.n), ratioSpread(pr.whole, pr.n), ratioSpread(pr.cpu, pr.n)))
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Paired with the plain Go client\n\n")
	b.WriteString("Each soracron run divided by the plain Go client's run of the same repetition and concurrency, made just before it; median (min–max) over the repetitions. Speeds are soracron / Go (above 1: faster), CPU per request soracron / Go (above 1: more CPU).\n\n")
	b.WriteString("| soracron variant | concurrency | pairs | write phase × Go | whole process × Go | client CPU per request × Go |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		b.WriteString(r)
	}
	b.WriteString("\n")
}
