package sora

import (
	"context"
	"runtime"
	"testing"

	luajson "github.com/soracron/soracron/bindings/json"
	"github.com/soracron/soracron/sora"
)

// BenchmarkListDecode reads the List reply of a 100,000-connection channel
// (about 14 MB) into Lua tables: streamed and decoded (readLive),
// streamed and kept as lazy tables (readLazy, as sora.list does, also in
// a dry run), the whole reply read first and then decoded (the way before
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
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		before := heap()
		var v any
		for b.Loop() {
			lv, err := s.readLive(ctx, L, r)
			if err != nil {
				b.Fatal(err)
			}
			v = lv
		}
		live(b, before, v)
	})
	b.Run("lazy", func(b *testing.B) { // sora.list outside a dry run
		b.ReportAllocs()
		before := heap()
		var v any
		for b.Loop() {
			lv, err := s.readLazy(ctx, L, r)
			if err != nil {
				b.Fatal(err)
			}
			v = lv
		}
		live(b, before, v)
	})
	b.Run("lazy-fields", func(b *testing.B) { // sora.list with fields = {"connection_id"}
		b.ReportAllocs()
		before := heap()
		var v any
		for b.Loop() {
			lv, err := s.listFields(L, r, []string{"connection_id"})
			if err != nil {
				b.Fatal(err)
			}
			v = lv
		}
		live(b, before, v)
	})
	b.Run("buffered", func(b *testing.B) {
		b.ReportAllocs()
		before := heap()
		var v any
		for b.Loop() {
			raw, err := env.client.Call(ctx, r.Target, r.RawBody())
			if err != nil {
				b.Fatal(err)
			}
			lv, err := luajson.Decode(L, raw)
			if err != nil {
				b.Fatal(err)
			}
			v = lv
		}
		live(b, before, v)
	})
	b.Run("go-client", func(b *testing.B) {
		b.ReportAllocs()
		before := heap()
		var v any
		for b.Loop() {
			conns, err := env.client.List(ctx, "big")
			if err != nil {
				b.Fatal(err)
			}
			v = conns
		}
		live(b, before, v)
	})
}
