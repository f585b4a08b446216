package emulator

import "strings"

// Targets served on `POST /`. A target matches only with its exact version
// prefix; anything else is unknown_target. Versions are those Shiguredo's
// own developer tools send.
const (
	TargetList                    = "Sora_20201124.ListSignalingNotifyMetadata"
	TargetGet                     = "Sora_20201124.GetSignalingNotifyMetadata"
	TargetPut                     = "Sora_20201124.PutSignalingNotifyMetadata"
	TargetDelete                  = "Sora_20201124.DeleteSignalingNotifyMetadata"
	TargetPutItem                 = "Sora_20201124.PutSignalingNotifyMetadataItem"
	TargetDeleteItem              = "Sora_20201124.DeleteSignalingNotifyMetadataItem"
	TargetListConnections         = "Sora_20201013.ListConnections"
	TargetListChannels            = "Sora_20201013.ListChannels"
	TargetListChannelConnections  = "Sora_20201013.ListChannelConnections"
	TargetPushChannel             = "Sora_20160711.PushChannel"
	TargetPushConnection          = "Sora_20160711.PushConnection"
	TargetPushClient              = "Sora_20160711.PushClient"
	TargetPushChannelByRole       = "Sora_20201120.PushChannelByRole"
	TargetDisconnectConnection    = "Sora_20151104.DisconnectConnection"
	TargetDisconnectClient        = "Sora_20151104.DisconnectClient"
	TargetDisconnectChannel       = "Sora_20151104.DisconnectChannel"
	TargetDisconnectChannelByRole = "Sora_20201120.DisconnectChannelByRole"
)

// action identifies a target's handler; dispatch switches on it (direct
// calls keep the request fields on the stack).
type action uint8

const (
	actList action = iota + 1
	actGet
	actPut
	actDelete
	actPutItem
	actDeleteItem
	actListConnections
	actListChannels
	actListChannelConnections
	actPushChannel
	actPushConnection
	actPushClient
	actPushChannelByRole
	actDisconnectConnection
	actDisconnectClient
	actDisconnectChannel
	actDisconnectChannelByRole
)

// target is one row of the emulator's table of targets: the one place that
// lists what `POST /` serves, used by the API, the faults and the docs.
type target struct {
	name   string // full x-sora-target
	act    action
	noBody bool // every parameter is optional: an empty body means {}
}

// targets is every target the emulator serves.
var targets = []target{
	{TargetList, actList, false},
	{TargetGet, actGet, false},
	{TargetPut, actPut, false},
	{TargetDelete, actDelete, false},
	{TargetPutItem, actPutItem, false},
	{TargetDeleteItem, actDeleteItem, false},
	{TargetListConnections, actListConnections, true},
	{TargetListChannels, actListChannels, true},
	{TargetListChannelConnections, actListChannelConnections, false},
	{TargetPushChannel, actPushChannel, false},
	{TargetPushConnection, actPushConnection, false},
	{TargetPushClient, actPushClient, false},
	{TargetPushChannelByRole, actPushChannelByRole, false},
	{TargetDisconnectConnection, actDisconnectConnection, false},
	{TargetDisconnectClient, actDisconnectClient, false},
	{TargetDisconnectChannel, actDisconnectChannel, false},
	{TargetDisconnectChannelByRole, actDisconnectChannelByRole, false},
}

// targetIndex finds a row of targets by full name.
var targetIndex = func() map[string]*target {
	m := make(map[string]*target, len(targets))
	for i := range targets {
		m[targets[i].name] = &targets[i]
	}
	return m
}()

// lookupTarget returns the row of a full target name, nil when unknown.
func lookupTarget(name string) *target { return targetIndex[name] }

// Targets returns the full names of every target the emulator serves, in
// the order of its table.
func Targets() []string {
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = t.name
	}
	return out
}

// FullTarget returns the full name of a target given as its full name or
// its action name ("PutSignalingNotifyMetadataItem"), and whether the
// emulator serves it.
func FullTarget(name string) (string, bool) {
	if t := lookupTarget(name); t != nil {
		return t.name, true
	}
	for _, t := range targets {
		if name == actionName(t.name) {
			return t.name, true
		}
	}
	return "", false
}

// actionName strips the version prefix of a full target name.
func actionName(full string) string { return full[strings.IndexByte(full, '.')+1:] }

// actionNames lists the action names of the table, in its order.
func actionNames() []string {
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = actionName(t.name)
	}
	return out
}
