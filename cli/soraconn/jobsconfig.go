package soraconn

import (
	"net/http"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/sora"
)

// ClientConfig is the Sora client configuration of the sora section of
// jobs.yaml, with enough connections for the most concurrent job;
// onRequest (nil for none) observes every request.
func ClientConfig(cfg *jobs.Config, onRequest func(sora.RequestInfo)) sora.Config {
	h := http.Header{}
	for k, v := range cfg.Sora.Headers {
		h.Set(k, v)
	}
	conns := sora.DefaultMaxConns
	for _, j := range cfg.Jobs {
		conns = max(conns, j.Concurrency)
	}
	return sora.Config{
		URL:      cfg.Sora.URL,
		Timeout:  cfg.Sora.Timeout,
		Headers:  h,
		CAFile:   cfg.Sora.CAFile,
		CertFile: cfg.Sora.CertFile,
		KeyFile:  cfg.Sora.KeyFile,
		Insecure: cfg.Sora.Insecure,
		Attempts: cfg.Sora.Attempts(),
		MaxConns: conns,
		// Validated by jobs.Parse: auto, all, none or "".
		RetryAmbiguous:   cfg.Sora.RetryAmbiguous,
		MaxResponseBytes: cfg.Sora.MaxReplySize,
		OnRequest:        onRequest,
	}
}
