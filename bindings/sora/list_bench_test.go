package sora

import (
	"context"
	"io"
	"runtime"
	"testing"

	lua "github.com/yuin/gopher-lua"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/sora"
)

// BenchmarkListDecode reads the List reply of a 100,000-connection channel
// (about 14 MB) into Lua tables: streamed and decoded whole
// (DecodeReader, the way before lazy tables), streamed and kept as lazy
// tables (readLive, as sora.list does, also in a dry run; and with
// fields), the whole reply read first and then decoded (the way before
// streaming), and
// the plain Go client's List into Go structs as the baseline. B/op is the
// memory allocated per read (the buffered way allocates the reply's bytes
// on top of the tables); live-MiB is what the decoded value keeps.
//
//	go test -run '^$' -bench 'ListDecode' -benchtime 3x ./bindings/sora/
func BenchmarkListDecode(b *testing.B) {
	env := startEmulator(b)
	env.emu.Generate("big", 100000)
	env.client = newSoraClient(b, env.url, sora.Config{})
	s := New(env.client, Options{Logger: quietLogger})
	L := newSoraState(b, context.Background(), s, "")
	r, err := newRequest(actList, "big", "", "", nil, false)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	// live reports the heap kept by keep, the last value read.
	live := func(b *testing.B, before uint64, keep any) {
		b.StopTimer()
		after := heap()
		runtime.KeepAlive(keep)
		b.ReportMetric(float64(after-min(before, after))/(1<<20), "live-MiB")
	}
	// Each way of reading, by name; the Go client's List is the baseline.
	stream := func(decode func(io.Reader) (lua.LValue, error)) func() (any, error) {
		return func() (any, error) {
			var v lua.LValue
			err := env.client.Stream(ctx, r.Target, r.RawBody(), func(body io.Reader) (err error) {
				v, err = decode(body)
				return err
			})
			return v, err
		}
	}
	reads := []struct {
		name string
		read func() (any, error)
	}{
		{"streamed", stream(func(body io.Reader) (lua.LValue, error) { return luajson.DecodeReader(L, body) })},
		{"lazy", func() (any, error) { return s.readLive(ctx, L, r) }}, // sora.list, also in a dry run
		{"lazy-fields", func() (any, error) { return s.listFields(L, r, []string{"connection_id"}) }},
		{"buffered", func() (any, error) {
			raw, err := env.client.Call(ctx, r.Target, r.RawBody())
			if err != nil {
				return nil, err
			}
			return luajson.Decode(L, raw)
		}},
		{"go-client", func() (any, error) { return env.client.List(ctx, "big") }},
	}
	for _, rd := range reads {
		b.Run(rd.name, func(b *testing.B) {
			b.ReportAllocs()
			before := heap()
			var v any
			for b.Loop() {
				var err error
				if v, err = rd.read(); err != nil {
					b.Fatal(err)
				}
			}
			live(b, before, v)
		})
	}
}
