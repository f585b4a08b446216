package time

import (
	"context"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Module is the Lua module "time" of one run.
//
//	time.now()        -> seconds since the Unix epoch (float), from the injected clock
//	time.since(t)     -> seconds elapsed since t (a time.now() value)
//	time.sleep(secs)  -- waits secs seconds (float); raises when the run ends first
//	time.format(t [, zone]), time.parse(s)                 -- RFC 3339 (see format.go)
//	time.format_duration(secs), time.parse_duration(s)     -- "1h30m"
//
// sleep watches the run's context (L.Context()): a timeout or cancellation
// ends the wait at once with a Lua error carrying the context's error, so the
// script stops. A negative or NaN duration is an argument error.
type Module struct {
	now func() time.Time
}

// New returns the time module reading the clock now (time.Now when nil).
func New(now func() time.Time) *Module {
	if now == nil {
		now = time.Now
	}
	return &Module{now: now}
}

// Loader is the lua.LGFunction of require("time").
func (t *Module) Loader(L *lua.LState) int {
	api := t.functions()
	L.Push(L.SetFuncs(L.CreateTable(0, len(api)), api))
	return 1
}

// functions is the module's function table.
func (t *Module) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"now":   t.luaNow,
		"since": t.luaSince,
		"sleep": luaSleep,
		// format.go
		"format":          luaFormat,
		"parse":           luaParse,
		"parse_duration":  luaParseDuration,
		"format_duration": luaFormatDuration,
	}
}

func (t *Module) seconds() float64 {
	now := t.now()
	return float64(now.Unix()) + float64(now.Nanosecond())/float64(time.Second)
}

func (t *Module) luaNow(L *lua.LState) int {
	L.Push(lua.LNumber(t.seconds()))
	return 1
}

func (t *Module) luaSince(L *lua.LState) int {
	from := float64(L.CheckNumber(1))
	L.Push(lua.LNumber(t.seconds() - from))
	return 1
}

// maxSleep is the longest wait time.sleep accepts without overflowing a
// time.Duration; longer waits are clamped to it.
const maxSleep = time.Duration(math.MaxInt64)

func luaSleep(L *lua.LState) int {
	secs := float64(L.CheckNumber(1))
	if math.IsNaN(secs) || secs < 0 {
		L.ArgError(1, "seconds must be a non-negative number")
	}
	d := maxSleep
	if secs < maxSleep.Seconds() {
		d = time.Duration(secs * float64(time.Second))
	}
	ctx := L.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		L.RaiseError("time.sleep: %v", err)
	}
	if d <= 0 {
		return 0
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		L.RaiseError("time.sleep: %v", ctx.Err())
	case <-timer.C:
	}
	return 0
}
