package soraconn

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/soracron/soracron/cli/exitcode"
	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/sora"
)

// TokenEnv is the environment variable whose value is sent to Sora as
// "Authorization: Bearer TOKEN", unless a header flag gives Authorization.
const TokenEnv = "SORA_API_TOKEN"

// minSecret is the shortest header value redacted from logs (shorter ones
// would blank out ordinary words), as for the headers of jobs.yaml.
const minSecret = 8

// Flags are the flags that say how to reach Sora, shared by the commands
// that talk to it (run, repl, serve).
type Flags struct {
	// Resolved is the configuration Connect made the client of.
	Resolved sora.Config
	// URL is --sora-url ("" when not given).
	URL        string
	headers    []string
	headerFile string
	timeout    time.Duration
	retries    int
	ambig      string
	maxReply   string
	caFile     string
	certFile   string
	keyFile    string
	insecure   bool
}

// Register adds the flags to fs.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&f.URL, "sora-url", "", "Sora API URL, e.g. http://127.0.0.1:3000/")
	fs.StringArrayVar(&f.headers, "header", nil, "extra request header 'Name: value' (repeatable); over --header-file and $SORA_API_TOKEN")
	fs.StringVar(&f.headerFile, "header-file", "", "file of request headers, one 'Name: value' a line, e.g. a proxy's bearer token; must not be readable by other users")
	fs.DurationVar(&f.timeout, "request-timeout", sora.DefaultTimeout, "timeout of each Sora API request attempt")
	fs.IntVar(&f.retries, "retries", sora.DefaultAttempts-1, "retries of a request after a connection error, 429, 502, 503 or 504 (see --retry-ambiguous)")
	fs.StringVar(&f.ambig, "retry-ambiguous", sora.RetryAmbiguousAuto, "retry failures after which a request may have been applied (timeout or reset after sending, 502, 504): auto (metadata actions and reads only, not Push*/Disconnect*), all, or none")
	fs.StringVar(&f.maxReply, "max-reply-size", "1GiB", "largest Sora reply read, e.g. 256MiB or 4GiB: a List of a bigger channel fails with \"reply too large\"")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM file of CAs that verify Sora's certificate (instead of the system's)")
	fs.StringVar(&f.certFile, "cert-file", "", "client certificate (PEM) for mutual TLS")
	fs.StringVar(&f.keyFile, "key-file", "", "client key (PEM) for mutual TLS")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify Sora's TLS certificate (testing only)")
}

// config returns the client configuration for url (already resolved).
// getenv reads $SORA_API_TOKEN; warnings (a secret file the group can
// read) go to warn.
func (f *Flags) config(getenv func(string) string, warn func(string), url string, maxConns int) (sora.Config, error) {
	if f.retries < 0 {
		return sora.Config{}, errors.New("--retries must not be negative")
	}
	if f.timeout <= 0 {
		return sora.Config{}, fmt.Errorf("--request-timeout must be positive, e.g. 10s (got %s)", f.timeout)
	}
	h, err := f.requestHeaders(getenv, warn)
	if err != nil {
		return sora.Config{}, err
	}
	if err := checkKeyFile("--key-file", f.keyFile, warn); err != nil {
		return sora.Config{}, err
	}
	ambig, err := f.retryAmbiguous()
	if err != nil {
		return sora.Config{}, err
	}
	maxReply, err := f.maxReplySize()
	if err != nil {
		return sora.Config{}, err
	}
	return sora.Config{
		MaxResponseBytes: maxReply,
		RetryAmbiguous:   ambig,
		URL:              url,
		Timeout:          f.timeout,
		Headers:          h,
		Attempts:         f.retries + 1,
		CAFile:           f.caFile,
		CertFile:         f.certFile,
		KeyFile:          f.keyFile,
		Insecure:         f.insecure,
		MaxConns:         max(maxConns, sora.DefaultMaxConns),
	}, nil
}

// retryAmbiguous is the validated --retry-ambiguous.
func (f *Flags) retryAmbiguous() (string, error) {
	ambig, err := sora.ParseRetryAmbiguous(f.ambig)
	if err != nil {
		return "", errors.New("--" + strings.Replace(err.Error(), "retry_ambiguous", "retry-ambiguous", 1))
	}
	return ambig, nil
}

// maxReplySize is the validated --max-reply-size.
func (f *Flags) maxReplySize() (int64, error) {
	n, err := jobs.ParseSize(f.maxReply)
	if err != nil {
		return 0, fmt.Errorf("--max-reply-size %q: %w", f.maxReply, err)
	}
	return n, nil
}

// Override applies the flags given (changed reports which: on the command
// line or by their variables) and $SORA_API_TOKEN (read with getenv) over
// the sora section of jobs.yaml. Header values it adds are redacted like
// the file's. Warnings go to warn.
func (f *Flags) Override(getenv func(string) string, sc *jobs.SoraConfig, changed func(string) bool, warn func(string)) error {
	if changed("sora-url") {
		sc.URL = f.URL
	}
	if changed("request-timeout") {
		if f.timeout <= 0 {
			return fmt.Errorf("--request-timeout must be positive, e.g. 10s (got %s)", f.timeout)
		}
		sc.Timeout = f.timeout
	}
	if changed("retries") {
		if f.retries < 0 {
			return errors.New("--retries must not be negative")
		}
		sc.Retries = f.retries
	}
	if changed("retry-ambiguous") {
		ambig, err := f.retryAmbiguous()
		if err != nil {
			return err
		}
		sc.RetryAmbiguous = ambig
	}
	if changed("max-reply-size") {
		n, err := f.maxReplySize()
		if err != nil {
			return err
		}
		sc.MaxReplySize = n
	}
	h, err := f.requestHeaders(getenv, warn)
	if err != nil {
		return err
	}
	if len(h) > 0 {
		headers := make(map[string]string, len(sc.Headers)+len(h))
		for k, v := range sc.Headers {
			if h.Get(k) == "" {
				headers[k] = v
			}
		}
		for k := range h {
			v := h.Get(k)
			headers[k] = v
			for _, x := range []string{v, strings.TrimSpace(v[strings.LastIndexByte(v, ' ')+1:])} {
				if len(x) >= minSecret && !slices.Contains(sc.SecretValues, x) {
					sc.SecretValues = append(sc.SecretValues, x)
				}
			}
		}
		sc.Headers = headers
	}
	if changed("ca-file") {
		sc.CAFile = f.caFile
	}
	if changed("cert-file") || changed("key-file") {
		sc.CertFile, sc.KeyFile = f.certFile, f.keyFile
	}
	if changed("insecure") {
		sc.Insecure = f.insecure
	}
	return checkKeyFile("key_file", sc.KeyFile, warn)
}

// Connect resolves where Sora is (--sora-url, $SORA_URL or the in-process
// emulator of --emulator, whose value is emulatorFlag) and returns a client
// for it, of at least maxConns connections. getenv reads the environment;
// warnings go to warn. The caller closes the target when done. Errors
// carry their exit codes.
func (f *Flags) Connect(getenv func(string) string, warn func(string), emulatorFlag string, maxConns int) (*Target, *sora.Client, error) {
	tgt, err := Resolve(getenv, f.URL, emulatorFlag)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := f.config(getenv, warn, tgt.URL, maxConns)
	f.Resolved = cfg
	if err == nil {
		var client *sora.Client
		if client, err = sora.New(cfg); err == nil {
			return tgt, client, nil
		}
	}
	tgt.Close()
	return nil, nil, exitcode.UsageError(err)
}
