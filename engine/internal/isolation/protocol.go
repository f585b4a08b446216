package isolation

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/soracron/soracron/bindings/plan"
	luarun "github.com/soracron/soracron/bindings/run"
	sorastats "github.com/soracron/soracron/bindings/sora/stats"
	"github.com/soracron/soracron/sora"
)

// The protocol between the parent and its child: the parent writes one
// Request as JSON on the child's stdin; the child writes Messages, one
// JSON line each, on its stdout, ending with the Result.

// ExitMemory is the exit code of a child stopped by its memory watchdog.
const ExitMemory = 3

// Request is what the parent sends the child on its stdin.
type Request struct {
	Script string `json:"script"`
	// Source, when set, is the pinned source of Script (the engine's
	// Request.Compiled): the child compiles it and does not read the file.
	Source []byte         `json:"source,omitempty"`
	Args   map[string]any `json:"args,omitempty"`
	Event  map[string]any `json:"event,omitempty"`
	// Run is the run's context (its history id does not cross).
	Run     luarun.Info   `json:"run,omitzero"`
	DryRun  bool          `json:"dry_run,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	// Deadline is when the run ends, fixed by the parent before it starts
	// the child: the child's start-up time counts against the timeout, so
	// the child reports its own timeout before the parent kills it. Zero
	// when the run has no timeout.
	Deadline       time.Time   `json:"deadline,omitzero"`
	Concurrency    int         `json:"concurrency,omitempty"`
	HTTPAllow      []string    `json:"http_allow,omitempty"`
	HTTPSetting    string      `json:"http_setting,omitempty"`
	MemoryLimit    int64       `json:"memory_limit"`
	MaxStringBytes int         `json:"max_string_bytes"`
	Sora           *SoraConfig `json:"sora,omitempty"`
}

// Message is one line of the child's stdout: a log record, the start of
// the script, the memory watchdog's stop, or the result.
type Message struct {
	Log     *Log    `json:"log,omitempty"`
	Started bool    `json:"started,omitempty"`
	Memory  *Memory `json:"memory_limit,omitempty"`
	Result  *Result `json:"result,omitempty"`
}

// Log is a log record of the child.
type Log struct {
	Time  time.Time      `json:"time"`
	Level slog.Level     `json:"level"`
	Msg   string         `json:"msg"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Memory is the memory watchdog's report.
type Memory struct {
	Heap  uint64 `json:"heap"`
	Limit int64  `json:"limit"`
}

// Result is a run's result and error.
type Result struct {
	Value    any             `json:"value,omitempty"`
	HasValue bool            `json:"has_value,omitempty"`
	Stats    sorastats.Stats `json:"stats"`
	Plan     *plan.Plan      `json:"plan,omitempty"`
	Error    *Error          `json:"error,omitempty"`
}

// Error is a run's error: the fields of the engine's ScriptError, or a
// plain error (Kind 0).
type Error struct {
	Kind      int    `json:"kind,omitempty"` // the engine's ErrorKind
	Script    string `json:"script,omitempty"`
	Line      int    `json:"line,omitempty"`
	Message   string `json:"message"`
	Traceback string `json:"traceback,omitempty"`
	Deadline  bool   `json:"deadline,omitempty"` // the error was the context's deadline
}

// SoraConfig is the part of a sora.Config a child needs (all of it but
// the OnRequest hook), sent over the child's stdin, never on its command
// line or in its environment (the headers hold credentials).
type SoraConfig struct {
	URL              string        `json:"url"`
	Timeout          time.Duration `json:"timeout,omitempty"`
	Headers          http.Header   `json:"headers,omitempty"`
	CAFile           string        `json:"ca_file,omitempty"`
	CertFile         string        `json:"cert_file,omitempty"`
	KeyFile          string        `json:"key_file,omitempty"`
	Insecure         bool          `json:"insecure,omitempty"`
	Attempts         int           `json:"attempts,omitempty"`
	BackoffBase      time.Duration `json:"backoff_base,omitempty"`
	BackoffMax       time.Duration `json:"backoff_max,omitempty"`
	MaxConns         int           `json:"max_conns,omitempty"`
	MaxResponseBytes int64         `json:"max_response_bytes,omitempty"`
	MaxRetryAfter    time.Duration `json:"max_retry_after,omitempty"`
	RetryAmbiguous   string        `json:"retry_ambiguous,omitempty"`
}

// NewSoraConfig is the SoraConfig of c, nil when c is nil.
func NewSoraConfig(c *sora.Config) *SoraConfig {
	if c == nil {
		return nil
	}
	return &SoraConfig{URL: c.URL, Timeout: c.Timeout, Headers: c.Headers, CAFile: c.CAFile, CertFile: c.CertFile,
		KeyFile: c.KeyFile, Insecure: c.Insecure, Attempts: c.Attempts, BackoffBase: c.BackoffBase,
		BackoffMax: c.BackoffMax, MaxConns: c.MaxConns, MaxResponseBytes: c.MaxResponseBytes,
		MaxRetryAfter: c.MaxRetryAfter, RetryAmbiguous: c.RetryAmbiguous}
}

// Config is the sora.Config of c, for the child's client.
func (c *SoraConfig) Config() sora.Config {
	return sora.Config{URL: c.URL, Timeout: c.Timeout, Headers: c.Headers, CAFile: c.CAFile, CertFile: c.CertFile,
		KeyFile: c.KeyFile, Insecure: c.Insecure, Attempts: c.Attempts, BackoffBase: c.BackoffBase,
		BackoffMax: c.BackoffMax, MaxConns: c.MaxConns, MaxResponseBytes: c.MaxResponseBytes,
		MaxRetryAfter: c.MaxRetryAfter, RetryAmbiguous: c.RetryAmbiguous}
}
