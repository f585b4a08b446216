package sora_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/soracron/soracron/emulator"
	"github.com/soracron/soracron/sora"
)

// The conformance tests drive the client against the emulator over real
// HTTP: every metadata action, the neighbouring targets and every error row
// of the reference that a client can produce.

const (
	confA = "0FQE5EA5YN3FS13P01QZ1JG8R0"
	confB = "V3Q452QQBD5TQ6ZQDMTEDKA07C"
)

// conformance starts an emulator holding channel "sora" with confA
// ({"abc": 10, "big": 12345678901234567890123}) and confB (empty, client_id
// "alice"), and a client for it that does not retry. attempts counts the
// HTTP attempts the client makes.
func conformance(t *testing.T) (*emulator.Emulator, *sora.Client, *atomic.Int64) {
	t.Helper()
	e := emulator.New(emulator.Options{})
	err := e.LoadFixtureYAML([]byte(`
channels:
  sora:
    - connection_id: ` + confA + `
      metadata: {abc: 10, big: 12345678901234567890123}
    - connection_id: ` + confB + `
      client_id: alice
`))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var attempts atomic.Int64
	c, err := sora.New(sora.Config{URL: srv.URL, OnRequest: func(sora.RequestInfo) { attempts.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return e, c, &attempts
}

func n(s string) json.Number { return json.Number(s) }

func TestConformanceActions(t *testing.T) {
	ctx := context.Background()
	mdA := sora.Metadata{"abc": n("10"), "big": n("12345678901234567890123")}
	tests := []struct {
		name string
		call func(c *sora.Client) (sora.Metadata, error)
		want sora.Metadata // returned value
		// conn's metadata in the emulator afterwards, and pushed: deliveries made.
		conn   string
		after  sora.Metadata
		pushed int
	}{
		{name: "get", call: func(c *sora.Client) (sora.Metadata, error) { return c.Get(ctx, "sora", confA) },
			want: mdA, conn: confA, after: mdA},
		{name: "get empty", call: func(c *sora.Client) (sora.Metadata, error) { return c.Get(ctx, "sora", confB) },
			want: sora.Metadata{}, conn: confB, after: sora.Metadata{}},
		{name: "put returns after", call: func(c *sora.Client) (sora.Metadata, error) {
			return c.Put(ctx, "sora", confB, sora.Metadata{"abc": "efg", "n": n("1.50")}, true)
		}, want: sora.Metadata{"abc": "efg", "n": n("1.50")}, conn: confB, after: sora.Metadata{"abc": "efg", "n": n("1.50")}, pushed: 1},
		{name: "put nil is empty", call: func(c *sora.Client) (sora.Metadata, error) { return c.Put(ctx, "sora", confA, nil, false) },
			want: sora.Metadata{}, conn: confA, after: sora.Metadata{}},
		{name: "delete returns before", call: func(c *sora.Client) (sora.Metadata, error) { return c.Delete(ctx, "sora", confA, true) },
			want: mdA, conn: confA, after: sora.Metadata{}, pushed: 1},
		{name: "delete when empty", call: func(c *sora.Client) (sora.Metadata, error) { return c.Delete(ctx, "sora", confB, false) },
			want: sora.Metadata{}, conn: confB, after: sora.Metadata{}},
		{name: "put item returns after", call: func(c *sora.Client) (sora.Metadata, error) {
			return c.PutItem(ctx, "sora", confA, "seat", n("9007199254740993"), true)
		}, want: sora.Metadata{"abc": n("10"), "big": n("12345678901234567890123"), "seat": n("9007199254740993")},
			conn: confA, after: sora.Metadata{"abc": n("10"), "big": n("12345678901234567890123"), "seat": n("9007199254740993")}, pushed: 1},
		{name: "put item raw value", call: func(c *sora.Client) (sora.Metadata, error) {
			return c.PutItem(ctx, "sora", confB, "o", json.RawMessage(`{"x": [1, null, "y"]}`), false)
		}, want: sora.Metadata{"o": map[string]any{"x": []any{n("1"), nil, "y"}}},
			conn: confB, after: sora.Metadata{"o": map[string]any{"x": []any{n("1"), nil, "y"}}}},
		{name: "put item null", call: func(c *sora.Client) (sora.Metadata, error) { return c.PutItem(ctx, "sora", confB, "k", nil, false) },
			want: sora.Metadata{"k": nil}, conn: confB, after: sora.Metadata{"k": nil}},
		{name: "delete item returns after", call: func(c *sora.Client) (sora.Metadata, error) { return c.DeleteItem(ctx, "sora", confA, "abc", true) },
			want: sora.Metadata{"big": n("12345678901234567890123")}, conn: confA, after: sora.Metadata{"big": n("12345678901234567890123")}, pushed: 1},
		{name: "delete item absent", call: func(c *sora.Client) (sora.Metadata, error) { return c.DeleteItem(ctx, "sora", confA, "nope", false) },
			want: mdA, conn: confA, after: mdA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, attempts := conformance(t)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("returned %#v, want %#v", got, tt.want)
			}
			after, _ := e.Metadata("sora", tt.conn)
			if !reflect.DeepEqual(sora.Metadata(after), tt.after) {
				t.Errorf("metadata after %#v, want %#v", after, tt.after)
			}
			if ds := e.Deliveries("sora"); len(ds) != tt.pushed {
				t.Errorf("%d push deliveries, want %d", len(ds), tt.pushed)
			} else if tt.pushed == 1 && !reflect.DeepEqual(ds[0].Recipients, []string{confA, confB}) {
				t.Errorf("recipients %v", ds[0].Recipients)
			}
			if a := attempts.Load(); a != 1 {
				t.Errorf("%d attempts, want 1", a)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		_, c, _ := conformance(t)
		got, err := c.List(ctx, "sora")
		if err != nil {
			t.Fatal(err)
		}
		want := []sora.Connection{
			{ClientID: confA, BundleID: confA, ConnectionID: confA, Metadata: mdA},
			{ClientID: "alice", BundleID: confB, ConnectionID: confB, Metadata: sora.Metadata{}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("list %#v\nwant %#v", got, want)
		}
		empty, err := c.List(ctx, "nobody")
		if err != nil || empty == nil || len(empty) != 0 {
			t.Errorf("list of an empty channel: %#v %v", empty, err)
		}
	})
}

func TestConformanceNeighbourTargets(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, target string
		body         any
		want         string
	}{
		{"list channels short name", "ListChannels", nil, `[{"channel_id":"sora","spotlight":false,"multistream":true}]`},
		{"list channels full name", "Sora_20201013.ListChannels", map[string]any{"local": true}, `[{"channel_id":"sora","spotlight":false,"multistream":true}]`},
		{"push channel", "PushChannel", map[string]any{"channel_id": "sora", "data": map[string]any{"m": 1}}, `{"data":{"m":1},"type":"push"}`},
		{"push connection", "PushConnection", map[string]any{"channel_id": "sora", "connection_id": confB, "data": map[string]any{"m": 2}}, `{"data":{"m":2},"type":"push"}`},
		{"disconnect", "DisconnectConnection", map[string]any{"channel_id": "sora", "connection_id": confB}, `{"channel_id":"sora","connection_id":"` + confB + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := conformance(t)
			got, err := c.Call(ctx, tt.target, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("reply %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("list channel connections", func(t *testing.T) {
		_, c, _ := conformance(t)
		raw, err := c.Call(ctx, "ListChannelConnections", map[string]any{"channel_id": "sora"})
		if err != nil {
			t.Fatal(err)
		}
		var conns []map[string]any
		if err := sora.Decode("ListChannelConnections", raw, &conns); err != nil {
			t.Fatal(err)
		}
		if len(conns) != 2 || conns[1]["client_id"] != "alice" || conns[1]["role"] != "sendrecv" || conns[0]["channel_id"] != "sora" {
			t.Errorf("connections %v", conns)
		}
		if _, ok := conns[0]["created_time"].(json.Number); !ok {
			t.Errorf("created_time %#v", conns[0]["created_time"])
		}
	})
	t.Run("push deliveries", func(t *testing.T) {
		e, c, _ := conformance(t)
		if _, err := c.Call(ctx, "PushChannel", map[string]any{"channel_id": "sora", "data": map[string]any{"m": 1}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Call(ctx, "PushConnection", map[string]any{"channel_id": "sora", "connection_id": confB, "data": map[string]any{"m": 2}}); err != nil {
			t.Fatal(err)
		}
		ds := e.Deliveries("sora")
		if len(ds) != 2 || string(ds[0].Message) != `{"data":{"m":1},"type":"push"}` || len(ds[0].Recipients) != 2 ||
			string(ds[1].Message) != `{"data":{"m":2},"type":"push"}` || !reflect.DeepEqual(ds[1].Recipients, []string{confB}) {
			t.Errorf("deliveries %+v", ds)
		}
	})
}

func TestConformanceErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func(c *sora.Client) error
		typ      string
		mentions string
	}{
		{"unknown target", func(c *sora.Client) error { _, err := c.Call(ctx, "Sora_20201124.Nope", nil); return err },
			"unknown_target", "Sora_20201124.Nope"},
		{"wrong version", func(c *sora.Client) error {
			_, err := c.Call(ctx, "Sora_20201013.ListSignalingNotifyMetadata", map[string]any{"channel_id": "sora"})
			return err
		}, "unknown_target", "Sora_20201013"},
		{"body not JSON", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetList, []byte(`{"channel_id"`))
			return err
		},
			"invalid_json", ""},
		{"body not an object", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetList, json.RawMessage(`["sora"]`))
			return err
		},
			"invalid_json", ""},
		{"missing channel_id", func(c *sora.Client) error { _, err := c.Call(ctx, sora.TargetList, nil); return err },
			"invalid_params", `"channel_id"`},
		{"missing connection_id", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetGet, map[string]any{"channel_id": "sora"})
			return err
		}, "invalid_params", `"connection_id"`},
		{"empty connection_id", func(c *sora.Client) error { _, err := c.Get(ctx, "sora", ""); return err },
			"connection_not_found", `""`},
		{"metadata not an object", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetPut, map[string]any{"channel_id": "sora", "connection_id": confA, "metadata": []int{1}})
			return err
		}, "invalid_params", `"metadata"`},
		{"key not a string", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetPutItem, map[string]any{"channel_id": "sora", "connection_id": confA, "key": 1, "value": 1})
			return err
		}, "invalid_params", `"key"`},
		{"value missing", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetPutItem, map[string]any{"channel_id": "sora", "connection_id": confA, "key": "k"})
			return err
		}, "invalid_params", `"value"`},
		{"push not a boolean", func(c *sora.Client) error {
			_, err := c.Call(ctx, sora.TargetDeleteItem, map[string]any{"channel_id": "sora", "connection_id": confA, "key": "k", "push": "yes"})
			return err
		}, "invalid_params", `"push"`},
		{"get unknown connection", func(c *sora.Client) error { _, err := c.Get(ctx, "sora", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"); return err },
			"connection_not_found", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"},
		{"put unknown channel", func(c *sora.Client) error {
			_, err := c.Put(ctx, "elsewhere", confA, sora.Metadata{"a": 1}, true)
			return err
		},
			"connection_not_found", "elsewhere"},
		{"delete unknown connection", func(c *sora.Client) error { _, err := c.Delete(ctx, "sora", "X", false); return err },
			"connection_not_found", ""},
		{"put item unknown connection", func(c *sora.Client) error { _, err := c.PutItem(ctx, "sora", "X", "k", 1, true); return err },
			"connection_not_found", ""},
		{"delete item unknown connection", func(c *sora.Client) error { _, err := c.DeleteItem(ctx, "sora", "X", "k", false); return err },
			"connection_not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, attempts := conformance(t)
			err := tt.call(c)
			var ae *sora.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want *sora.APIError", err, err)
			}
			if ae.Status != 400 || ae.Type != tt.typ || !strings.Contains(ae.Message, tt.mentions) || ae.Message == "" {
				t.Errorf("APIError{Status: %d, Type: %q, Message: %q}, want 400 %s mentioning %s", ae.Status, ae.Type, ae.Message, tt.typ, tt.mentions)
			}
			if sora.ErrorType(err) != tt.typ || ae.Temporary() {
				t.Errorf("ErrorType %q, Temporary %v", sora.ErrorType(err), ae.Temporary())
			}
			if a := attempts.Load(); a != 1 {
				t.Errorf("%d attempts for a 400, want 1 (not retried)", a)
			}
			if len(e.Deliveries("")) != 0 {
				t.Error("a failed request pushed")
			}
		})
	}
}
