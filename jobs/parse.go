package jobs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Keys of jobs.yaml.
var (
	topKeys     = []string{"sora", "timezone", "history", "cluster", "event_webhook", "notify", "defaults", "jobs"}
	soraKeys    = []string{"url", "timeout", "retries", "retry_ambiguous", "max_reply_size", "headers", "ca_file", "cert_file", "key_file", "insecure"}
	webhookKeys = []string{"username", "password", "queue"}
	historyKeys = []string{"keep", "keep_ok", "keep_failed", "keep_skipped"}
	// jobOnlyKeys may not appear in defaults.
	jobOnlyKeys = []string{"name", "schedule", "on", "script", "notify"}
	jobKeys     = []string{"name", "schedule", "on", "script", "args", "timeout", "concurrency_policy", "retries", "timezone", "enabled", "dry_run", "concurrency", "http", "starting_deadline", "catch_up", "on_lost", "notify", "isolation", "memory_limit"}
	httpKeys    = []string{"allow"}
	retryKeys   = []string{"max", "backoff", "on_timeout"}
)

// ValidName reports whether name can be the name of a job: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit (names
// appear in URLs); that is, whether it matches
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$. It is a loop rather than that
// regular expression because compiling the expression (its {0,63} makes
// 63 copies) took most of the instructions of a `soracron run` that does
// nothing, in the package's initialisation.
func ValidName(name string) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses jobs.yaml content read from path; path names the file in
// errors, and scripts and TLS files are resolved (and must exist) relative
// to its directory. getenv looks up the variables of ${VAR} expansions
// (os.LookupEnv when nil). Every problem found is reported: the error is
// the errors.Join of *ConfigError values, sorted by line.
func Parse(data []byte, path string, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	fail := func(line int, format string, args ...any) (*Config, error) {
		return nil, &ConfigError{File: path, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxConfigSize {
		return fail(0, "file is larger than %d MiB; refusing to parse it", MaxConfigSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, "file is empty (it needs a sora section and a jobs list)")
	}
	if line, col, b, ok := invalidUTF8(data); ok {
		return fail(line, "invalid UTF-8 byte 0x%02x at column %d: the file must be UTF-8 text (was it saved as Latin-1 or Shift_JIS?)", b, col)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(path, err)
	default:
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return fail(line, "a second YAML document (after ---) is not supported")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null" {
		return fail(0, "file has no content (it needs a sora section and a jobs list)")
	}

	d := &decoder{file: path, dir: filepath.Dir(path), getenv: getenv}
	cfg := d.config(doc.Content[0])
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
		errs := make([]error, len(d.errs))
		for i, e := range d.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	cfg.Path = path
	return cfg, nil
}

// invalidUTF8 finds the first byte of data that is not UTF-8 and returns
// its line and column (1-based, in bytes). A file starting with a UTF-16
// byte order mark is left to the YAML decoder, which reads UTF-16.
func invalidUTF8(data []byte) (line, col int, b byte, found bool) {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) || utf8.Valid(data) {
		return 0, 0, 0, false
	}
	line, start := 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line, i - start + 1, data[i], true
		}
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
		i += size
	}
	return 0, 0, 0, false
}

// yamlError turns a yaml.v3 syntax error into a ConfigError with its line.
func yamlError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: path, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &ConfigError{File: path, Msg: "invalid YAML: " + msg}
}

