package time_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	luatime "github.com/soracron/soracron/bindings/time"
)

func newTimeState(t *testing.T, now func() time.Time) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("time", luatime.New(now).Loader)
	return L
}

func TestTimeClock(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 250_000_000, time.UTC)
	tests := []struct {
		name, src string
		want      float64
	}{
		{"now", `return time.now()`, 1714564800.25},
		{"since", `return time.since(1714564790)`, 10.25},
		{"since now", `return time.since(time.now())`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newTimeState(t, func() time.Time { return now })
			if err := L.DoString(`local time = require("time") ` + tt.src); err != nil {
				t.Fatal(err)
			}
			got, ok := L.Get(-1).(lua.LNumber)
			if !ok || float64(got) != tt.want {
				t.Errorf("got %v, want %v", L.Get(-1), tt.want)
			}
		})
	}
	t.Run("real clock by default", func(t *testing.T) {
		L := newTimeState(t, nil)
		before := float64(time.Now().Unix())
		if err := L.DoString(`return require("time").now()`); err != nil {
			t.Fatal(err)
		}
		if got := float64(L.Get(-1).(lua.LNumber)); got < before || got > before+3600 {
			t.Errorf("now() = %v, want about %v", got, before)
		}
	})
}

func TestTimeSleep(t *testing.T) {
	t.Run("returns after the delay", func(t *testing.T) {
		L := newTimeState(t, nil)
		L.SetContext(context.Background())
		if err := L.DoString(`local time = require("time") time.sleep(0.01) time.sleep(0) return "done"`); err != nil {
			t.Fatal(err)
		}
		if L.Get(-1).String() != "done" {
			t.Errorf("got %v", L.Get(-1))
		}
	})
	t.Run("works without a context", func(t *testing.T) {
		L := newTimeState(t, nil)
		if err := L.DoString(`require("time").sleep(0.001)`); err != nil {
			t.Fatal(err)
		}
	})
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want string
	}{
		{"timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, "time.sleep: context deadline exceeded"},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, "time.sleep: context canceled"},
		{"already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newTimeState(t, nil)
			ctx, cancel := tt.ctx()
			defer cancel()
			L.SetContext(ctx)
			fn, err := L.LoadString(`require("time").sleep(3600)`)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				L.Push(fn)
				done <- L.PCall(0, 0, nil)
			}()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("sleep did not end with its context")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	misuse := []struct {
		name, src, want string
	}{
		{"negative", `require("time").sleep(-1)`, "bad argument #1 to sleep (seconds must be a non-negative number)"},
		{"nan", `require("time").sleep(0/0)`, "bad argument #1 to sleep (seconds must be a non-negative number)"},
		{"string", `require("time").sleep("soon")`, "bad argument #1 to sleep (number expected, got string)"},
		{"since without argument", `require("time").since()`, "bad argument #1 to since (number expected, got nil)"},
	}
	for _, tt := range misuse {
		t.Run(tt.name, func(t *testing.T) {
			L := newTimeState(t, nil)
			err := L.DoString(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTimeFormatParse(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"format utc", `return time.format(1714564800)`, "2024-05-01T12:00:00Z"},
		{"format zone", `return time.format(1714564800, "Asia/Tokyo")`, "2024-05-01T21:00:00+09:00"},
		{"format fraction", `return time.format(1714564800.25)`, "2024-05-01T12:00:00.25Z"},
		{"parse offset", `return tostring(time.parse("2024-05-01T21:00:00+09:00"))`, "1714564800"},
		{"parse fraction", `return string.format("%.1f", time.parse("2024-05-01T12:00:00.5Z"))`, "1714564800.5"},
		{"round trip", `return tostring(time.parse(time.format(1714564800, "America/New_York")))`, "1714564800"},
		{"parse error", `local v, err = time.parse("yesterday") assert(v == nil) return err`, `time.parse: parsing time "yesterday" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "yesterday" as "2006" (want RFC 3339, e.g. 2024-05-01T21:00:00+09:00)`},
		{"parse_duration", `return tostring(time.parse_duration("1h30m"))`, "5400"},
		{"parse_duration fraction", `return tostring(time.parse_duration("1.5s"))`, "1.5"},
		{"parse_duration error", `local v, err = time.parse_duration("soon") assert(v == nil) return err`, `time.parse_duration: time: invalid duration "soon" (want e.g. "1h30m", "90s", "1.5s")`},
		{"format_duration", `return time.format_duration(5400.5)`, "1h30m0.5s"},
		{"format_duration zero", `return time.format_duration(0)`, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newTimeState(t, nil)
			if err := L.DoString(`local time = require("time") ` + tt.src); err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1).String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, src, want string }{
		{"unknown zone", `time.format(0, "Mars/Olympus")`, `unknown time zone "Mars/Olympus"`},
		{"zone path", `time.format(0, "../../etc/passwd")`, `invalid time zone name`},
		{"time out of range", `time.format(1e300)`, "time out of range"},
		{"duration out of range", `time.format_duration(1e300)`, "duration out of range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := newTimeState(t, nil).DoString(`local time = require("time") ` + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
