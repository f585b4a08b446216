package time

import (
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Formatting and parsing of times (RFC 3339) and durations (Go's syntax,
// "1h30m"). Times are seconds since the Unix epoch, as time.now() returns.
//
//	time.format(t [, zone])       -> "2024-05-01T21:00:00+09:00" (zone: IANA name, "UTC" by default, or "Local")
//	time.parse(s)                 -> seconds, or nil, err
//	time.parse_duration(s)        -> seconds, or nil, err
//	time.format_duration(seconds) -> "1h30m0s"

// maxSeconds bounds the times and durations that convert to a time.Time or
// a time.Duration without overflow.
const maxSeconds = float64(math.MaxInt64/int64(time.Second)) - 1

// toTime converts seconds since the epoch (argument n) to a time.Time.
func toTime(L *lua.LState, n int) time.Time {
	secs := float64(L.CheckNumber(n))
	if math.IsNaN(secs) || math.Abs(secs) > maxSeconds {
		L.ArgError(n, "time out of range")
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9)))
}

// loadZone loads an IANA zone name, raising on a bad one (misuse).
func loadZone(L *lua.LState, n int, name string) *time.Location {
	if name == "" || len(name) > 128 || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		L.ArgError(n, "invalid time zone name "+quote(name))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		L.ArgError(n, "unknown time zone "+quote(name)+" (use an IANA name such as \"Asia/Tokyo\", \"UTC\" or \"Local\")")
	}
	return loc
}

func quote(s string) string { return strconv.Quote(s) }

func luaFormat(L *lua.LState) int {
	t := toTime(L, 1)
	loc := time.UTC
	if L.Get(2) != lua.LNil {
		loc = loadZone(L, 2, L.CheckString(2))
	}
	L.Push(lua.LString(t.In(loc).Format(time.RFC3339Nano)))
	return 1
}

func luaParse(L *lua.LState) int {
	s := L.CheckString(1)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("time.parse: " + err.Error() + " (want RFC 3339, e.g. 2024-05-01T21:00:00+09:00)"))
		return 2
	}
	L.Push(lua.LNumber(float64(t.Unix()) + float64(t.Nanosecond())/1e9))
	return 1
}

func luaParseDuration(L *lua.LState) int {
	d, err := time.ParseDuration(L.CheckString(1))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("time.parse_duration: " + err.Error() + " (want e.g. \"1h30m\", \"90s\", \"1.5s\")"))
		return 2
	}
	L.Push(lua.LNumber(d.Seconds()))
	return 1
}

func luaFormatDuration(L *lua.LState) int {
	secs := float64(L.CheckNumber(1))
	if math.IsNaN(secs) || math.Abs(secs) > maxSeconds {
		L.ArgError(1, "duration out of range")
	}
	L.Push(lua.LString(time.Duration(math.Round(secs * 1e9)).String()))
	return 1
}
