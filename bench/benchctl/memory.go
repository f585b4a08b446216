package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// rawFiles collects repeated -raw flags.
type rawFiles []string

func (r *rawFiles) String() string { return strings.Join(*r, ",") }

func (r *rawFiles) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// cmdMemory renders how the client's peak RSS grows with the channel, from
// the raw files of bench/run at several sizes (bench/run --sizes): for each
// variant and concurrency, the peak RSS at each size and the bytes per
// connection of the least-squares line through them.
func cmdMemory(argv []string, stdout, stderr io.Writer) error {
	fs := newFlags("memory", stderr)
	var raws rawFiles
	fs.Var(&raws, "raw", "raw file of one size (repeat, one per size)")
	if err := parse(fs, argv); err != nil {
		return err
	}
	if len(raws) < 2 {
		return usageError{errors.New("need -raw FILE for at least two sizes")}
	}
	var sizes []sizeRecs
	for _, path := range raws {
		recs, err := readRaw(path)
		if err != nil {
			return err
		}
		n := 0
		for _, r := range recs {
			if r.Kind == "info" && r.Fields["n"] != "" {
				n, _ = strconv.Atoi(r.Fields["n"])
				break
			}
		}
		if n <= 0 {
			return fmt.Errorf("%s: no channel size (info record with n)", path)
		}
		sizes = append(sizes, sizeRecs{n, recs})
	}
	_, err := io.WriteString(stdout, renderMemory(sizes))
	return err
}

// sizeRecs are the raw records of one channel size.
type sizeRecs struct {
	n    int
	recs []*rawRecord
}

// renderMemory is the Markdown table of cmdMemory. Only runs that passed
// their check count.
func renderMemory(sizes []sizeRecs) string {
	slices.SortFunc(sizes, func(a, b sizeRecs) int { return a.n - b.n })
	type row struct {
		g   *group
		rss map[int]float64 // MiB by size
	}
	var rows []*row
	find := func(g *group) *row {
		for _, r := range rows {
			if r.g.v.key == g.v.key && r.g.conc == g.conc {
				return r
			}
		}
		r := &row{g: g, rss: map[int]float64{}}
		rows = append(rows, r)
		return r
	}
	for _, s := range sizes {
		for _, g := range groups(s.recs) {
			if len(g.runs) > 0 {
				find(g).rss[s.n] = float64(g.rssKB) / 1024
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b *row) int {
		ia := slices.IndexFunc(variants, func(v variant) bool { return v.key == a.g.v.key })
		ib := slices.IndexFunc(variants, func(v variant) bool { return v.key == b.g.v.key })
		if ia != ib {
			return ia - ib
		}
		return a.g.conc - b.g.conc
	})

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Client peak RSS by channel size\n\n")
	p("| variant | concurrency |")
	for _, s := range sizes {
		p(" %d connections: MiB |", s.n)
	}
	p(" bytes per connection (least-squares slope) |\n|---|--:|")
	for range sizes {
		p("--:|")
	}
	p("--:|\n")
	for _, r := range rows {
		p("| %s | %d |", r.g.v.name, r.g.conc)
		var xs, ys []float64
		for _, s := range sizes {
			v, ok := r.rss[s.n]
			if !ok {
				p(" – |")
				continue
			}
			p(" %.1f |", v)
			xs, ys = append(xs, float64(s.n)), append(ys, v*1024*1024)
		}
		if len(xs) < 2 {
			p(" – |\n")
			continue
		}
		p(" %.0f |\n", slope(xs, ys))
	}
	p("\nPeak RSS is ru_maxrss of the client process, the largest of the repetitions at that size.\n")
	return b.String()
}

// slope is the slope of the least-squares line through (xs[i], ys[i]).
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
