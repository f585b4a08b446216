package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/soracron/soracron/engine"
	"github.com/soracron/soracron/sora"
)

// BenchmarkRunTrivial measures the fixed cost of a run: a fresh sandboxed
// LState, its modules and globals, and `return 1` from a warm compile cache.
func BenchmarkRunTrivial(b *testing.B) { benchmarkRunTrivial(b, engine.Options{}) }

// BenchmarkRunTrivialWithClient adds the sora module of a configured client
// (not called by the script).
func BenchmarkRunTrivialWithClient(b *testing.B) {
	c, err := sora.New(sora.Config{URL: "http://127.0.0.1:1/"})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRunTrivial(b, engine.Options{Client: c})
}

func benchmarkRunTrivial(b *testing.B, opts engine.Options) {
	path := filepath.Join(b.TempDir(), "trivial.lua")
	if err := os.WriteFile(path, []byte("return 1"), 0o644); err != nil {
		b.Fatal(err)
	}
	e := engine.New(opts)
	req := engine.Request{Script: path, Args: map[string]any{"channel": "c1"}}
	if err := e.Compile(path); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu0, ok := processCPU()
	for b.Loop() {
		res, err := e.Run(ctx, req)
		if err != nil || !res.HasValue {
			b.Fatal(res, err)
		}
	}
	if cpu1, ok1 := processCPU(); ok && ok1 {
		// CPU of the whole process (GC included) per run: unlike ns/op it
		// does not grow when other processes compete for the machine.
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRunParallel is BenchmarkRunTrivial from many goroutines at once.
func BenchmarkRunParallel(b *testing.B) {
	path := filepath.Join(b.TempDir(), "trivial.lua")
	if err := os.WriteFile(path, []byte("return 1"), 0o644); err != nil {
		b.Fatal(err)
	}
	e := engine.New(engine.Options{})
	req := engine.Request{Script: path}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.Run(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRunTrivialPrewarmed is BenchmarkRunTrivial with the sandboxes
// built ahead by Prewarm (outside the timer): what a run costs when the
// daemon prewarmed it.
func BenchmarkRunTrivialPrewarmed(b *testing.B) {
	path := filepath.Join(b.TempDir(), "trivial.lua")
	if err := os.WriteFile(path, []byte("return 1"), 0o644); err != nil {
		b.Fatal(err)
	}
	e := engine.New(engine.Options{})
	req := engine.Request{Script: path, Args: map[string]any{"channel": "c1"}}
	if err := e.Compile(path); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	const batch = 500
	for i := 0; i < b.N; i += batch {
		b.StopTimer()
		e.Prewarm(min(batch, b.N-i))
		b.StartTimer()
		for range min(batch, b.N-i) {
			res, err := e.Run(ctx, req)
			if err != nil || !res.HasValue {
				b.Fatal(res, err)
			}
		}
	}
}

// BenchmarkPrewarm measures building one sandbox ahead (B/op is about what
// a ready sandbox holds).
func BenchmarkPrewarm(b *testing.B) {
	e := engine.New(engine.Options{})
	b.ReportAllocs()
	const batch = 1000
	for i := 0; i < b.N; i += batch {
		e.Prewarm(min(batch, b.N-i))
		b.StopTimer()
		e = engine.New(engine.Options{})
		b.StartTimer()
	}
}
