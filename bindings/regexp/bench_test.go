package regexp_test

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	lregexp "github.com/soracron/soracron/bindings/regexp"
)

// benchmarkMatch calls regexp.match with two patterns in turn; with a
// cache of one pattern every call compiles, with the default cache none
// does. Compare the two: go test -bench Match ./bindings/regexp/
func benchmarkMatch(b *testing.B, cacheSize int) {
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("regexp", lregexp.New(0, cacheSize).Loader)
	if err := L.DoString(`local regexp = require("regexp")
		function bench(n)
			for i = 1, n do
				regexp.match("^sora-[0-9]{2,4}$", "sora-042")
				regexp.match("(?i)\\b(busy|away)\\b", "status: Away")
			end
		end`); err != nil {
		b.Fatal(err)
	}
	fn := L.GetGlobal("bench")
	b.ResetTimer()
	if err := L.CallByParam(lua.P{Fn: fn}, lua.LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkMatchCached(b *testing.B)   { benchmarkMatch(b, lregexp.DefaultCacheSize) }
func BenchmarkMatchUncached(b *testing.B) { benchmarkMatch(b, 1) }
