package main

import (
	"fmt"
	"slices"
)

// median returns the median of xs (0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// spread is the median and range of a sample.
type spread struct{ med, lo, hi float64 }

func summarize(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	return spread{median(xs), slices.Min(xs), slices.Max(xs)}
}

// rate formats a requests/s figure.
func rate(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// rateSpread formats "median (min–max)", just the median for one sample.
func rateSpread(s spread, n int) string {
	if n <= 1 {
		return rate(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", rate(s.med), rate(s.lo), rate(s.hi))
}

// secondsSpread formats seconds as "median (min–max)".
func secondsSpread(s spread, n int) string {
	f := func(v float64) string {
		if v < 10 {
			return fmt.Sprintf("%.3f", v)
		}
		return fmt.Sprintf("%.1f", v)
	}
	if n <= 1 {
		return f(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.med), f(s.lo), f(s.hi))
}

// ratio formats a ratio as "0.93×" or, at 10 and above, "152×".
func ratio(v float64) string {
	if v <= 0 {
		return "–"
	}
	if v >= 10 {
		return fmt.Sprintf("%.0f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}
