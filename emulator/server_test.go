package emulator

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestServerURLAndClose(t *testing.T) {
	e := New(Options{})
	srv, err := Start(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/") || srv.URL != "http://"+srv.Addr+"/" {
		t.Errorf("URL %q, Addr %q", srv.URL, srv.Addr)
	}
	// A connection that never sends a request must not hold Close up
	// (net/http's Shutdown would wait 5 seconds and fail).
	idle, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	waitFor(t, func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.fresh) == 1
	})
	if err := srv.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	<-srv.Done()
	if _, err := http.Get(srv.URL + "emulator/state"); err == nil {
		t.Error("still serving after Close")
	}
	if _, err := Start(e, "127.0.0.1:-1"); err == nil || !strings.HasPrefix(err.Error(), "emulator: listen: ") {
		t.Errorf("bad address: %v", err)
	}
}
