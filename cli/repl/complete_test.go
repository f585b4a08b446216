package repl

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/engine"
)

func TestReplCompleter(t *testing.T) {
	var out bytes.Buffer
	r, err := New(engine.New(engine.Options{}), &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.sess.Close()
	r.feed(t.Context(), "conf = {timeout = 1, target = 2}")
	// A List's connections are lazy tables (their fields built when first
	// needed): completion shows their fields all the same.
	L := r.sess.State()
	conns, err := luajson.DecodeReaderLazy(L, strings.NewReader(`[{"connection_id":"A","metadata":{"seat":1}}]`), luajson.NewObjects(L))
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("conns", conns)
	r.feed(t.Context(), "c, c2 = conns[1], conns[1]")
	c := completer{r}
	tests := []struct {
		line    string
		want    []string // completions (the rest of each name), sorted
		wantLen int
	}{
		{"json.enc", []string{"ode"}, 3},
		{"json.is_", []string{"array", "object"}, 3},
		{"x = strings.has", []string{"_prefix", "_suffix"}, 3},
		{"regexp.", []string{"find", "find_all", "gsub", "match"}, 0},
		{"print(conf.t", []string{"arget", "imeout"}, 1},
		{"str", []string{"ing", "ings"}, 3},
		{"whi", []string{"le"}, 3},
		{"crypto.uuid_v", []string{"4", "7"}, 6},
		{"nosuch.x", nil, 0},
		{"conf.timeout.x", nil, 0},
		{"c.conn", []string{"ection_id"}, 4},
		{"c2.metadata.se", []string{"at"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, n := c.Do([]rune(tt.line), len([]rune(tt.line)))
			var gs []string
			for _, g := range got {
				gs = append(gs, string(g))
			}
			slices.Sort(gs)
			if !slices.Equal(gs, tt.want) || (len(tt.want) > 0 && n != tt.wantLen) {
				t.Errorf("Do(%q) = %q, %d; want %q, %d", tt.line, gs, n, tt.want, tt.wantLen)
			}
		})
	}
}

// TestReplAllowHTTP: the REPL's http module reaches the hosts of
// --allow-http only.
func TestReplAllowHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer srv.Close()
	for _, allow := range [][]string{nil, {"127.0.0.1"}} {
		var out, errOut bytes.Buffer
		r, err := New(engine.New(engine.Options{}), &out, &errOut, allow...)
		if err != nil {
			t.Fatal(err)
		}
		r.feed(t.Context(), `(http.get("`+srv.URL+`") or {}).body`)
		r.sess.Close()
		if allow == nil && !strings.Contains(errOut.String(), "http is off") || allow != nil && out.String() != "\"pong\"\n" {
			t.Errorf("allow %q: stdout %q, stderr %q", allow, out.String(), errOut.String())
		}
	}
}
