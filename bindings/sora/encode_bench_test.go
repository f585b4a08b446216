package sora

import "testing"

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