func (d *decoder) config(root *yaml.Node) *Config {
	cfg := &Config{
		Timezone:    time.Local,
		HistoryKeep: DefaultHistoryKeep,
		Sora:        SoraConfig{Timeout: DefaultSoraTimeout, Retries: DefaultSoraRetries},
	}
	d.secrets = &cfg.Sora
	top, _, ok := d.mapping(root, "top level: ", topKeys)
	if !ok {
		return cfg
	}
	if e, ok := top["sora"]; ok {
		d.sora(e.val, &cfg.Sora)
	} else {
		d.errorf(root, "missing \"sora\" section (at least sora.url)")
	}
	if e, ok := top["timezone"]; ok {
		if loc, ok := d.location(e.val, "timezone"); ok {
			cfg.Timezone = loc
		}
	}
	if e, ok := top["history"]; ok && !isNull(e.val) {
		if m, _, ok := d.mapping(e.val, "history: ", historyKeys); ok {
			for _, h := range []struct {
				key string
				dst *int
			}{{"keep", &cfg.HistoryKeep}, {"keep_ok", &cfg.HistoryKeepOK},
				{"keep_failed", &cfg.HistoryKeepFailed}, {"keep_skipped", &cfg.HistoryKeepSkipped}} {
				if k, ok := m[h.key]; ok {
					if n, ok := d.integer(k.val, "history."+h.key, 1); ok {
						*h.dst = n
					}
				}
			}
		}
	}
	if e, ok := top["cluster"]; ok {
		d.cluster(e.val, cfg)
	}
	cfg.EventWebhook.Queue = DefaultEventQueue
	if e, ok := top["event_webhook"]; ok && !isNull(e.val) {
		d.eventWebhook(e.val, &cfg.EventWebhook, &cfg.Sora)
	}
	if e, ok := top["notify"]; ok && !isNull(e.val) {
		d.notify(e.val, &cfg.Notify, &cfg.Sora)
	}
	template := &Job{
		Timeout:           DefaultJobTimeout,
		ConcurrencyPolicy: Forbid,
		Retries:           RetryPolicy{Backoff: DefaultRetryBackoff},
		Location:          cfg.Timezone,
		Args:              map[string]any{},
		Enabled:           true,
		Concurrency:       DefaultConcurrency,
		CatchUp:           CatchUpLatest,
		OnLost:            LostSkip,
	}
	if e, ok := top["defaults"]; ok && !isNull(e.val) {
		if m, _, ok := d.mapping(e.val, "defaults: ", jobKeys); ok {
			for _, k := range jobOnlyKeys {
				if e, ok := m[k]; ok {
					d.errorf(e.key, "defaults: %q can only be set per job", k)
					delete(m, k)
				}
			}
			d.jobFields(m, template, "defaults.")
		}
	}
	e, ok := top["jobs"]
	if !ok {
		d.errorf(root, "no jobs defined (add a \"jobs:\" list)")
		return cfg
	}
	list := resolve(e.val)
	if list == nil || list.Kind != yaml.SequenceNode {
		if list != nil && list.ShortTag() == "!!null" {
			d.errorf(e.key, "no jobs defined (the \"jobs:\" list is empty)")
		} else {
			d.errorf(e.val, "jobs: expected a list of jobs, got %s", kindName(list))
		}
		return cfg
	}
	if len(list.Content) == 0 {
		d.errorf(e.key, "no jobs defined (the \"jobs:\" list is empty)")
		return cfg
	}
	seen := map[string]int{}
	for i, n := range list.Content {
		j := d.decodeJob(n, i, template)
		if j == nil {
			continue
		}
		if first, dup := seen[j.Name]; dup {
			d.errs = append(d.errs, &ConfigError{File: d.file, Line: j.Line, Job: j.Name,
				Msg: fmt.Sprintf("duplicate job name (first defined at line %d)", first)})
			continue
		}
		seen[j.Name] = j.Line
		cfg.Jobs = append(cfg.Jobs, j)
	}
	return cfg
}

func (d *decoder) sora(n *yaml.Node, s *SoraConfig) {
	m, _, ok := d.mapping(n, "sora: ", soraKeys)
	if !ok {
		return
	}
	if e, ok := m["url"]; ok {
		if u, ok := d.str(e.val, "sora.url"); ok {
			s.URL = u
			pu, err := url.Parse(u)
			switch {
			case err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "":
				d.errorf(e.val, "sora.url %q: expected an http:// or https:// URL with a host", u)
			case pu.User != nil:
				if p, ok := pu.User.Password(); ok && p != "" {
					s.SecretValues = appendUnique(s.SecretValues, p)
				}
			}
		}
	} else {
		d.errorf(n, "sora: missing \"url\"")
	}
	if e, ok := m["timeout"]; ok {
		if v, ok := d.duration(e.val, "sora.timeout", false); ok {
			s.Timeout = v
		}
	}
	if e, ok := m["retries"]; ok {
		if v, ok := d.integer(e.val, "sora.retries", 0); ok {
			s.Retries = v
		}
	}
	if e, ok := m["retry_ambiguous"]; ok {
		if v, ok := d.str(e.val, "sora.retry_ambiguous"); ok {
			switch v {
			case "auto", "all", "none":
				s.RetryAmbiguous = v
			default:
				d.errorf(e.val, "sora.retry_ambiguous %q: must be auto, all or none", v)
			}
		}
	}
	if e, ok := m["max_reply_size"]; ok {
		d.maxReplySize(e.val, s)
	}
	if e, ok := m["headers"]; ok {
		d.headers(e.val, s)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"ca_file", &s.CAFile}, {"cert_file", &s.CertFile}, {"key_file", &s.KeyFile}} {
		e, ok := m[f.key]
		if !ok {
			continue
		}
		if v, ok := d.str(e.val, "sora."+f.key); ok {
			*f.dst = d.resolvePath(v)
			if msg := checkFile(*f.dst); msg != "" {
				d.errorf(e.val, "sora.%s %q: %s", f.key, v, msg)
			}
		}
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		d.errorf(n, "sora: cert_file and key_file must be given together")
	}
	if e, ok := m["insecure"]; ok {
		if v, ok := d.boolean(e.val, "sora.insecure"); ok {
			s.Insecure = v
		}
	}
}

