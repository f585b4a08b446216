package cli

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/soracron/soracron/sora"
)

// soraFlags are the flags that say how to reach Sora, shared by the commands
// that talk to it.
type soraFlags struct {
	url      string
	headers  []string
	timeout  time.Duration
	retries  int
	ambig    string
	caFile   string
	certFile string
	keyFile  string
	insecure bool
}

func (f *soraFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "sora-url", "", "Sora API URL, e.g. http://127.0.0.1:3000/ (default $SORA_URL)")
	fs.StringArrayVar(&f.headers, "header", nil, "extra request header 'Name: value', e.g. for a proxy's bearer token (repeatable)")
	fs.DurationVar(&f.timeout, "request-timeout", sora.DefaultTimeout, "timeout of each Sora API request attempt")
	fs.IntVar(&f.retries, "retries", sora.DefaultAttempts-1, "retries of a request after a connection error, 429, 502, 503 or 504 (see --retry-ambiguous)")
	fs.StringVar(&f.ambig, "retry-ambiguous", sora.RetryAmbiguousAuto, "retry failures after which a request may have been applied (timeout or reset after sending, 502, 504): auto (metadata actions and reads only, not Push*/Disconnect*), all, or none")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM file of CAs that verify Sora's certificate (instead of the system's)")
	fs.StringVar(&f.certFile, "cert-file", "", "client certificate (PEM) for mutual TLS")
	fs.StringVar(&f.keyFile, "key-file", "", "client key (PEM) for mutual TLS")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify Sora's TLS certificate (testing only)")
}

// parseHeaders turns 'Name: value' flags into an http.Header.
func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range list {
		name, value, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", s)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

// config returns the client configuration for url (already resolved).
func (f *soraFlags) config(url string, maxConns int) (sora.Config, error) {
	if f.retries < 0 {
		return sora.Config{}, errors.New("--retries must not be negative")
	}
	h, err := parseHeaders(f.headers)
	if err != nil {
		return sora.Config{}, err
	}
	ambig, err := sora.ParseRetryAmbiguous(f.ambig)
	if err != nil {
		return sora.Config{}, errors.New("--" + strings.Replace(err.Error(), "retry_ambiguous", "retry-ambiguous", 1))
	}
	return sora.Config{
		RetryAmbiguous: ambig,
		URL:            url,
		Timeout:        f.timeout,
		Headers:        h,
		Attempts:       f.retries + 1,
		CAFile:         f.caFile,
		CertFile:       f.certFile,
		KeyFile:        f.keyFile,
		Insecure:       f.insecure,
		MaxConns:       max(maxConns, sora.DefaultMaxConns),
	}, nil
}

// connect resolves where Sora is (--sora-url, $SORA_URL or the in-process
// emulator of --emulator) and returns a client for it. The caller closes the
// target when done.
func (f *soraFlags) connect(app *App, emulatorFlag string, maxConns int) (*target, *sora.Client, error) {
	tgt, err := resolveTarget(app, f, emulatorFlag)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := f.config(tgt.url, maxConns)
	if err == nil {
		var client *sora.Client
		if client, err = sora.New(cfg); err == nil {
			return tgt, client, nil
		}
	}
	tgt.close()
	return nil, nil, usageErr(err)
}
