package daemonclient

import (
	"fmt"
	"time"
)

// ago formats the time since t as kubectl does ("45s", "3m", "2h", "4d"),
// "<none>" for nil.
func ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "<none>"
	}
	return shortDuration(now.Sub(*t))
}

// agoOr is ago with another text for nil.
func agoOr(t *time.Time, now time.Time, none string) string {
	if t == nil {
		return none
	}
	return ago(t, now) + " ago"
}

// until formats the time until t ("in 8s"), "<none>" for nil.
func until(t *time.Time, now time.Time) string {
	if t == nil {
		return "<none>"
	}
	d := t.Sub(now)
	if d < 0 {
		return "due"
	}
	return "in " + shortDuration(d)
}

// shortDuration is d in its largest unit, kubectl style.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