func (d *decoder) headers(n *yaml.Node, s *SoraConfig) {
	if isNull(n) {
		return
	}
	m, order, ok := d.mapping(n, "sora.headers: ", nil)
	if !ok {
		return
	}
	s.Headers = make(map[string]string, len(order))
	for _, k := range order {
		e := m[k]
		if !validHeaderName(k) {
			d.errorf(e.key, "sora.headers: %q is not a valid header name", k)
			continue
		}
		d.expanded = nil
		v, ok := d.str(e.val, "sora.headers."+k)
		if !ok {
			continue
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			d.errorf(e.val, "sora.headers.%s: value contains a line break or NUL", k)
			continue
		}
		for _, x := range d.expanded {
			s.SecretValues = appendUnique(s.SecretValues, x)
		}
		// Header values are credentials more often than not: redact literal
		// ones too (and the token of "Bearer TOKEN"), when long enough not to
		// blank out ordinary words.
		for _, x := range []string{v, lastField(v)} {
			if len(x) >= minLiteralSecret {
				s.SecretValues = appendUnique(s.SecretValues, x)
			}
		}
		s.Headers[k] = v
	}
	d.expanded = nil
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// validHeaderName reports whether s is an HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// resolvePath resolves p against the directory of jobs.yaml.
func (d *decoder) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// checkFile returns "" when p is a regular file, else what is wrong.
func checkFile(p string) string {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "file not found (paths are relative to the directory of the jobs file)"
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return err.Error()
	case fi.IsDir():
		return "is a directory"
	}
	return ""
}

// location decodes a time zone name ("Asia/Tokyo", "UTC", "Local").
func (d *decoder) location(n *yaml.Node, name string) (*time.Location, bool) {
	s, ok := d.str(n, name)
	if !ok {
		return nil, false
	}
	if s == "" {
		d.errorf(n, "%s is empty (leave the key out to use the host's time zone)", name)
		return nil, false
	}
	loc, err := loadLocation(s)
	if err != nil {
		d.errorf(n, "%s %q: unknown time zone (use an IANA name such as \"Asia/Tokyo\", \"UTC\" or \"Local\")", name, s)
		return nil, false
	}
	return loc, true
}

// loadLocation is time.LoadLocation restricted to plausible zone names.
func loadLocation(s string) (*time.Location, error) {
	if len(s) > 128 || strings.ContainsAny(s, "\\\x00") || strings.HasPrefix(s, "/") {
		return nil, errors.New("invalid time zone name")
	}
	return time.LoadLocation(s)
}

// minLiteralSecret is the shortest literal header value that is redacted.
const minLiteralSecret = 8

// lastField returns the last space-separated field of s ("TOKEN" of
// "Bearer TOKEN"), or "" when s has a single field.
func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) < 2 {
		return ""
	}
	return f[len(f)-1]
}

// eventWebhook decodes the event_webhook section.
func (d *decoder) eventWebhook(n *yaml.Node, w *EventWebhookConfig, s *SoraConfig) {
	m, _, ok := d.mapping(n, "event_webhook: ", webhookKeys)
	if !ok {
		return
	}
	if e, ok := m["username"]; ok {
		if v, ok := d.str(e.val, "event_webhook.username"); ok {
			w.Username = v
		}
	}
	if e, ok := m["password"]; ok {
		if v, ok := d.str(e.val, "event_webhook.password"); ok {
			w.Password = v
			if v != "" {
				s.SecretValues = appendUnique(s.SecretValues, v)
			}
		}
	}
	if (w.Username == "") != (w.Password == "") {
		d.errorf(n, "event_webhook: username and password must be given together")
	}
	if e, ok := m["queue"]; ok {
		if v, ok := d.integer(e.val, "event_webhook.queue", 1); ok {
			w.Queue = v
		}
	}
}

// maxReplySize decodes sora.max_reply_size: a size string ("256MiB") or a
// number of bytes.
func (d *decoder) maxReplySize(n *yaml.Node, s *SoraConfig) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || (r.ShortTag() != "!!str" && r.ShortTag() != "!!int") {
		d.errorf(n, "sora.max_reply_size: expected a size such as 256MiB, got %s", kindName(r))
		return
	}
	v, ok := r.Value, true
	if r.ShortTag() == "!!str" {
		if v, ok = d.expand(n, v); !ok {
			return
		}
	}
	size, err := ParseSize(v)
	if err != nil {
		d.errorf(n, "sora.max_reply_size %q: %v", v, err)
		return
	}
	s.MaxReplySize = size
}
