package pattern

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuin/gopher-lua/pm"
)

// sameAsGopherLua checks that Find agrees with gopher-lua's matcher, which
// it replaces: the same match and captures, or an error for both.
func sameAsGopherLua(t *testing.T, pat, src string, init int) {
	t.Helper()
	want, werr := gopherLuaFind(pat, src, init)
	p, err := Compile(pat)
	var got *MatchData
	if err == nil {
		got, err = p.Find([]byte(src), init, nil)
	}
	if (werr != nil) != (err != nil) {
		if err != nil && (strings.Contains(err.Error(), "too many captures") || strings.Contains(err.Error(), "invalid capture index")) {
			return // limits of ours
		}
		t.Fatalf("Find(%q, %q, %d): error %v, gopher-lua's %v", pat, src, init, err, werr)
	}
	if err != nil {
		return
	}
	switch {
	case len(want) == 0 && got == nil:
	case len(want) == 0 || got == nil:
		t.Fatalf("Find(%q, %q, %d) = %v, gopher-lua's %v", pat, src, init, got, want)
	default:
		var w []int
		for i := 0; i < want[0].CaptureLength(); i++ {
			w = append(w, want[0].Capture(i))
		}
		var g []int
		for i := 0; i < got.CaptureLength(); i++ {
			g = append(g, got.Capture(i))
		}
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("Find(%q, %q, %d) captures %v, gopher-lua's %v", pat, src, init, g, w)
		}
	}
}

// gopherLuaFind is pm.Find, with its panics (a back reference to an open
// capture) as errors.
func gopherLuaFind(pat, src string, init int) (mds []*pm.MatchData, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return pm.Find(pat, []byte(src), init, 1)
}

func TestFindAgreesWithGopherLua(t *testing.T) {
	cases := []struct{ pat, src string }{
		{"a", "bab"}, {"^a", "bab"}, {"b$", "bab"}, {"a-b", "aaab"}, {".-b", "xxbyb"},
		{"(a*)(b)", "caab"}, {"()a()", "xa"}, {"%d+", "ab123c"}, {"[%a_][%w_]*", " foo_1 "},
		{"%b()", "x(a(b)c)d"}, {"(%w+)=(%w+)", "k=v, a=b"}, {"(a)%1", "baa"}, {"[^%s]+$", "a b c"},
		{"[a-c]+", "xxabcd"}, {"%f", "x"}, {"[", "x"}, {"(", "x"}, {"%", "x"}, {"a?b?c", "ac"},
		{"(h)(e)(l)(l)(o)", "hello"}, {"$", "abc"}, {"^$", ""}, {"x*", ""}, {"[]]", "]"},
	}
	for _, c := range cases {
		for init := 0; init <= len(c.src); init++ {
			sameAsGopherLua(t, c.pat, c.src, init)
		}
	}
}

// TestFindStops shows that pathological matches end when check says so,
// within a few milliseconds, whatever the pattern.
func TestFindStops(t *testing.T) {
	long := strings.Repeat("a", 200000)
	cases := []struct {
		name, pat, src string
	}{
		{"lazy chain", ".-.-.-.-b", long},
		{"greedy chain", "a*a*a*a*a*b", long},
		{"nested optional", strings.Repeat("a?", 40) + strings.Repeat("a", 40) + "b", long},
		{"back reference", "(a*)%1%1b", long},
		{"balanced", "%b()", "(" + strings.Repeat("(", 1<<20)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.pat)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = p.Find([]byte(c.src), 0, ctx.Err)
			// Unstopped, these run far longer; the bound leaves room for a
			// loaded machine.
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("stopped after %s", elapsed)
			}
			var perr *Error
			if !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &perr) {
				t.Errorf("error %v, want the check's error or a pattern error", err)
			}
		})
	}
}

func TestCompileLimits(t *testing.T) {
	cases := []struct{ name, pat, want string }{
		{"too many captures", strings.Repeat("(", 33) + strings.Repeat(")", 33), "too many captures"},
		{"deep nesting", strings.Repeat("(", 1<<20), "too many captures"},
		{"unfinished capture", "(a", "unfinished capture"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(c.pat)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Compile: %v, want %q", err, c.want)
			}
		})
	}
}

func TestTooComplex(t *testing.T) {
	p, err := Compile(".*b")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Find([]byte(strings.Repeat("a", MaxBacktrack+10)), 0, nil)
	if err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("got %v, want too complex", err)
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"a-b", "(%w+)=(%w+)", "%b()", "[^a-c]*$", "()(a)%2"} {
		f.Add(s, "k=v (a(b)) abc", 0)
	}
	f.Fuzz(func(t *testing.T, pat, src string, init int) {
		if len(src) > 64 || len(pat) > 32 || init < 0 || init > len(src) {
			return
		}
		sameAsGopherLua(t, pat, src, init)
	})
}
