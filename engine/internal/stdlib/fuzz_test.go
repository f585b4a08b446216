package stdlib

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// FuzzStringLibUnderContext: a fuzzed pattern on a fuzzed (repeated)
// subject, through string.find, match, gmatch and gsub in an LState whose
// context ends after a few milliseconds: every call returns, fails with a
// Lua error or is stopped within the bound, and never panics in Go.
func FuzzStringLibUnderContext(f *testing.F) {
	for _, s := range []struct {
		pat, subject string
		n            int
	}{
		{".-.-.-.-b", "a", 20000},
		{"(a*)%1%1b", "a", 5000},
		{"%b()", "((", 10000},
		{"[%w_]+=(%d+)", "k=1 ", 100},
		{"^(.-)%s*$", "x ", 1000},
		{"()(.)%2", "ab", 10},
	} {
		f.Add(s.pat, s.subject, s.n)
	}
	const (
		timeout = 5 * time.Millisecond
		bound   = 2 * time.Second // generous: the fuzzer runs several workers on a loaded machine
	)
	lim := strLimits{max: 1 << 20}
	fns := map[string]lua.LGFunction{"find": find, "match": match, "gsub": lim.gsub, "gmatch": gmatch}
	f.Fuzz(func(t *testing.T, pat, subject string, n int) {
		if len(pat) > 64 || n < 0 {
			return
		}
		s := strings.Repeat(subject, min(n, 1<<16/(len(subject)+1))+1)
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		L.SetContext(ctx)
		for name, fn := range fns {
			start := time.Now()
			L.Push(L.NewFunction(fn))
			L.Push(lua.LString(s))
			L.Push(lua.LString(pat))
			nargs := 2
			if name == "gsub" {
				L.Push(lua.LString("<%0>"))
				nargs++
			}
			err := L.PCall(nargs, lua.MultRet, nil)
			if err == nil && name == "gmatch" { // iterate until the end
				it := L.Get(-1)
				L.SetTop(0)
				for i := 0; err == nil; i++ {
					L.Push(it)
					if err = L.PCall(0, 1, nil); err == nil {
						v := L.Get(-1)
						L.SetTop(0)
						if v == lua.LNil {
							break
						}
					}
				}
			}
			L.SetTop(0)
			if err != nil && strings.Contains(err.Error(), "runtime error") {
				t.Fatalf("%s(%q, %q): Go panic: %v", name, s, pat, err)
			}
			if elapsed := time.Since(start); elapsed > timeout+bound {
				t.Fatalf("%s(%q x%d, %q) took %s with a context of %s", name, subject, n, pat, elapsed, timeout)
			}
		}
	})
}
