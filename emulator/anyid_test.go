package emulator

import (
	"errors"
	"testing"
)

func TestAnyConnectionID(t *testing.T) {
	tests := []struct {
		name  string
		anyID bool
		id    string
		ok    bool
	}{
		{"sora form by default", false, "0FQE5EA5YN3FS13P01QZ1JG8R0", true},
		{"readable id refused by default", false, "C1", false},
		{"readable id with AnyConnectionID", true, "C1", true},
		{"space refused", true, "C 1", false},
		{"control character refused", true, "C\x001", false},
		{"too long refused", true, string(make([]byte, 129)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{AnyConnectionID: tt.anyID})
			c, err := e.AddConnection(Connection{ChannelID: "sora", ConnectionID: tt.id})
			if tt.ok {
				if err != nil || c.ConnectionID != tt.id || c.ClientID != tt.id {
					t.Fatalf("AddConnection = %+v, %v", c, err)
				}
				if _, found := e.Metadata("sora", tt.id); !found {
					t.Fatal("connection not stored")
				}
				return
			}
			if err == nil || !errors.Is(err, errInvalid) {
				t.Fatalf("error = %v, want invalid", err)
			}
		})
	}
	// Generated ids keep Sora's form even when any id is accepted.
	e := New(Options{AnyConnectionID: true})
	for _, id := range e.Generate("sora", 3) {
		if !ValidID(id) {
			t.Fatalf("generated id %q", id)
		}
	}
}
