package sora

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/soracron/soracron/sora"
)

// TestErrorBody: err.body is the error reply with every field Sora sent; a
// redirect is reported and not followed; an empty 2xx reply is json.null.
func TestErrorBody(t *testing.T) {
	serve := func(t *testing.T, h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL + "/"
	}
	var elsewhere atomic.Int32
	other := serve(t, func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) })
	tests := []struct {
		name   string
		h      http.HandlerFunc
		script string
		want   string // the script's result
	}{
		{"json error reply", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error_type":"invalid_params","message":"bad","error_reason":"too long","limit":{"bytes":255}}`))
		}, `local md, err = sora.get("sora", "X")
return err.body.error_reason .. " " .. err.body.limit.bytes .. " " .. err.body.error_type .. " " .. err.type`,
			"too long 255 invalid_params invalid_params"},
		{"text error reply", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", 500)
		}, `local md, err = sora.get("sora", "X")
return err.body`, "oops\n"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other, http.StatusTemporaryRedirect)
		}, `local md, err = sora.put_item("sora", "X", "k", 1)
return err.type .. " " .. err.status .. " " .. tostring(err)`,
			"redirect 307 sora.put_item: Sora_20201124.PutSignalingNotifyMetadataItem: status 307 redirect: redirected to " + other + ": fix the URL"},
		{"empty 2xx reply", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
		}, `local v, err = sora.call("DisconnectChannel", {channel_id = "sora"})
return tostring(v == require("json").null) .. " " .. tostring(err)`, "true nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(newSoraClient(t, serve(t, tt.h), sora.Config{Attempts: 1}), Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			out, err := runSora(L, "local sora = require(\"sora\")\n"+tt.script)
			if err != nil {
				t.Fatal(err)
			}
			if got := out[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect's target received %d requests", n)
	}
}
