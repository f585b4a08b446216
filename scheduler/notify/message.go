package notify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/history"
)

// NewMessage returns the message of event (a jobs.Notify* event) about
// rec, a run of job as recorded, whose Error has its secrets redacted.
// With baseURL (notify.base_url) the message links the run's dashboard
// page.
func NewMessage(event, job string, rec history.Run, baseURL string) Message {
	m := Message{Event: event, Job: job, RunID: rec.ID, Outcome: string(rec.Outcome), Trigger: rec.Trigger,
		Error: rec.Error, Scheduled: timeOrNil(rec.Scheduled), Start: timeOrNil(rec.Start), End: timeOrNil(rec.End)}
	if baseURL != "" && rec.ID > 0 {
		m.URL = baseURL + "/ui/runs/" + strconv.FormatInt(rec.ID, 10)
	}
	m.Text = messageText(m)
	return m
}

// messageText is the one readable line of a notification.
func messageText(m Message) string {
	what := m.Event
	switch m.Event {
	case jobs.NotifyRecovered:
		what = "recovered (ok again)"
	case jobs.NotifyMissed:
		what = "missed a scheduled run"
	case jobs.NotifyTimeout:
		what = "timed out"
	case jobs.NotifyInterrupted:
		what = "was interrupted"
	case jobs.NotifyPartial:
		what = "ended partial"
	}
	text := fmt.Sprintf("soracron: job %s %s", m.Job, what)
	if m.RunID > 0 {
		text += fmt.Sprintf(" (run %d)", m.RunID)
	}
	if m.Error != "" {
		e := m.Error
		if len(e) > 300 {
			e = e[:300] + "..."
		}
		text += ": " + e
	}
	if m.URL != "" {
		text += " " + m.URL
	}
	return text
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
