package progress

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Threshold is the number of requests above which batch and update_all
// show a progress bar (when the module has a writer for it).
const Threshold = 200

// Bar is the progress bar of one batch or update_all. A nil *Bar shows
// nothing; its methods are called from one goroutine only.
type Bar struct {
	bar    *progressbar.ProgressBar
	what   string
	failed int
}

// New returns a progress bar of total requests of what ("sora.batch") on
// w, or nil when w is nil or total is at most Threshold.
func New(w io.Writer, what string, total int) *Bar {
	if w == nil || total <= Threshold {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("req"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return &Bar{bar: bar, what: what}
}

// Add records n finished items, failed of which failed.
func (p *Bar) Add(n, failed int) {
	if p == nil {
		return
	}
	if failed > 0 {
		p.failed += failed
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.what, p.failed))
	}
	_ = p.bar.Add(n)
}

// Close erases the bar.
func (p *Bar) Close() {
	if p == nil {
		return
	}
	_ = p.bar.Clear()
	_ = p.bar.Exit()
}
