package luatest

import (
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// env is the world of one test: a fresh emulator served on a loopback port,
// a client that records its requests, an engine for t.run, and the clock
// that scripts (and the emulator's created_time) read.
type env struct {
	emu    *emulator.Emulator
	srv    *emulator.Server
	client *sora.Client
	eng    *engine.Engine

	mu       sync.Mutex
	clock    float64 // Unix seconds set by t.now
	clockSet bool
	runClock *float64 // opts.now of the t.run in progress
	requests []requestInfo
	last     *lastRun
}

// requestInfo is one HTTP attempt of a script, as t.requests() shows it.
type requestInfo struct {
	Target  string `json:"target"`
	Action  string `json:"action"`
	Status  int    `json:"status"`
	Attempt int    `json:"attempt"`
	Error   string `json:"error,omitempty"`
}

// lastRun is what t.stats() and t.plan() report: the statistics of the
// last t.run and the plan of the last dry run.
type lastRun struct {
	stats sorastats.Stats
	plan  *plan.Plan
}

// newEnv starts the emulator of a test, loaded with fx (nil: empty).
func newEnv(fx *fixture, logger *slog.Logger) (*env, error) {
	e := &env{}
	e.emu = emulator.New(emulator.Options{Now: e.now, AnyConnectionID: true})
	if err := fx.apply(e.emu); err != nil {
		return nil, err
	}
	srv, err := emulator.Start(e.emu, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.srv = srv
	e.client, err = sora.New(sora.Config{URL: srv.URL, Attempts: 1, OnRequest: e.record})
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("client: %w", err)
	}
	e.eng = engine.New(engine.Options{Client: e.client, Logger: logger, Now: e.now})
	return e, nil
}

// close stops the emulator's server.
func (e *env) close() {
	e.client.CloseIdleConnections()
	_ = e.srv.Close()
}

// now is the clock of the test: opts.now during a t.run that sets it, else
// the time set by t.now, else the real time.
func (e *env) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.runClock != nil:
		return unixTime(*e.runClock)
	case e.clockSet:
		return unixTime(e.clock)
	}
	return time.Now()
}

// unixTime converts Unix seconds (with a fraction) to a time.Time.
func unixTime(sec float64) time.Time {
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9)))
}

// setClock sets the time of t.now.
func (e *env) setClock(sec float64) {
	e.mu.Lock()
	e.clock, e.clockSet = sec, true
	e.mu.Unlock()
}

// setRunClock sets (non-nil) or clears (nil) the clock of one t.run.
func (e *env) setRunClock(sec *float64) {
	e.mu.Lock()
	e.runClock = sec
	e.mu.Unlock()
}

// record is the client's OnRequest: it keeps every attempt.
func (e *env) record(ri sora.RequestInfo) {
	r := requestInfo{Target: ri.Target, Action: sora.ActionName(ri.Target), Status: ri.Status, Attempt: ri.Attempt}
	if ri.Err != nil {
		r.Error = ri.Err.Error()
	}
	e.mu.Lock()
	e.requests = append(e.requests, r)
	e.mu.Unlock()
}

// recorded returns a copy of the requests so far.
func (e *env) recorded() []requestInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]requestInfo(nil), e.requests...)
}

// setLast records the statistics and plan of a t.run; a run that is not a
// dry run keeps the plan of the last dry run.
func (e *env) setLast(l *lastRun) {
	e.mu.Lock()
	if l.plan == nil && e.last != nil {
		l.plan = e.last.plan
	}
	e.last = l
	e.mu.Unlock()
}

func (e *env) lastRun() *lastRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}
