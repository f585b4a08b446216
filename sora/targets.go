package sora

import (
	"fmt"
	"strings"
)

// Targets of the signaling notify metadata actions.
const (
	TargetList       = "Sora_20201124.ListSignalingNotifyMetadata"
	TargetGet        = "Sora_20201124.GetSignalingNotifyMetadata"
	TargetPut        = "Sora_20201124.PutSignalingNotifyMetadata"
	TargetDelete     = "Sora_20201124.DeleteSignalingNotifyMetadata"
	TargetPutItem    = "Sora_20201124.PutSignalingNotifyMetadataItem"
	TargetDeleteItem = "Sora_20201124.DeleteSignalingNotifyMetadataItem"
)

// Target is one entry of the table of targets the client knows.
type Target struct {
	// Name is the full x-sora-target, with its API version
	// ("Sora_20201124.PutSignalingNotifyMetadataItem").
	Name string
	// Action is the snake_case name of a metadata action ("put_item"), as
	// the Lua module and statistics name it; empty for other targets.
	Action string
	// Write is true for the four metadata writes.
	Write bool
	// Retry says which failures of the target are retried (see RetryClass).
	Retry RetryClass
}

// Short returns the name without its version prefix
// ("PutSignalingNotifyMetadataItem"), which Call and FullTarget accept.
func (t Target) Short() string { return t.Name[strings.IndexByte(t.Name, '.')+1:] }

// targets is the one table of targets: every target whose short name Call
// accepts, the metadata actions first.
var targets = []Target{
	{Name: TargetList, Action: "list"},
	{Name: TargetGet, Action: "get"},
	{Name: TargetPut, Action: "put", Write: true},
	{Name: TargetDelete, Action: "delete", Write: true},
	{Name: TargetPutItem, Action: "put_item", Write: true},
	{Name: TargetDeleteItem, Action: "delete_item", Write: true},
	{Name: "Sora_20201013.ListConnections"},
	{Name: "Sora_20201013.ListChannels"},
	{Name: "Sora_20201013.ListChannelConnections"},
	{Name: "Sora_20160711.PushChannel", Retry: RetryOnce},
	{Name: "Sora_20160711.PushConnection", Retry: RetryOnce},
	{Name: "Sora_20160711.PushClient", Retry: RetryOnce},
	{Name: "Sora_20201120.PushChannelByRole", Retry: RetryOnce},
	{Name: "Sora_20151104.DisconnectConnection", Retry: RetryDisconnect},
	{Name: "Sora_20151104.DisconnectClient", Retry: RetryDisconnect},
	{Name: "Sora_20151104.DisconnectChannel", Retry: RetryDisconnect},
	{Name: "Sora_20201120.DisconnectChannelByRole", Retry: RetryDisconnect},
}

// Targets returns a copy of the table of targets the client knows.
func Targets() []Target { return append([]Target(nil), targets...) }

// byName indexes targets by full and by short name.
var byName = func() map[string]*Target {
	m := make(map[string]*Target, 2*len(targets))
	for i := range targets {
		m[targets[i].Name] = &targets[i]
		m[targets[i].Short()] = &targets[i]
	}
	return m
}()

// lookup returns the table entry of a full or short target name.
func lookup(name string) (Target, bool) {
	if t := byName[name]; t != nil {
		return *t, true
	}
	return Target{}, false
}

// FullTarget returns the full x-sora-target of target: a name with a version
// prefix ("Sora_20201013.ListChannels") is returned as is, a known action name
// ("ListChannels") gets its version.
func FullTarget(target string) (string, error) {
	if strings.Contains(target, ".") {
		return target, nil
	}
	if t, ok := lookup(target); ok {
		return t.Name, nil
	}
	if target == "" {
		return "", fmt.Errorf("sora: empty target")
	}
	return "", fmt.Errorf("sora: unknown target %q: give its full name with the API version, e.g. Sora_20201013.%s", target, target)
}

// ActionName returns the snake_case name of a metadata action's target
// ("put_item" for TargetPutItem), or the target itself for any other.
func ActionName(target string) string {
	if t, ok := lookup(target); ok && t.Action != "" && t.Name == target {
		return t.Action
	}
	return target
}

// IsWrite reports whether target is one of the four metadata writes.
func IsWrite(target string) bool {
	t, ok := lookup(target)
	return ok && t.Write && t.Name == target
}

// IsMetadata reports whether target is one of the six metadata actions.
func IsMetadata(target string) bool {
	t, ok := lookup(target)
	return ok && t.Action != "" && t.Name == target
}
