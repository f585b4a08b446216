package notify

import (
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// Bad reports whether o is worth a notification (and makes the next ok
// run a recovery).
func Bad(o history.Outcome) bool {
	switch o {
	case history.OutcomeFailed, history.OutcomeTimeout, history.OutcomeInterrupted, history.OutcomeMissed, history.OutcomePartial:
		return true
	}
	return false
}

// Event returns the notification event of a job's run that ended as o
// ("" for none: an ok run after an ok one, a skipped or cancelled run),
// given whether the job's previous run ended badly (wasBad), and whether
// its newest run now counts as ended badly.
func Event(o history.Outcome, wasBad bool) (event string, bad bool) {
	switch {
	case Bad(o):
		return string(o), true
	case o == history.OutcomeOK && wasBad:
		return jobs.NotifyRecovered, false
	}
	return "", wasBad
}

// Targets returns the webhooks that want event, the notify section's
// (global) first, then the job's.
func Targets(global, job []*jobs.Webhook, event string) []Target {
	var out []Target
	for _, hooks := range [][]*jobs.Webhook{global, job} {
		for _, h := range hooks {
			if h.Wants(event) {
				out = append(out, Target{URL: h.URL, Headers: h.Headers})
			}
		}
	}
	return out
}
