package target

import "strings"

// Targets served on `POST /` (full x-sora-target names). A target matches
// only with its exact version prefix; anything else is unknown_target.
// Versions are those Shiguredo's own developer tools send.
const (
	List                    = "Sora_20201124.ListSignalingNotifyMetadata"
	Get                     = "Sora_20201124.GetSignalingNotifyMetadata"
	Put                     = "Sora_20201124.PutSignalingNotifyMetadata"
	Delete                  = "Sora_20201124.DeleteSignalingNotifyMetadata"
	PutItem                 = "Sora_20201124.PutSignalingNotifyMetadataItem"
	DeleteItem              = "Sora_20201124.DeleteSignalingNotifyMetadataItem"
	ListConnections         = "Sora_20201013.ListConnections"
	ListChannels            = "Sora_20201013.ListChannels"
	ListChannelConnections  = "Sora_20201013.ListChannelConnections"
	PushChannel             = "Sora_20160711.PushChannel"
	PushConnection          = "Sora_20160711.PushConnection"
	PushClient              = "Sora_20160711.PushClient"
	PushChannelByRole       = "Sora_20201120.PushChannelByRole"
	DisconnectConnection    = "Sora_20151104.DisconnectConnection"
	DisconnectClient        = "Sora_20151104.DisconnectClient"
	DisconnectChannel       = "Sora_20151104.DisconnectChannel"
	DisconnectChannelByRole = "Sora_20201120.DisconnectChannelByRole"
)

// Action identifies a target's handler; the emulator's dispatch switches on
// it (direct calls keep the request fields on the stack).
type Action uint8

const (
	ActList Action = iota + 1
	ActGet
	ActPut
	ActDelete
	ActPutItem
	ActDeleteItem
	ActListConnections
	ActListChannels
	ActListChannelConnections
	ActPushChannel
	ActPushConnection
	ActPushClient
	ActPushChannelByRole
	ActDisconnectConnection
	ActDisconnectClient
	ActDisconnectChannel
	ActDisconnectChannelByRole
)

// Row is one row of the emulator's table of targets: the one place that
// lists what `POST /` serves, used by the API, the faults and the docs.
type Row struct {
	Name   string // full x-sora-target
	Act    Action
	NoBody bool // every parameter is optional: an empty body means {}
}

// table is every target the emulator serves.
var table = []Row{
	{List, ActList, false},
	{Get, ActGet, false},
	{Put, ActPut, false},
	{Delete, ActDelete, false},
	{PutItem, ActPutItem, false},
	{DeleteItem, ActDeleteItem, false},
	{ListConnections, ActListConnections, true},
	{ListChannels, ActListChannels, true},
	{ListChannelConnections, ActListChannelConnections, false},
	{PushChannel, ActPushChannel, false},
	{PushConnection, ActPushConnection, false},
	{PushClient, ActPushClient, false},
	{PushChannelByRole, ActPushChannelByRole, false},
	{DisconnectConnection, ActDisconnectConnection, false},
	{DisconnectClient, ActDisconnectClient, false},
	{DisconnectChannel, ActDisconnectChannel, false},
	{DisconnectChannelByRole, ActDisconnectChannelByRole, false},
}

// index finds a row of the table by full name.
var index = func() map[string]*Row {
	m := make(map[string]*Row, len(table))
	for i := range table {
		m[table[i].Name] = &table[i]
	}
	return m
}()

// Lookup returns the row of a full target name, nil when unknown. The row
// is shared: do not modify it.
func Lookup(name string) *Row { return index[name] }

// Names returns the full names of every target the emulator serves, in
// the order of its table.
func Names() []string {
	out := make([]string, len(table))
	for i, t := range table {
		out[i] = t.Name
	}
	return out
}

// Full returns the full name of a target given as its full name or its
// action name ("PutSignalingNotifyMetadataItem"), and whether the emulator
// serves it.
func Full(name string) (string, bool) {
	if t := Lookup(name); t != nil {
		return t.Name, true
	}
	for _, t := range table {
		if name == ActionName(t.Name) {
			return t.Name, true
		}
	}
	return "", false
}

// ActionName strips the version prefix of a full target name.
func ActionName(full string) string { return full[strings.IndexByte(full, '.')+1:] }

// ActionNames lists the action names of the table, in its order.
func ActionNames() []string {
	out := make([]string, len(table))
	for i, t := range table {
		out[i] = ActionName(t.Name)
	}
	return out
}
