package sora

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// Fixed connection ids of the tests.
const (
	connA = "0FQE5EA5YN3FS13P01QZ1JG8R0"
	connB = "V3Q452QQBD5TQ6ZQDMTEDKA07C"
	connC = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
	// connMissing is a well-formed id no test connects.
	connMissing = "1AAAAAAAAAAAAAAAAAAAAAAAAA"
)

// soraEnv is an emulator served over HTTP on 127.0.0.1 and a client of it.
type soraEnv struct {
	emu    *emulator.Emulator
	url    string
	client *sora.Client
}

// startEmulator serves a new emulator for the duration of the test.
func startEmulator(t testing.TB) *soraEnv {
	t.Helper()
	e := emulator.New(emulator.Options{Seed: 1})
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &soraEnv{emu: e, url: srv.URL, client: newSoraClient(t, srv.URL, sora.Config{})}
}

// startSlowEmulator serves a new emulator behind a handler that calls
// before(r) first (to delay or count requests).
func startSlowEmulator(t testing.TB, before func(r *http.Request)) *soraEnv {
	t.Helper()
	e := emulator.New(emulator.Options{Seed: 1})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first, so that the server notices a client that
		// goes away (and cancels r's context) while before waits.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		before(r)
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &soraEnv{emu: e, url: srv.URL + "/", client: newSoraClient(t, srv.URL+"/", sora.Config{})}
}

// newSoraClient returns a client of url with cfg's other settings.
func newSoraClient(t testing.TB, url string, cfg sora.Config) *sora.Client {
	t.Helper()
	cfg.URL = url
	c, err := sora.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// startTwoConns serves an emulator whose channel "sora" has connA with
// metadata {} and connB with {"x":1}, and returns it with a state whose
// sora module (quiet) is its client, args (JSON) given to the script.
func startTwoConns(t *testing.T, args string) (*soraEnv, *lua.LState) {
	t.Helper()
	env := startEmulator(t)
	env.add(t, connA, `{}`)
	env.add(t, connB, `{"x":1}`)
	return env, newSoraState(t, context.Background(), New(env.client, Options{Logger: quietLogger}), args)
}

// add adds connections with metadata (a JSON object) to channel "sora".
func (env *soraEnv) add(t testing.TB, id, metadata string) {
	t.Helper()
	var md map[string]any
	if err := json.Unmarshal([]byte(metadata), &md); err != nil {
		t.Fatal(err)
	}
	if _, err := env.emu.AddConnection(emulator.Connection{ChannelID: "sora", ConnectionID: id, Metadata: md}); err != nil {
		t.Fatal(err)
	}
}

// metadata returns a connection's metadata in the emulator as canonical JSON.
func (env *soraEnv) metadata(t testing.TB, channelID, id string) string {
	t.Helper()
	md, ok := env.emu.Metadata(channelID, id)
	if !ok {
		t.Fatalf("no connection %s/%s", channelID, id)
	}
	b, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pushes returns the data of the pushes delivered in channel "sora", each
// as "action key" (or "action" for whole-metadata pushes).
func (env *soraEnv) pushes(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, d := range env.emu.Deliveries("sora") {
		var m struct {
			Data struct {
				Action       string `json:"action"`
				ConnectionID string `json:"connection_id"`
				Key          string `json:"key"`
			} `json:"data"`
		}
		if err := json.Unmarshal(d.Message, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(m.Data.Action+" "+m.Data.ConnectionID[:4]+" "+m.Data.Key))
	}
	return out
}

// newSoraState returns a fresh LState with sora (the module s) and json
// preloaded, the context ctx, a global args (a JSON object) and check, a
// table of test helpers: check.eq(got, want [, msg]) compares values as
// canonical JSON, check.inList(s, sub [, msg]).
func newSoraState(t testing.TB, ctx context.Context, s *Module, args string) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.SetContext(ctx)
	L.PreloadModule("sora", s.Loader)
	L.PreloadModule("json", luajson.Loader)
	if args == "" {
		args = "{}"
	}
	a, err := luajson.Decode(L, []byte(args))
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("args", a)
	// assert as the engine installs it: a non-string message is raised as
	// it is (Lua 5.2), so a sora error table keeps its fields.
	L.SetGlobal("assert", L.NewFunction(func(L *lua.LState) int {
		if L.ToBool(1) {
			return L.GetTop()
		}
		switch msg := L.Get(2).(type) {
		case *lua.LNilType:
			L.RaiseError("assertion failed!")
		case lua.LString:
			L.RaiseError("%s", string(msg))
		default:
			L.Error(msg, 1)
		}
		return 0
	}))
	// pairs as the engine installs it (engine/internal/stdlib.MetaPairs,
	// which these tests cannot import: the engine imports this package):
	// it honours __pairs (Lua 5.2), which lazy tables (a List's
	// connections, a batch's results) fill themselves in.
	next := L.GetGlobal("next")
	L.SetGlobal("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		if mt, ok := L.GetMetaField(t, "__pairs").(*lua.LFunction); ok {
			L.Push(mt)
			L.Push(t)
			L.Call(1, 3)
			return 3
		}
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	check := L.NewTable()
	check.RawSetString("eq", L.NewFunction(func(L *lua.LState) int {
		got, err := luajson.Encode(L.Get(1))
		if err != nil {
			L.RaiseError("check.eq: got: %v", err)
		}
		want, err := luajson.Encode(L.Get(2))
		if err != nil {
			L.RaiseError("check.eq: want: %v", err)
		}
		if string(got) != string(want) {
			L.RaiseError("%s: got %s, want %s", L.OptString(3, "check.eq"), got, want)
		}
		return 0
	}))
	check.RawSetString("contains", L.NewFunction(func(L *lua.LState) int {
		s, sub := L.ToStringMeta(L.Get(1)).String(), L.CheckString(2)
		if !strings.Contains(s, sub) {
			L.RaiseError("%s: %q does not contain %q", L.OptString(3, "check.contains"), s, sub)
		}
		return 0
	}))
	L.SetGlobal("check", check)
	return L
}

// runSora runs code in L and returns its results (or the error).
func runSora(L *lua.LState, code string) ([]lua.LValue, error) {
	top := L.GetTop()
	fn, err := L.LoadString(code)
	if err != nil {
		return nil, err
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		return nil, err
	}
	var out []lua.LValue
	for i := top + 1; i <= L.GetTop(); i++ {
		out = append(out, L.Get(i))
	}
	L.SetTop(top)
	return out, nil
}

// wantResults runs code in L and fails t unless it succeeds with results
// that read want (joinValues).
func wantResults(t *testing.T, L *lua.LState, code, want string) {
	t.Helper()
	out, err := runSora(L, code)
	if err != nil {
		t.Fatal(err)
	}
	if g := joinValues(out); g != want {
		t.Errorf("got %q, want %q", g, want)
	}
}

// joinValues is the results of a script as text, separated by spaces.
func joinValues(out []lua.LValue) string {
	got := make([]string, len(out))
	for i, v := range out {
		got[i] = v.String()
	}
	return strings.Join(got, " ")
}

// argsJSON builds the args object of a script.
func argsJSON(kv ...any) string {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// connWith is a connection of channelID with metadata.
func connWith(channelID, id string, md map[string]any) emulator.Connection {
	return emulator.Connection{ChannelID: channelID, ConnectionID: id, Metadata: md}
}

// quietLogger is the logger of the tests.
var quietLogger = slog.New(slog.DiscardHandler)
