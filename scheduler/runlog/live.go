package runlog

import (
	"sync"

	"github.com/soracron/soracron/scheduler/history"
)

// Live holds the log buffers of the running runs, by run id, so their
// lines so far can be shown before they are stored. The zero value is
// empty and ready; it is safe for concurrent use.
type Live struct {
	mu   sync.Mutex
	bufs map[int64]*history.LogBuffer
}

// Set registers the log buffer of the running run id, or with nil forgets
// it.
func (l *Live) Set(id int64, buf *history.LogBuffer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if buf == nil {
		delete(l.bufs, id)
		return
	}
	if l.bufs == nil {
		l.bufs = map[int64]*history.LogBuffer{}
	}
	l.bufs[id] = buf
}

// Lines returns the log lines so far of the run id, and whether it is
// running.
func (l *Live) Lines(id int64) ([]history.LogLine, bool) {
	l.mu.Lock()
	buf := l.bufs[id]
	l.mu.Unlock()
	if buf == nil {
		return nil, false
	}
	return buf.Lines(), true
}
