package main

import (
	"fmt"
	"strings"
)

// render returns the Markdown report of recs and the number of failed runs.
func render(recs []*rawRecord) (string, int) {
	var start, end map[string]string
	var cold []*rawRecord
	for _, r := range recs {
		switch r.Kind {
		case "info":
			if start == nil {
				start = r.Fields
			}
			end = r.Fields
		case "cold":
			if r.ExitCode == 0 {
				cold = append(cold, r)
			}
		}
	}
	if start == nil {
		start = map[string]string{}
	}
	if end == nil {
		end = start
	}
	gs := groups(recs)
	find := func(key string, conc int) *group {
		for _, g := range gs {
			if g.v.key == key && g.conc == conc && len(g.runs) > 0 {
				return g
			}
		}
		return nil
	}

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# soracron benchmark\n\n")
	p("Work: set one metadata key (a distinct value per variant and repetition) on every connection of a channel of %s connections served by `soracron emulator`, a separate process on a loopback port.", start["n"])
	if start["quick"] == "true" {
		p(" **Quick mode** (smoke test): the figures are not meaningful.")
	}
	p("\n\n")
	p("- Command: `%s`\n", start["command"])
	p("- Date: %s; Go: %s; OS: %s, kernel %s\n", start["date"], start["go"], start["os"], start["kernel"])
	p("- CPU: %s; nproc: %s (online: %s); memory: %s\n", start["cpu"], start["nproc"], start["hostcpus"], start["memory"])
	p("- Load average (1/5/15 min): %s at start, %s at end\n", start["loadavg"], end["loadavg"])
	p("- Repetitions: %s per row (median, spread min–max)\n\n", start["reps"])

	p("| variant | concurrency | writes per run | write phase: requests/s, median (min–max) | × plain Go client (same concurrency) | × curl loop | whole process: requests/s | whole process: wall s, median (min–max) | whole process: client CPU µs per request | server CPU µs per request | client peak RSS MiB | check |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	curl := find("curl", 1)
	failed := 0
	for _, g := range gs {
		failed += len(g.failures)
		check := fmt.Sprintf("ok (%d/%d)", len(g.runs), len(g.runs)+len(g.failures))
		if len(g.failures) > 0 {
			check = fmt.Sprintf("**FAILED** %d/%d: %s", len(g.failures), len(g.runs)+len(g.failures), strings.Join(g.failures, "; "))
		}
		if len(g.runs) == 0 {
			p("| %s | %d | %d | – | – | – | – | – | – | – | – | %s |\n", g.label(), g.conc, g.want, check)
			continue
		}
		vsGo, vsCurl := "", ""
		if g.v.key != "goclient" {
			vsGo = ratio(g.vsGo(find))
		}
		if curl != nil && g.v.key != "curl" {
			vsCurl = ratio(g.write.med / curl.write.med)
		}
		srv := "–"
		if g.srv.med > 0 {
			srv = fmt.Sprintf("%.0f", g.srv.med)
		}
		p("| %s | %d | %d | %s | %s | %s | %s | %s | %.0f | %s | %.1f | %s |\n",
			g.label(), g.conc, g.want, rateSpread(g.write, len(g.runs)), vsGo, vsCurl,
			rate(g.whole.med), secondsSpread(g.wall, len(g.runs)), g.cpu.med, srv,
			float64(g.rssKB)/1024, check)
	}
	p("\n")
	p("- **Write phase** is timed by each client around its writes only (Lua `time.now()`, Go `time.Now`, Python `time.perf_counter`, bash `$EPOCHREALTIME`): process start, the List request and building the request table are excluded. Exception: `sora.update_all` lists the channel inside the call, so its write phase includes that one List request, and it is compared with the plain Go client's List + writes time.\n")
	p("- **Whole process** is measured from outside by `bench/measure`: wall time from start to exit, CPU = user + sys of the client process and its children (rusage from wait4) divided by the writes, peak RSS = ru_maxrss (the largest of the repetitions). It includes process start, the List and, for `soracron run`, compiling the script.\n")
	p("- **Server CPU** is the CPU time the emulator process used during the run (from /proc), per write. Client and server share the machine's CPUs.\n")
	p("- **× plain Go client** compares write-phase medians at the same concurrency; the sequential variants (put_item loop, Python, curl) are compared with the Go client at concurrency 1.\n")
	if curl != nil {
		p("- **bash loop of curl** runs one curl process per request over a sample of %d of the %s connections (spread evenly over the list) and only those are checked; its requests/s extrapolate to the whole channel.\n", curl.want, start["n"])
	}
	p("- **check**: after every run the channel is listed again and every connection (curl: every sampled one) must hold the run's value; the run must also report the expected number of writes and exit 0.\n\n")

	p("## Targets\n\n")
	p("Verdicts use the write-phase medians. Under a noisy load the best repetition and the CPU cost are steadier, so they are shown too.\n\n")
	p("| soracron variant | concurrency | × plain Go client (target ≥ %.1f×) | × curl loop (target ≥ %d×) | × plain Go client, best runs | client CPU per request, soracron / Go |\n", targetVsGo, targetVsCurl)
	p("|---|--:|--:|--:|--:|--:|\n")
	var misses []string
	for _, g := range gs {
		if !g.v.soracron || len(g.runs) == 0 {
			continue
		}
		r := g.vsGo(find)
		goCell := verdict(r, targetVsGo)
		if r > 0 && r < targetVsGo {
			misses = append(misses, fmt.Sprintf("%s at concurrency %d: %s the Go client", g.v.name, g.conc, ratio(r)))
		}
		curlCell := "–"
		if curl != nil {
			rc := g.write.med / curl.write.med
			curlCell = verdict(rc, targetVsCurl)
			if rc < targetVsCurl {
				misses = append(misses, fmt.Sprintf("%s at concurrency %d: %s the curl loop", g.v.name, g.conc, ratio(rc)))
			}
		}
		best, cpu := "–", "–"
		if gc := g.goPeer(find); gc != nil {
			if g.v.key == "update_all" {
				best = ratio(g.write.hi / gc.listWrite.hi)
			} else {
				best = ratio(g.write.hi / gc.write.hi)
			}
			cpu = ratio(g.cpu.med / gc.cpu.med)
		}
		p("| %s | %d | %s | %s | %s | %s |\n", g.v.name, g.conc, goCell, curlCell, best, cpu)
	}
	p("\n")
	if len(misses) == 0 {
		p("Every soracron variant meets both targets.\n\n")
	} else {
		p("Missed targets:\n\n")
		for _, m := range misses {
			p("- %s\n", m)
		}
		p("\n")
	}
	renderPaired(&b, gs, find)

	if len(cold) > 0 {
		var wall, cpu, rss []float64
		for _, r := range cold {
			wall = append(wall, r.WallS*1000)
			cpu = append(cpu, (r.UserS+r.SysS)*1000)
			rss = append(rss, float64(r.MaxRSSKB)/1024)
		}
		w := summarize(wall)
		p("## Cold start\n\n")
		p("`soracron run` of a script that is `return 1`, as a whole process (%s):\n\n", plural(len(cold), "run"))
		p("| wall ms, median (min–max) | CPU ms (user + sys), median | peak RSS MiB, median |\n|--:|--:|--:|\n")
		p("| %.1f (%.1f–%.1f) | %.1f | %.1f |\n\n", w.med, w.lo, w.hi, median(cpu), median(rss))
	}

	total := 0
	for _, g := range gs {
		total += len(g.runs) + len(g.failures)
	}
	if failed == 0 && total > 0 {
		p("**Checks: all checks passed** (%d runs; every one wrote what it claims).\n", total)
	} else {
		p("**Checks: %d of %d runs FAILED** (see the check column).\n", failed, total)
	}
	return b.String(), failed + boolInt(total == 0)
}

// vsGo is g's write-phase median over the plain Go client's at the same
// concurrency (concurrency 1 for a sequential variant), 0 when unknown.
func (g *group) vsGo(find func(string, int) *group) float64 {
	gc := g.goPeer(find)
	if gc == nil {
		return 0
	}
	if g.v.key == "update_all" {
		return g.write.med / gc.listWrite.med
	}
	return g.write.med / gc.write.med
}

// goPeer is the plain Go client's group g is compared with: the same
// concurrency, or 1 for a sequential variant; nil when it did not run.
func (g *group) goPeer(find func(string, int) *group) *group {
	conc := g.conc
	if g.v.seq {
		conc = 1
	}
	return find("goclient", conc)
}

func verdict(r, target float64) string {
	switch {
	case r <= 0:
		return "–"
	case r >= target:
		return ratio(r) + " ok"
	default:
		return ratio(r) + " **MISS**"
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
