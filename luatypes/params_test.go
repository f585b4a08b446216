package luatypes

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/soracron/soracron/docs"
)

// headingParamsRE is a function's heading in docs/lua-api.md: "mod.name(a,
// b [, c])".
var headingParamsRE = regexp.MustCompile("^#{3,4} `([a-z0-9]+)\\.([a-z_0-9]+)\\(([^)]*)\\)`")

// docParams returns each function's parameters as its heading writes them,
// an optional one (inside [ ]) ending in "?".
func docParams(md string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(md, "\n") {
		m := headingParamsRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		mod := m[1]
		if p, ok := docPrefixes[mod]; ok {
			mod = p
		}
		var params []string
		depth := 0
		for _, tok := range strings.FieldsFunc(m[3], func(r rune) bool { return r == ',' || r == ' ' }) {
			opens := strings.Count(tok, "[")
			name := strings.Trim(tok, "[]")
			depth += opens
			if name != "" {
				if depth > 0 {
					name += "?"
				}
				params = append(params, name)
			}
			depth -= strings.Count(tok, "]")
		}
		out[mod+"."+m[2]] = params
	}
	return out
}

// sigParams returns the parameters of a function's type in types.go.
func sigParams(sig string) []string {
	params, _, _ := strings.Cut(sig, "->")
	var names []string
	for _, p := range splitTop(params) {
		name, _, _ := strings.Cut(p, ":")
		names = append(names, strings.TrimSpace(name))
	}
	return names
}

// TestTypesParamsMatchDocs holds every function's parameters in types.go
// (what an editor checks a call against) to its heading in the reference:
// the same names, in order, the same ones optional. A parameter added to
// a function and its documentation but not to its type makes an editor
// flag correct calls.
func TestTypesParamsMatchDocs(t *testing.T) {
	doc := docParams(docs.LuaAPI)
	if len(doc) < 50 {
		t.Fatalf("read %d function headings from docs/lua-api.md, want the reference's (over 50)", len(doc))
	}
	for _, q := range slices.Sorted(func(yield func(string) bool) {
		for q := range doc {
			if !yield(q) {
				return
			}
		}
	}) {
		sig, ok := sigs[q]
		if !ok || strings.HasPrefix(sig, "= ") {
			continue // a value, or a function TestTypesAndDocsAgree reports
		}
		if got, want := sigParams(sig), doc[q]; !slices.Equal(got, want) {
			t.Errorf("%s: types.go has parameters %q, docs/lua-api.md %q", q, got, want)
		}
	}
}

func TestDocParams(t *testing.T) {
	tests := []struct {
		name, heading string
		want          []string
	}{
		{"none", "### `crypto.uuid_v4()`", nil},
		{"required", "### `strings.contains(s, substr)`", []string{"s", "substr"}},
		{"optional", "### `sora.list(channel_id [, opts])`", []string{"channel_id", "opts?"}},
		{"nested optional", "### `t.run(script [, args [, opts]])`", []string{"script", "args?", "opts?"}},
		{"optional only", "### `json.array([t])`", []string{"t?"}},
		{"testing's prefix", "### `t.eq(got, want [, message])`", []string{"got", "want", "message?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docParams(tt.heading)
			var q string
			for k := range got {
				q = k
			}
			if len(got) != 1 || !slices.Equal(got[q], tt.want) {
				t.Errorf("docParams(%q) = %q, want one function with %q", tt.heading, got, tt.want)
			}
		})
	}
}
