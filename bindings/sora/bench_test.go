package sora

import (
	"context"
	"fmt"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/sora"
)

// benchConns is the number of connections of the benchmarks' channel.
const benchConns = 10000

// benchEnv starts an emulator with benchConns connections in channel
// "bench" and returns it with their ids.
func benchEnv(b *testing.B) (*soraEnv, []string) {
	b.Helper()
	env := startEmulator(b)
	env.client = newSoraClient(b, env.url, sora.Config{MaxConns: 64})
	return env, env.emu.Generate("bench", benchConns)
}

// benchLua returns a state with sora loaded and the global ids.
func benchLua(b *testing.B, s *Module, ids []string) *lua.LState {
	b.Helper()
	L := newSoraState(b, context.Background(), s, "")
	t := L.CreateTable(len(ids), 0)
	for _, id := range ids {
		t.Append(lua.LString(id))
	}
	L.SetGlobal("ids", t)
	return L
}

// meter measures a benchmark's timed part: call it right before the timed
// part and call the function it returns right after it, with the number of
// requests made. It reports req/s and the process's CPU time per request
// (client, emulator and Lua together; a figure that the load of the machine
// disturbs much less than the rate).
func meter(b *testing.B) func(requests int) {
	b.ResetTimer()
	cpu := processCPU()
	return func(requests int) {
		b.StopTimer()
		used := processCPU() - cpu
		b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "req/s")
		b.ReportMetric(float64(used.Microseconds())/float64(requests), "cpu-us/req")
	}
}

// BenchmarkPutItemGo is the baseline of BenchmarkPutItemLua: sequential
// PutItem calls of the Go client.
func BenchmarkPutItemGo(b *testing.B) {
	env, ids := benchEnv(b)
	ctx := context.Background()
	done := meter(b)
	for i := range b.N {
		if _, err := env.client.PutItem(ctx, "bench", ids[i%len(ids)], "n", i, false); err != nil {
			b.Fatal(err)
		}
	}
	done(b.N)
}

// BenchmarkPutItemLua is a script calling sora.put_item sequentially.
func BenchmarkPutItemLua(b *testing.B) {
	env, ids := benchEnv(b)
	L := benchLua(b, New(env.client, Options{Logger: quietLogger}), ids)
	L.SetGlobal("N", lua.LNumber(b.N))
	fn, err := L.LoadString(`
local sora = require("sora")
local m = #ids
for i = 1, N do
  local md, err = sora.put_item("bench", ids[(i - 1) % m + 1], "n", i)
  if not md then error(tostring(err)) end
end`)
	if err != nil {
		b.Fatal(err)
	}
	done := meter(b)
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		b.Fatal(err)
	}
	done(b.N)
}

// goPool runs n calls of do on 16 goroutines.
func goPool(n int, do func(i int) error) error {
	jobs := make(chan int)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

// BenchmarkBatchGo16 is the baseline of BenchmarkBatchLua16: PutItem calls
// of the Go client on 16 goroutines.
func BenchmarkBatchGo16(b *testing.B) {
	env, ids := benchEnv(b)
	ctx := context.Background()
	done := meter(b)
	err := goPool(b.N, func(i int) error {
		_, err := env.client.PutItem(ctx, "bench", ids[i%len(ids)], "n", i, false)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	done(b.N)
}

// BenchmarkBatchLua16 is sora.batch of put_item requests at concurrency 16
// (building the requests table is not timed).
func BenchmarkBatchLua16(b *testing.B) {
	env, ids := benchEnv(b)
	L := benchLua(b, New(env.client, Options{Logger: quietLogger}), ids)
	L.SetGlobal("N", lua.LNumber(b.N))
	if _, err := runSora(L, `
local m = #ids
reqs = {}
for i = 1, N do
  reqs[i] = {action = "put_item", channel_id = "bench", connection_id = ids[(i - 1) % m + 1], key = "n", value = i}
end`); err != nil {
		b.Fatal(err)
	}
	fn, err := L.LoadString(`
local results, sum = require("sora").batch(reqs, {concurrency = 16})
if sum.failed > 0 then error("failed: " .. sum.failed) end`)
	if err != nil {
		b.Fatal(err)
	}
	done := meter(b)
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		b.Fatal(err)
	}
	done(b.N)
}

// BenchmarkUpdateAllGo16 is the baseline of BenchmarkUpdateAllLua16: one
// List, then one PutItem per connection on 16 goroutines. One op is a pass
// over the 10,000 connections.
func BenchmarkUpdateAllGo16(b *testing.B) {
	env, _ := benchEnv(b)
	ctx := context.Background()
	done := meter(b)
	for pass := range b.N {
		conns, err := env.client.List(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		err = goPool(len(conns), func(i int) error {
			if fmt.Sprint(conns[i].Metadata["n"]) == fmt.Sprint(pass) {
				return nil
			}
			_, err := env.client.PutItem(ctx, "bench", conns[i].ConnectionID, "n", pass, false)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	done(b.N * benchConns)
}

// BenchmarkUpdateAllLua16 is sora.update_all changing one key of every
// connection at concurrency 16. One op is a pass over the 10,000
// connections.
func BenchmarkUpdateAllLua16(b *testing.B) {
	env, _ := benchEnv(b)
	L := benchLua(b, New(env.client, Options{Logger: quietLogger}), nil)
	fn, err := L.LoadString(`
local pass = ...
local sum = require("sora").update_all("bench", function(md)
  md.n = pass
  return md
end, {concurrency = 16})
if sum.failed > 0 or sum.writes ~= sum.connections then error("summary: " .. sum.writes) end`)
	if err != nil {
		b.Fatal(err)
	}
	done := meter(b)
	for pass := range b.N {
		L.Push(fn)
		L.Push(lua.LNumber(pass))
		if err := L.PCall(1, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	done(b.N * benchConns)
}
