package sora

import (
	"bytes"
	"context"
	"encoding/json"
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

// knownTargets maps an action name to its full target, so Call accepts the
// short name of the targets an automation script reaches for.
var knownTargets = map[string]string{
	"ListSignalingNotifyMetadata":       TargetList,
	"GetSignalingNotifyMetadata":        TargetGet,
	"PutSignalingNotifyMetadata":        TargetPut,
	"DeleteSignalingNotifyMetadata":     TargetDelete,
	"PutSignalingNotifyMetadataItem":    TargetPutItem,
	"DeleteSignalingNotifyMetadataItem": TargetDeleteItem,
	"ListConnections":                   "Sora_20201013.ListConnections",
	"ListChannels":                      "Sora_20201013.ListChannels",
	"ListChannelConnections":            "Sora_20201013.ListChannelConnections",
	"PushChannel":                       "Sora_20160711.PushChannel",
	"PushConnection":                    "Sora_20160711.PushConnection",
	"PushClient":                        "Sora_20160711.PushClient",
	"PushChannelByRole":                 "Sora_20201120.PushChannelByRole",
	"DisconnectConnection":              "Sora_20151104.DisconnectConnection",
	"DisconnectClient":                  "Sora_20151104.DisconnectClient",
	"DisconnectChannel":                 "Sora_20151104.DisconnectChannel",
	"DisconnectChannelByRole":           "Sora_20201120.DisconnectChannelByRole",
}

var actionNames = map[string]string{
	TargetList:       "list",
	TargetGet:        "get",
	TargetPut:        "put",
	TargetDelete:     "delete",
	TargetPutItem:    "put_item",
	TargetDeleteItem: "delete_item",
}

// FullTarget returns the full x-sora-target of target: a name with a version
// prefix ("Sora_20201013.ListChannels") is returned as is, a known action name
// ("ListChannels") gets its version.
func FullTarget(target string) (string, error) {
	if strings.Contains(target, ".") {
		return target, nil
	}
	if full, ok := knownTargets[target]; ok {
		return full, nil
	}
	if target == "" {
		return "", fmt.Errorf("sora: empty target")
	}
	return "", fmt.Errorf("sora: unknown target %q: give its full name with the API version, e.g. Sora_20201013.%s", target, target)
}

// ActionName returns the snake_case name of a metadata action's target
// ("put_item" for TargetPutItem), or the target itself for any other.
func ActionName(target string) string {
	if n, ok := actionNames[target]; ok {
		return n
	}
	return target
}

// IsWrite reports whether target is one of the four metadata writes.
func IsWrite(target string) bool {
	switch target {
	case TargetPut, TargetDelete, TargetPutItem, TargetDeleteItem:
		return true
	}
	return false
}

// Metadata is a connection's signaling notify metadata: a JSON object decoded
// exactly (numbers are json.Number, null is nil, arrays are []any, objects
// map[string]any).
type Metadata = map[string]any

// Connection is one connection of a channel as List returns it.
type Connection struct {
	ClientID     string   `json:"client_id"`
	BundleID     string   `json:"bundle_id"`
	ConnectionID string   `json:"connection_id"`
	Metadata     Metadata `json:"metadata"`
}

type listRequest struct {
	ChannelID string `json:"channel_id"`
}

type connRequest struct {
	ChannelID    string `json:"channel_id"`
	ConnectionID string `json:"connection_id"`
	Push         *bool  `json:"push,omitempty"`
}

type putRequest struct {
	ChannelID    string   `json:"channel_id"`
	ConnectionID string   `json:"connection_id"`
	Metadata     Metadata `json:"metadata"`
	Push         *bool    `json:"push,omitempty"`
}

type itemRequest struct {
	ChannelID    string `json:"channel_id"`
	ConnectionID string `json:"connection_id"`
	Key          string `json:"key"`
	Value        any    `json:"value"`
	Push         *bool  `json:"push,omitempty"`
}

type deleteItemRequest struct {
	ChannelID    string `json:"channel_id"`
	ConnectionID string `json:"connection_id"`
	Key          string `json:"key"`
	Push         *bool  `json:"push,omitempty"`
}

func pushPtr(push bool) *bool {
	if push {
		return &push
	}
	return nil
}

// List returns every connection of channelID with its metadata; an empty
// channel is an empty slice. Order is not guaranteed.
func (c *Client) List(ctx context.Context, channelID string) ([]Connection, error) {
	var out []Connection
	if err := c.typed(ctx, TargetList, listRequest{ChannelID: channelID}, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Connection{}
	}
	return out, nil
}

// Get returns the metadata of a connection.
func (c *Client) Get(ctx context.Context, channelID, connectionID string) (Metadata, error) {
	return c.metadata(ctx, TargetGet, connRequest{ChannelID: channelID, ConnectionID: connectionID})
}

// Put replaces the metadata of a connection and returns the metadata after.
func (c *Client) Put(ctx context.Context, channelID, connectionID string, md Metadata, push bool) (Metadata, error) {
	if md == nil {
		md = Metadata{}
	}
	return c.metadata(ctx, TargetPut, putRequest{ChannelID: channelID, ConnectionID: connectionID, Metadata: md, Push: pushPtr(push)})
}

// Delete removes the metadata of a connection and returns the metadata
// before ({} when it was already empty, as on a retried Delete).
func (c *Client) Delete(ctx context.Context, channelID, connectionID string, push bool) (Metadata, error) {
	return c.metadata(ctx, TargetDelete, connRequest{ChannelID: channelID, ConnectionID: connectionID, Push: pushPtr(push)})
}

// PutItem sets one key of a connection's metadata and returns the metadata
// after. value is any JSON-encodable value; a json.RawMessage is sent as is.
func (c *Client) PutItem(ctx context.Context, channelID, connectionID, key string, value any, push bool) (Metadata, error) {
	return c.metadata(ctx, TargetPutItem, itemRequest{ChannelID: channelID, ConnectionID: connectionID, Key: key, Value: value, Push: pushPtr(push)})
}

// DeleteItem removes one key of a connection's metadata and returns the
// metadata after (unchanged when the key was absent).
func (c *Client) DeleteItem(ctx context.Context, channelID, connectionID, key string, push bool) (Metadata, error) {
	return c.metadata(ctx, TargetDeleteItem, deleteItemRequest{ChannelID: channelID, ConnectionID: connectionID, Key: key, Push: pushPtr(push)})
}

func (c *Client) metadata(ctx context.Context, target string, body any) (Metadata, error) {
	var md Metadata
	if err := c.typed(ctx, target, body, &md); err != nil {
		return nil, err
	}
	if md == nil {
		md = Metadata{}
	}
	return md, nil
}

func (c *Client) typed(ctx context.Context, target string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return &TransportError{Target: target, Err: fmt.Errorf("encode request: %w", err)}
	}
	reply, err := c.do(ctx, target, data)
	if err != nil {
		return err
	}
	return Decode(target, reply, out)
}

// Decode decodes a reply of target into out with exact numbers.
func Decode(target string, reply []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(reply))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return &TransportError{Target: target, Err: fmt.Errorf("decode reply: %w", err)}
	}
	return nil
}
