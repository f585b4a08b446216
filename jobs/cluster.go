package jobs

import (
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CatchUp says what a job does with the ticks it missed (the daemon, or
// every replica, was down or could not reach etcd).
type CatchUp string

// Catch-up policies.
const (
	// CatchUpLatest runs the latest missed tick once, if it is younger
	// than the job's starting_deadline; the older ones are recorded missed
	// (the default).
	CatchUpLatest CatchUp = "latest"
	// CatchUpNone runs no missed tick: each is recorded missed.
	CatchUpNone CatchUp = "none"
)

// OnLost says what happens to a run lost with its replica (cluster mode:
// the replica died or lost its etcd session while the run was running).
type OnLost string

// on_lost policies.
const (
	// LostSkip records the lost run interrupted and runs nothing more (the
	// default: a half-done job is not repeated unasked).
	LostSkip OnLost = "skip"
	// LostRerun records it interrupted and runs it again on a survivor.
	LostRerun OnLost = "rerun"
)

// Defaults of the cluster section.
const (
	DefaultClusterPrefix     = "soracron/"
	DefaultClusterSessionTTL = 15 * time.Second
)

// ClusterConfig is the cluster section of jobs.yaml: how the replicas of
// `serve --cluster` reach etcd. The --cluster flag overrides Endpoints.
type ClusterConfig struct {
	// Endpoints are etcd's client URLs ("http://host:2379").
	Endpoints []string
	// Prefix of the keys (default "soracron/"): replicas sharing a prefix
	// share the jobs.
	Prefix string
	// SessionTTL is the TTL of a replica's etcd session (default 15s): how
	// long a dead replica keeps its claims.
	SessionTTL time.Duration
	// Node names this replica (default: the host name).
	Node string
	// CAFile, CertFile and KeyFile are TLS files for etcd, resolved
	// relative to the directory of jobs.yaml.
	CAFile, CertFile, KeyFile string
	// Username and Password authenticate to etcd (${VAR}s expanded; the
	// password is redacted in logs).
	Username, Password string
}

// ChangedKeys returns the keys of the cluster section (as written in
// jobs.yaml) whose values differ between c and o, in the order of the
// section; a nil section is the defaults. The password is named, never
// shown.
func (c *ClusterConfig) ChangedKeys(o *ClusterConfig) []string {
	def := ClusterConfig{Prefix: DefaultClusterPrefix, SessionTTL: DefaultClusterSessionTTL}
	if c == nil {
		c = &def
	}
	if o == nil {
		o = &def
	}
	var out []string
	for _, f := range []struct {
		key  string
		same bool
	}{
		{"endpoints", slices.Equal(c.Endpoints, o.Endpoints)},
		{"prefix", c.Prefix == o.Prefix},
		{"session_ttl", c.SessionTTL == o.SessionTTL},
		{"node", c.Node == o.Node},
		{"ca_file", c.CAFile == o.CAFile},
		{"cert_file", c.CertFile == o.CertFile},
		{"key_file", c.KeyFile == o.KeyFile},
		{"username", c.Username == o.Username},
		{"password", c.Password == o.Password},
	} {
		if !f.same {
			out = append(out, f.key)
		}
	}
	return out
}

var clusterKeys = []string{"endpoints", "prefix", "session_ttl", "node", "ca_file", "cert_file", "key_file", "username", "password"}

func (d *decoder) cluster(n *yaml.Node, cfg *Config) {
	c := &ClusterConfig{Prefix: DefaultClusterPrefix, SessionTTL: DefaultClusterSessionTTL}
	cfg.Cluster = c
	if isNull(n) {
		return
	}
	m, _, ok := d.mapping(n, "cluster: ", clusterKeys)
	if !ok {
		return
	}
	if e, ok := m["endpoints"]; ok {
		d.endpoints(e.val, c)
	}
	if e, ok := m["prefix"]; ok {
		if v, ok := d.str(e.val, "cluster.prefix"); ok {
			if v == "" || strings.ContainsRune(v, 0) {
				d.errorf(e.val, "cluster.prefix: must not be empty")
			} else {
				c.Prefix = v
			}
		}
	}
	if e, ok := m["session_ttl"]; ok {
		if v, ok := d.duration(e.val, "cluster.session_ttl", false); ok {
			if v < 2*time.Second {
				d.errorf(e.val, "cluster.session_ttl %s: must be at least 2s (etcd's minimum lease TTL)", v)
			} else {
				c.SessionTTL = v
			}
		}
	}
	if e, ok := m["node"]; ok {
		if v, ok := d.str(e.val, "cluster.node"); ok {
			if v == "" || strings.ContainsAny(v, "/\x00") {
				d.errorf(e.val, "cluster.node %q: must be a non-empty name without '/'", v)
			} else {
				c.Node = v
			}
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"ca_file", &c.CAFile}, {"cert_file", &c.CertFile}, {"key_file", &c.KeyFile}} {
		if e, ok := m[f.key]; ok {
			if v, ok := d.str(e.val, "cluster."+f.key); ok {
				*f.dst = d.resolvePath(v)
				if msg := checkFile(*f.dst); msg != "" {
					d.errorf(e.val, "cluster.%s %q: %s", f.key, v, msg)
				}
			}
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		d.errorf(n, "cluster: cert_file and key_file must be given together")
	}
	if e, ok := m["username"]; ok {
		if v, ok := d.str(e.val, "cluster.username"); ok {
			c.Username = v
		}
	}
	if e, ok := m["password"]; ok {
		if v, ok := d.str(e.val, "cluster.password"); ok {
			c.Password = v
			if v != "" {
				cfg.Sora.SecretValues = appendUnique(cfg.Sora.SecretValues, v)
			}
		}
	}
	if (c.Username == "") != (c.Password == "") {
		d.errorf(n, "cluster: username and password must be given together")
	}
}

// endpoints decodes a list of etcd URLs, or one string of them separated
// by commas.
func (d *decoder) endpoints(n *yaml.Node, c *ClusterConfig) {
	var items []*yaml.Node
	if r := resolve(n); r != nil && r.Kind == yaml.SequenceNode {
		items = r.Content
	} else {
		items = []*yaml.Node{n}
	}
	for _, it := range items {
		v, ok := d.str(it, "cluster.endpoints")
		if !ok {
			continue
		}
		for _, ep := range strings.Split(v, ",") {
			ep = strings.TrimSpace(ep)
			if !strings.Contains(ep, "://") {
				ep = "http://" + ep
			}
			if !validEndpoint(ep) {
				d.errorf(it, "cluster.endpoints %q: expected host:port or an http(s):// URL", v)
				continue
			}
			c.Endpoints = append(c.Endpoints, ep)
		}
	}
}

func validEndpoint(ep string) bool {
	scheme, hp, ok := strings.Cut(ep, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return false
	}
	host, port, ok := strings.Cut(strings.TrimSuffix(hp, "/"), ":")
	return ok && host != "" && port != "" && !strings.ContainsAny(port, ":/")
}

// missedFields decodes starting_deadline, catch_up and on_lost onto j.
func (d *decoder) missedFields(m map[string]entry, j *Job, prefix string) {
	if e, ok := m["starting_deadline"]; ok {
		if v, ok := d.duration(e.val, prefix+"starting_deadline", true); ok {
			j.StartingDeadline = v
		}
	}
	if e, ok := m["catch_up"]; ok {
		if v, ok := d.str(e.val, prefix+"catch_up"); ok {
			switch p := CatchUp(v); p {
			case CatchUpLatest, CatchUpNone:
				j.CatchUp = p
			default:
				d.errorf(e.val, "%scatch_up %q: must be latest or none", prefix, v)
			}
		}
	}
	if e, ok := m["on_lost"]; ok {
		if v, ok := d.str(e.val, prefix+"on_lost"); ok {
			switch p := OnLost(v); p {
			case LostRerun, LostSkip:
				j.OnLost = p
			default:
				d.errorf(e.val, "%son_lost %q: must be rerun or skip", prefix, v)
			}
		}
	}
}

// String is the policy's name.
func (c CatchUp) String() string { return string(c) }
