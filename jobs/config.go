package jobs

import (
	"errors"
	"io"
	"os"
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database
)

// MaxConfigSize is the largest jobs.yaml Load and Parse accept.
const MaxConfigSize = 4 << 20

// Defaults applied when jobs.yaml leaves a setting out.
const (
	DefaultSoraTimeout  = 10 * time.Second
	DefaultSoraRetries  = 3
	DefaultHistoryKeep  = 100
	DefaultJobTimeout   = time.Minute
	DefaultRetryBackoff = 30 * time.Second
	DefaultConcurrency  = 16
	DefaultEventQueue   = 10000
)

// Config is a parsed and validated jobs.yaml.
type Config struct {
	// Path is the file the configuration was read from, as given.
	Path string
	// Sora is how to reach the Sora API.
	Sora SoraConfig
	// Timezone is the default zone of the jobs; time.Local when the file has
	// no top-level timezone key.
	Timezone *time.Location
	// HistoryKeep is the number of runs kept per job and per kind
	// (history.keep, default 100): the default of HistoryKeepOK and
	// HistoryKeepFailed, and the most HistoryKeepSkipped defaults to.
	HistoryKeep int
	// HistoryKeepOK, HistoryKeepFailed and HistoryKeepSkipped are the runs
	// kept per job that ended ok, that ended otherwise (partial, failed,
	// timeout, cancelled, interrupted) and that were skipped
	// (history.keep_ok, keep_failed, keep_skipped); 0 = the default.
	HistoryKeepOK, HistoryKeepFailed, HistoryKeepSkipped int
	// Cluster is the cluster section; nil when the file has none.
	Cluster *ClusterConfig
	// EventWebhook configures the receiver of Sora's event webhook.
	EventWebhook EventWebhookConfig
	// Notify is the notify section: the webhooks of every job's
	// notifications and the dashboard's external URL.
	Notify NotifyConfig
	// Jobs are the jobs in file order.
	Jobs []*Job
}

// Job returns the job named name, or nil.
func (c *Config) Job(name string) *Job {
	for _, j := range c.Jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// SoraConfig is the sora section of jobs.yaml.
type SoraConfig struct {
	// URL is the base URL of the Sora API, e.g. http://127.0.0.1:3000/.
	URL string
	// Timeout bounds each HTTP attempt (default 10s).
	Timeout time.Duration
	// Retries is the number of retries after a failed first attempt
	// (default 3): the client makes at most Retries+1 attempts per call,
	// so sora.Config.Attempts is Attempts().
	Retries int
	// Headers are sent with every request (Authorization, ...).
	Headers map[string]string
	// CAFile, CertFile and KeyFile are TLS files, resolved relative to the
	// directory of jobs.yaml. CertFile and KeyFile go together.
	CAFile, CertFile, KeyFile string
	// Insecure skips TLS certificate verification.
	Insecure bool
	// RetryAmbiguous is the client's policy for failures after which a
	// request may have been applied: auto (""), all or none
	// (sora.Config.RetryAmbiguous).
	RetryAmbiguous string
	// MaxReplySize caps the size of a reply the client reads, in bytes
	// (sora.Config.MaxResponseBytes; its default when zero).
	MaxReplySize int64
	// SecretValues are the values to redact in logs and in the run history:
	// the expanded values of the ${VAR}s used in Headers, every header value
	// of 8 bytes or more (and the token of "Bearer TOKEN"), and the password
	// of URL, if any.
	SecretValues []string
}

// EventWebhookConfig is the event_webhook section of jobs.yaml: how the
// daemon receives Sora's event webhook (POST /webhooks/sora/event).
type EventWebhookConfig struct {
	// Username and Password, when set, are the HTTP Basic authentication
	// Sora must send (Sora's webhook basic authentication settings).
	Username, Password string
	// Queue is how many received events may wait to be processed (default
	// 10000); when it is full the daemon answers 503.
	Queue int
}

// Attempts is the total number of attempts per API call: Retries+1.
func (s SoraConfig) Attempts() int { return s.Retries + 1 }

// Load reads and parses the jobs.yaml at path. getenv looks up the
// variables of ${VAR} expansions (os.LookupEnv when nil). Files larger than
// MaxConfigSize are refused. Errors are *ConfigError values joined with
// errors.Join.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fileErrMsg(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fileErrMsg(err)}
	}
	return Parse(data, path, getenv)
}

func fileErrMsg(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read: " + err.Error()
}
