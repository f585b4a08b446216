package stdlib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// diffState is a gopher-lua state with its own string library and the
// engine's gsub and gmatch as globals mygsub and mygmatch, to compare them.
func diffState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	lim := strLimits{max: 1 << 20}
	L.SetGlobal("mygsub", L.NewFunction(lim.gsub))
	L.SetGlobal("mygmatch", L.NewFunction(gmatch))
	L.SetGlobal("myfind", L.NewFunction(find))
	L.SetGlobal("mymatch", L.NewFunction(match))
	L.SetGlobal("repls", L.NewFunction(func(L *lua.LState) int {
		// the replacements compared: the string, a table and a function
		s := L.CheckString(1)
		tbl := L.CreateTable(0, 2)
		tbl.RawSetString("a", lua.LString("<A>"))
		tbl.RawSetString("1", lua.LNumber(1))
		tbl.RawSetInt(1, lua.LString("pos1"))
		L.Push(lua.LString(s))
		L.Push(tbl)
		return 2
	}))
	if err := L.DoString(`
function compare(s, p, r, n)
  local out = {}
  local function one(f, repl)
    local ok, a, b = pcall(f, s, p, repl, n)
    return tostring(ok) .. "|" .. tostring(a) .. "|" .. tostring(b)
  end
  local rs, rt = repls(r)
  local rf = function(...) local a = select(1, ...) if a == "x" then return false end return "[" .. table.concat({...}, ",") .. "]" end
  for _, repl in ipairs({rs, rt, rf}) do
    local want, got = one(string.gsub, repl), one(mygsub, repl)
    if want ~= got then
      return "gsub(" .. string.format("%q, %q, %s", s, p, type(repl)) .. "): gopher-lua " .. want .. ", engine " .. got
    end
  end
  -- An error's position is left out: gopher-lua's gmatch finds every match
  -- when called, so a bad pattern fails at the call; the engine's (like C
  -- Lua's) fails at the first iteration, one line further down.
  local function bare(err) return (string.gsub(tostring(err), "^[^:]*:%d+: ", "")) end
  local function all(f)
    local ok, it, st = pcall(f, s, p)
    if not ok then return "error " .. bare(it) end
    local parts, count = {}, 0
    local ok2, err = pcall(function()
      for a, b, c in it, st do
        parts[#parts + 1] = tostring(a) .. "," .. tostring(b) .. "," .. tostring(c)
        count = count + 1
        if count > 10000 then break end
      end
    end)
    if not ok2 then return "error " .. bare(err) end
    return table.concat(parts, ";")
  end
  local function results(ok, ...)
    local parts = {tostring(ok)}
    for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
    if #parts == 1 or (ok and #parts == 2 and parts[2] == "nil") then return tostring(ok) .. ",nil" end
    return table.concat(parts, ",")
  end
  for _, init in ipairs({1, 2, -1, 0, -100, #s, #s + 1}) do
    for _, pair in ipairs({{string.find, myfind, "find"}, {string.match, mymatch, "match"}}) do
      if init <= #s or pair[3] == "match" then -- gopher-lua's plain find fails past the end
        local want, got = results(pcall(pair[1], s, p, init)), results(pcall(pair[2], s, p, init))
        if want ~= got then
          return pair[3] .. "(" .. string.format("%q, %q, %d", s, p, init) .. "): gopher-lua " .. want .. ", engine " .. got
        end
      end
    end
    if init <= #s then
      local want, got = results(pcall(string.find, s, p, init, true)), results(pcall(myfind, s, p, init, true))
      if want ~= got then
        return "plain find(" .. string.format("%q, %q, %d", s, p, init) .. "): gopher-lua " .. want .. ", engine " .. got
      end
    end
  end
  local want, got = all(string.gmatch), all(mygmatch)
  if want ~= got then
    return "gmatch(" .. string.format("%q, %q", s, p) .. "): gopher-lua " .. want .. ", engine " .. got
  end
  return ""
end`); err != nil {
		t.Fatal(err)
	}
	return L
}

// compareGsub compares the engine's gsub and gmatch with gopher-lua's on
// one input; n < 0 is gsub without a count.
func compareGsub(t testing.TB, L *lua.LState, s, p, r string, n int) {
	t.Helper()
	args := []lua.LValue{lua.LString(s), lua.LString(p), lua.LString(r)}
	if n >= 0 {
		args = append(args, lua.LNumber(n))
	}
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("compare"), NRet: 1, Protect: true}, args...); err != nil {
		t.Fatal(err)
	}
	msg := L.Get(-1).String()
	L.Pop(1)
	if msg != "" {
		t.Error(msg)
	}
}

// gsubCases are inputs on which the engine's gsub and gmatch must behave
// exactly as gopher-lua's.
var gsubCases = []struct {
	s, p, r string
	n       int
}{
	{"hello world", "o", "0", -1},
	{"hello world", "o", "0", 1},
	{"hello world", "(o)", "%1%1", -1},
	{"hello world", "l+", "%0-%0", -1},
	{"hello world", "(h)(e)", "%2%1", -1},
	{"hello world", "", "-", -1},
	{"hello", ".-", "x", -1},
	{"hello", "x*", "-", -1},
	{"abc", "^a", "X", -1},
	{"aaa", "^a", "X", -1},
	{"abc", "()", "%1", -1},
	{"abc", "()b()", "%1%2", -1},
	{"abc", "b", "%", -1},
	{"abc", "b", "%%", -1},
	{"abc", "b", "%x", -1},
	{"abc", "b", "%2", -1},
	{"abc", "(b)", "%3", -1},
	{"abc", "%", "x", -1},
	{"abc", "[a", "x", -1},
	{"abc", "(", "x", -1},
	{"a,b,,c", "[^,]*", "<%0>", -1},
	{"key=value; k2=v2", "(%w+)=(%w+)", "%2=%1", -1},
	{"THE (quick) fox", "%((%w+)%)", "<%1>", -1},
	{"x a x", "x", "y", -1},
	{"1", "1", "1", -1},
	{"hello", "l", "L", 0},
	{"", "", "e", -1},
	{"", "x", "e", -1},
	{"aaa", "a", "b", 2},
	{"\x00\xff", ".", "%0%0", -1},
	{"f(a(b)c)", "%b()", "[]", -1},
	{"hello world from lua", "%f[%w]%w+", "W", -1},
	{"0", "%1", "x", -1}, // gmatch: gopher-lua fails at the call, the engine at the first iteration
}

func TestGsubMatchesGopherLua(t *testing.T) {
	L := diffState(t)
	for _, c := range gsubCases {
		compareGsub(t, L, c.s, c.p, c.r, c.n)
	}
}

// FuzzGsub compares the engine's string.gsub and string.gmatch with
// gopher-lua's on random inputs:
//
//	go test -run '^$' -fuzz '^FuzzGsub$' -fuzztime 5s ./engine/internal/stdlib/
func FuzzGsub(f *testing.F) {
	for _, c := range gsubCases {
		f.Add(c.s, c.p, c.r, c.n)
	}
	L := diffState(f)
	f.Fuzz(func(t *testing.T, s, p, r string, n int) {
		if len(s) > 256 || len(p) > 32 || len(r) > 32 {
			return // gopher-lua's gsub is quadratic; keep the comparison quick
		}
		if n == 0 {
			n = -1 // C Lua's n = 0 replaces nothing; gopher-lua's replaces everything
		}
		compareGsub(t, L, s, p, r, n)
	})
}
