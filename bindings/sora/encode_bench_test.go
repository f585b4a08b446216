package sora

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/plan"
)

// BenchmarkEncodePutItemRequest measures building one put_item request
// (target, flags and body, encoded by the client's request encoder).
func BenchmarkEncodePutItemRequest(b *testing.B) {
	value := []byte(`{"status":"away","seat":3}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newRequest(actPutItem, "sora", "0FQE5EA5YN3FS13P01QZ1JG8R0", "status", value, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadRequest measures reading one put_item request table of
// sora.batch into a request, as a pulled batch does for each request.
func BenchmarkReadRequest(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	t := L.NewTable()
	t.RawSetString("action", lua.LString("put_item"))
	t.RawSetString("channel_id", lua.LString("sora"))
	t.RawSetString("connection_id", lua.LString("0FQE5EA5YN3FS13P01QZ1JG8R0"))
	t.RawSetString("key", lua.LString("status"))
	t.RawSetString("value", lua.LString("away"))
	memo := valueMemo{pulled: true}
	where := func() string { return "requests[1]" }
	b.ReportAllocs()
	for b.Loop() {
		var r plan.Request
		readRequest(L, 1, where, t, "", &r, &memo)
	}
}
