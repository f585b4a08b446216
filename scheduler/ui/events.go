package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/soracron/soracron/scheduler/fanout"
)

// sseEvent is the data of a Server-Sent Event of /ui/events.
type sseEvent struct {
	Kind    string          `json:"kind"` // run_started, run_finished, log, job
	Job     string          `json:"job,omitempty"`
	RunID   int64           `json:"run_id,omitempty"`
	Outcome string          `json:"outcome,omitempty"`
	Index   int             `json:"index,omitempty"`
	Level   string          `json:"level,omitempty"`
	Msg     string          `json:"msg,omitempty"`
	Time    string          `json:"time,omitempty"`
	Attrs   json.RawMessage `json:"attrs,omitempty"`
}

// events streams the daemon's changes as Server-Sent Events; ?run=ID
// limits log lines to that run (without it, no log lines are sent).
func (u *ui) events(w http.ResponseWriter, r *http.Request, _ *session) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	run, _ := strconv.ParseInt(r.URL.Query().Get("run"), 10, 64)
	// A live stream outlasts the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sub := u.s.Subscribe()
	defer sub.Close()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	fmt.Fprint(w, "retry: 2000\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
		case c := <-sub.C:
			if c.Kind == fanout.ChangeLog && (run == 0 || c.RunID != run) {
				continue
			}
			ev := sseEvent{Kind: string(c.Kind), Job: c.Job, RunID: c.RunID, Outcome: string(c.Outcome)}
			if c.Log != nil {
				ev.Index, ev.Level, ev.Msg = c.Index, c.Log.Level, c.Log.Msg
				if !c.Log.Time.IsZero() {
					ev.Time = c.Log.Time.Local().Format("15:04:05.000")
				}
				if len(c.Log.Attrs) > 0 {
					ev.Attrs, _ = json.Marshal(c.Log.Attrs)
				}
			}
			data, _ := json.Marshal(ev)
			fmt.Fprintf(w, "data: %s\n\n", data)
			fl.Flush()
		}
	}
}
