package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownTimeout bounds a graceful Close.
const shutdownTimeout = 5 * time.Second

// Server is an Emulator served over HTTP on a TCP address.
type Server struct {
	// URL is the base URL of the Sora API, e.g. http://127.0.0.1:3000/.
	URL string
	// Addr is the address the server listens on, e.g. 127.0.0.1:3000.
	Addr string

	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	once   sync.Once
	cerr   error

	mu      sync.Mutex
	closing bool
	fresh   map[net.Conn]struct{} // accepted, no request read yet
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves e until
// Close.
func Start(e *Emulator, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL:    "http://" + ln.Addr().String() + "/",
		Addr:   ln.Addr().String(),
		cancel: cancel,
		done:   make(chan struct{}),
		fresh:  map[net.Conn]struct{}{},
		srv: &http.Server{
			Handler:           e,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			BaseContext:       func(net.Listener) context.Context { return ctx },
			ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
		},
	}
	s.srv.ConnState = s.connState
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// connState tracks connections that have not sent a request yet. Shutdown
// waits 5 seconds before it treats those as idle; a client's transport
// often holds a few (dialled for a request another connection served), so
// Close closes them itself.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st != http.StateNew {
		delete(s.fresh, c)
		return
	}
	if s.closing {
		_ = c.Close()
		return
	}
	s.fresh[c] = struct{}{}
}

// Done is closed when the server has stopped serving.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the server: event streams end, connections that have not
// sent a request close, in-flight requests finish (for up to 5 seconds),
// then the remaining connections close. It is safe to call more
// than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.cancel() // ends event streams, which would hold Shutdown
		s.mu.Lock()
		s.closing = true
		for c := range s.fresh {
			_ = c.Close()
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
			s.cerr = fmt.Errorf("emulator: shutdown: %w", err)
		}
		<-s.done
		if s.cerr == nil && s.err != nil {
			s.cerr = fmt.Errorf("emulator: serve: %w", s.err)
		}
	})
	return s.cerr
}
