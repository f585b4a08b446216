package e2e

import (
	"slices"
	"testing"

	"github.com/soracron/soracron/emulator/target"
	"github.com/soracron/soracron/sora"
)

// TestTargetTablesAgree pins the client's table of targets to the
// emulator's: the emulator is an independent implementation (so a client
// bug is not mirrored by the server), and this is where the two meet.
func TestTargetTablesAgree(t *testing.T) {
	var client []string
	for _, tg := range sora.Targets() {
		client = append(client, tg.Name)
	}
	server := target.Names()
	if !slices.Equal(slices.Sorted(slices.Values(client)), slices.Sorted(slices.Values(server))) {
		t.Fatalf("sora targets\n%q\nemulator targets\n%q", client, server)
	}
	for _, full := range server {
		t.Run(full, func(t *testing.T) {
			tg := sora.Target{Name: full}
			got, err := sora.FullTarget(tg.Short())
			if err != nil || got != full {
				t.Errorf("sora.FullTarget(%q) = %q, %v, want %q", tg.Short(), got, err, full)
			}
			if emu, ok := target.Full(tg.Short()); !ok || emu != full {
				t.Errorf("target.Full(%q) = %q, %v, want %q", tg.Short(), emu, ok, full)
			}
		})
	}
}
