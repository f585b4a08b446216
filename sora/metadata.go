package sora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

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

// List returns every connection of channelID with its metadata; an empty
// channel is an empty slice. Order is not guaranteed. The reply is decoded
// as it arrives (Stream), never held whole.
func (c *Client) List(ctx context.Context, channelID string) ([]Connection, error) {
	var out []Connection
	body, err := AppendListRequest(bodyBuf(channelID, "", "", nil), channelID)
	if err != nil {
		return nil, encodeError(TargetList, err)
	}
	err = c.Stream(ctx, TargetList, body, func(r io.Reader) error {
		out = nil
		dec := json.NewDecoder(r)
		dec.UseNumber()
		// One connection at a time: Decode of the whole array would
		// first read all of it.
		tok, err := dec.Token()
		switch {
		case err != nil:
			return err
		case tok == nil: // null: an empty channel
			return nil
		case tok != json.Delim('['):
			return fmt.Errorf("want an array, got %v", tok)
		}
		for dec.More() {
			out = append(out, Connection{})
			if err := dec.Decode(&out[len(out)-1]); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the ']'
			return err
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return errors.New("data after the reply's value")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []Connection{}
	}
	return out, nil
}

// Get returns the metadata of a connection.
func (c *Client) Get(ctx context.Context, channelID, connectionID string) (Metadata, error) {
	body, err := AppendGetRequest(bodyBuf(channelID, connectionID, "", nil), channelID, connectionID)
	return c.metadata(ctx, TargetGet, body, err)
}

// Put replaces the metadata of a connection and returns the metadata after.
func (c *Client) Put(ctx context.Context, channelID, connectionID string, md Metadata, push bool) (Metadata, error) {
	if md == nil {
		md = Metadata{}
	}
	enc, err := json.Marshal(md)
	if err != nil {
		return nil, encodeError(TargetPut, err)
	}
	body, err := AppendPutRequest(bodyBuf(channelID, connectionID, "", enc), channelID, connectionID, enc, push)
	return c.metadata(ctx, TargetPut, body, err)
}

// Delete removes the metadata of a connection and returns the metadata
// before ({} when it was already empty, as on a retried Delete).
func (c *Client) Delete(ctx context.Context, channelID, connectionID string, push bool) (Metadata, error) {
	body, err := AppendDeleteRequest(bodyBuf(channelID, connectionID, "", nil), channelID, connectionID, push)
	return c.metadata(ctx, TargetDelete, body, err)
}

// PutItem sets one key of a connection's metadata and returns the metadata
// after. value is any JSON-encodable value; a json.RawMessage is sent as is.
func (c *Client) PutItem(ctx context.Context, channelID, connectionID, key string, value any, push bool) (Metadata, error) {
	enc, err := json.Marshal(value)
	if err != nil {
		return nil, encodeError(TargetPutItem, err)
	}
	body, err := AppendPutItemRequest(bodyBuf(channelID, connectionID, key, enc), channelID, connectionID, key, enc, push)
	return c.metadata(ctx, TargetPutItem, body, err)
}

// DeleteItem removes one key of a connection's metadata and returns the
// metadata after (unchanged when the key was absent).
func (c *Client) DeleteItem(ctx context.Context, channelID, connectionID, key string, push bool) (Metadata, error) {
	body, err := AppendDeleteItemRequest(bodyBuf(channelID, connectionID, key, nil), channelID, connectionID, key, push)
	return c.metadata(ctx, TargetDeleteItem, body, err)
}

// bodyBuf returns a buffer large enough for a request body with these
// fields (unless they need escaping), so that encoding allocates once.
func bodyBuf(channelID, connectionID, key string, value []byte) []byte {
	return make([]byte, 0, 80+len(channelID)+len(connectionID)+len(key)+len(value))
}

// metadata sends body (whose encoding failed with encErr when not nil) and
// decodes the metadata of the reply.
func (c *Client) metadata(ctx context.Context, target string, body []byte, encErr error) (Metadata, error) {
	var md Metadata
	if err := c.typed(ctx, target, body, encErr, &md); err != nil {
		return nil, err
	}
	if md == nil {
		md = Metadata{}
	}
	return md, nil
}

// typed sends body (whose encoding failed with encErr when not nil) and
// decodes the reply into out.
func (c *Client) typed(ctx context.Context, target string, body []byte, encErr error, out any) error {
	if encErr != nil {
		return encodeError(target, encErr)
	}
	reply, err := c.do(ctx, target, body, nil)
	if err != nil {
		return err
	}
	return Decode(target, reply, out)
}

// encodeError is the error of a request that could not be encoded.
func encodeError(target string, err error) error {
	return &TransportError{Target: target, Err: fmt.Errorf("encode request: %w", err)}
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
