package daemonhttp

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/soracron/soracron/scheduler"
	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/ui"
)

// NewServer is the HTTP server of --listen for h, with the time limits of
// a server exposed to clients that may be slow or hostile; its errors are
// logged as warnings.
func NewServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Handler is the daemon's HTTP API and its dashboard (/ui/), behind the
// guard of the Host header (listen, allowedHosts). With a token, every
// request needs it except GET /healthz, which probes (Kubernetes, Docker's
// HEALTHCHECK, load balancers) call without credentials and which then
// tells nothing but "ok" or "shutting down", and GET /metrics with
// metricsPublic.
func Handler(sched *scheduler.Scheduler, token string, metricsPublic bool, listen string, allowedHosts []string) http.Handler {
	guard := api.GuardOptions{Listen: listen, AllowedHosts: allowedHosts}
	h := api.Handler(sched, api.Options{Token: token, Guard: guard})
	mux := http.NewServeMux()
	// The dashboard has its own authentication (a session from the token).
	dash := ui.Handler(sched, ui.Options{Token: token})
	mux.Handle("/ui/", dash)
	mux.Handle("GET /{$}", dash)
	if token == "" {
		mux.Handle("/", h)
		return api.Guard(mux, guard)
	}
	mux.Handle("GET /healthz", api.PublicHealth(sched))
	if metricsPublic {
		mux.Handle("GET /metrics", sched.Metrics().Handler())
	}
	mux.Handle("/", h)
	return api.Guard(mux, guard)
}

// ServeMetrics serves GET /metrics, without a token, on addr
// (--metrics-listen) until the returned function is called.
func ServeMetrics(addr string, sched *scheduler.Scheduler, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", sched.Metrics().Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}
