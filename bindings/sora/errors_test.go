package sora

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

// TestSoraErrorTypes checks the error table of each kind of failure, over
// real HTTP.
func TestSoraErrorTypes(t *testing.T) {
	tests := []struct {
		name    string
		server  func(t *testing.T) string // returns the URL
		cfg     sora.Config
		typ     string
		status  int
		message string // substring of tostring(err)
	}{
		{
			name: "connection refused",
			server: func(t *testing.T) string {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				return srv.URL + "/"
			},
			typ:     "transport",
			message: "sora.get: Sora_20201124.GetSignalingNotifyMetadata: ",
		},
		{
			name: "timeout",
			server: func(t *testing.T) string {
				release := make(chan struct{})
				env := startSlowEmulator(t, func(r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-release:
					}
				})
				t.Cleanup(func() { close(release) })
				return env.url
			},
			cfg:     sora.Config{Timeout: 20 * time.Millisecond},
			typ:     "timeout",
			message: "no reply within 20ms",
		},
		{
			name: "error reply without JSON",
			server: func(t *testing.T) string {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "oops", http.StatusInternalServerError)
				}))
				t.Cleanup(srv.Close)
				return srv.URL + "/"
			},
			typ:     "http_error",
			status:  500,
			message: `sora.get: Sora_20201124.GetSignalingNotifyMetadata: status 500: "oops\n"`,
		},
		{
			name: "reply too deep for Lua",
			server: func(t *testing.T) string {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprint(w, `{"deep":`+strings.Repeat("[", 1001)+strings.Repeat("]", 1001)+`}`)
				}))
				t.Cleanup(srv.Close)
				return srv.URL + "/"
			},
			typ:     "decode",
			message: "deep",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Attempts = 1
			s := New(newSoraClient(t, tt.server(t), cfg), Options{Logger: quietLogger})
			L := newSoraState(t, context.Background(), s, "")
			out, err := runSora(L, `
local md, err = require("sora").get("sora", "`+connA+`")
return md == nil, err.type, err.status, tostring(err)`)
			if err != nil {
				t.Fatal(err)
			}
			if out[0].String() != "true" || out[1].String() != tt.typ || out[2].String() != fmt.Sprint(tt.status) {
				t.Errorf("got nil=%v type=%v status=%v, want type %s status %d", out[0], out[1], out[2], tt.typ, tt.status)
			}
			if !strings.Contains(out[3].String(), tt.message) {
				t.Errorf("tostring(err) = %q, want it to contain %q", out[3], tt.message)
			}
			if st := s.Stats(); st.Failures != 1 || st.Calls["get"] != 1 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}
