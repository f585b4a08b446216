package sora

import (
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressBar is the progress bar of one batch or update_all. A nil *progressBar
// shows nothing; all methods are called from the Lua goroutine only.
type progressBar struct {
	bar    *progressbar.ProgressBar
	what   string
	failed int
}

// newProgress returns a progress bar of total requests on SoraOptions.Progress,
// or nil when there is no writer or total is at most progressThreshold.
func (s *Module) newProgress(what string, total int) *progressBar {
	if s.opts.Progress == nil || total <= progressThreshold {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(s.opts.Progress),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("req"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return &progressBar{bar: bar, what: what}
}

// add records n finished items, failed of which failed.
func (p *progressBar) add(n, failed int) {
	if p == nil {
		return
	}
	if failed > 0 {
		p.failed += failed
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.what, p.failed))
	}
	_ = p.bar.Add(n)
}

// close erases the bar.
func (p *progressBar) close() {
	if p == nil {
		return
	}
	_ = p.bar.Clear()
	_ = p.bar.Exit()
}
