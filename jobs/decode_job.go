package jobs

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"

	"github.com/soracron/soracron/jobs/schedule"
)

// decodeJob decodes the i-th entry of the jobs list on top of template (the
// built-in defaults with the defaults section applied). It returns nil when
// the job has no name to be registered under.
func (d *decoder) decodeJob(n *yaml.Node, i int, template *Job) *Job {
	d.job, d.jobLabel = "", fmt.Sprintf("job #%d: ", i+1)
	defer func() { d.job, d.jobLabel = "", "" }()

	r := resolve(n)
	if name := peekName(r); name != "" {
		// Name the job in the errors found before its name is decoded.
		d.job, d.jobLabel = name, ""
	}
	m, _, ok := d.mapping(n, "", jobKeys)
	if !ok {
		return nil
	}
	j := *template
	// Each job gets its own copy of the defaults' args, paid for from the
	// same budget as decoded values (aliases could make them huge).
	d.argsNodes += countValues(template.Args)
	if d.argsNodes > maxArgsNodes {
		d.errorf(r, "args: too many values (more than %d in all, aliases and defaults included)", maxArgsNodes)
		return nil
	}
	j.Args = copyArgs(template.Args)
	j.Line = r.Line

	var named bool
	if e, ok := m["name"]; ok {
		if name, ok := d.str(e.val, "name"); ok {
			switch {
			case name == "":
				d.errorf(e.val, "name is empty")
			case !ValidName(name):
				d.job, d.jobLabel = shorten(name), ""
				d.errorf(e.val, "name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)")
			default:
				d.job, d.jobLabel = name, ""
				named = true
			}
			j.Name = name
		}
	} else {
		d.errorf(r, "missing \"name\"")
	}

	d.jobFields(m, &j, "")
	if e, ok := m["memory_limit"]; ok && j.Isolation != IsolationProcess {
		d.errorf(e.val, "memory_limit needs isolation: process (a run in the daemon's process cannot be limited)")
	}

	if e, ok := m["on"]; ok {
		j.On = d.on(e.val)
	}
	if e, ok := m["schedule"]; ok {
		if spec, ok := d.str(e.val, "schedule"); ok {
			j.ScheduleSpec = spec
			s, err := schedule.Parse(spec, j.Location)
			if err != nil {
				d.errorf(e.val, "schedule %q: %v", spec, err)
			}
			j.Schedule = s
		}
	} else {
		if _, hasOn := m["on"]; !hasOn {
			d.errorf(r, "missing \"schedule\" or \"on\" (a job runs on a schedule, on events, or both)")
		}
		j.Schedule = never{}
	}

	if e, ok := m["script"]; ok {
		if rel, ok := d.str(e.val, "script"); ok {
			j.ScriptRel = rel
			if rel == "" {
				d.errorf(e.val, "script is empty")
			} else {
				j.Script = d.resolvePath(rel)
				if msg := checkFile(j.Script); msg != "" {
					d.errorf(e.val, "script %q: %s", rel, msg)
				}
			}
		}
	} else {
		d.errorf(r, "missing \"script\"")
	}
	if !named {
		return nil
	}
	return &j
}

// peekName returns the literal, valid name of a job mapping, or "".
func peekName(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			v := resolve(n.Content[i+1])
			if v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && ValidName(v.Value) {
				return v.Value
			}
			return ""
		}
	}
	return ""
}

// jobFields applies the job settings in m (a job or the defaults section)
// to j. prefix qualifies key names in messages ("defaults.").
func (d *decoder) jobFields(m map[string]entry, j *Job, prefix string) {
	if e, ok := m["args"]; ok && !isNull(e.val) {
		if r := resolve(e.val); r == nil || r.Kind != yaml.MappingNode {
			d.errorf(e.val, "%sargs: expected a mapping, got %s", prefix, kindName(r))
		} else if v, ok := d.args(e.val, prefix+"args", 0); ok {
			if j.Args == nil {
				j.Args = map[string]any{}
			}
			maps.Copy(j.Args, v.(map[string]any))
		}
	}
	if e, ok := m["timeout"]; ok {
		if v, ok := d.duration(e.val, prefix+"timeout", false); ok {
			j.Timeout = v
		}
	}
	if e, ok := m["concurrency_policy"]; ok {
		if v, ok := d.str(e.val, prefix+"concurrency_policy"); ok {
			switch p := Policy(v); p {
			case Forbid, Allow, Replace:
				j.ConcurrencyPolicy = p
			default:
				d.errorf(e.val, "%sconcurrency_policy %q: must be forbid, allow or replace", prefix, v)
			}
		}
	}
	if e, ok := m["retries"]; ok {
		d.retries(e.val, &j.Retries, prefix+"retries")
	}
	if e, ok := m["timezone"]; ok {
		if loc, ok := d.location(e.val, prefix+"timezone"); ok {
			j.Location = loc
		}
	}
	if e, ok := m["enabled"]; ok {
		if v, ok := d.boolean(e.val, prefix+"enabled"); ok {
			j.Enabled = v
		}
	}
	if e, ok := m["dry_run"]; ok {
		if v, ok := d.boolean(e.val, prefix+"dry_run"); ok {
			j.DryRun = v
		}
	}
	if e, ok := m["concurrency"]; ok {
		if v, ok := d.integer(e.val, prefix+"concurrency", 1); ok {
			j.Concurrency = v
		}
	}
	d.missedFields(m, j, prefix)
	if e, ok := m["http"]; ok {
		d.http(e.val, j, prefix+"http")
	}
	if e, ok := m["isolation"]; ok {
		if v, ok := d.str(e.val, prefix+"isolation"); ok {
			switch v {
			case IsolationNone, IsolationProcess:
				j.Isolation = v
			default:
				d.errorf(e.val, "%sisolation %q: must be none or process", prefix, v)
			}
		}
	}
	if e, ok := m["memory_limit"]; ok {
		if v, ok := d.str(e.val, prefix+"memory_limit"); ok {
			n, err := humanize.ParseBytes(v)
			switch {
			case err != nil:
				d.errorf(e.val, "%smemory_limit %q: expected a size such as \"256MiB\" or \"1GiB\"", prefix, v)
			case n < MinMemoryLimit || n > 1<<50:
				d.errorf(e.val, "%smemory_limit %q: must be at least 16MiB", prefix, v)
			default:
				j.MemoryLimit = int64(n)
			}
		}
	}
	if e, ok := m["notify"]; ok && !isNull(e.val) {
		d.jobNotify(e.val, j, prefix+"notify", d.secrets)
	}
}

// http decodes {allow: [host, ...]}, adding the hosts to j.HTTPAllow (a
// job's hosts add to those of the defaults).
func (d *decoder) http(n *yaml.Node, j *Job, name string) {
	m, _, ok := d.mapping(n, name+": ", httpKeys)
	if !ok {
		return
	}
	e, ok := m["allow"]
	if !ok {
		return
	}
	r := resolve(e.val)
	if r == nil || r.Kind != yaml.SequenceNode {
		d.errorf(e.val, "%s.allow: expected a list of hosts, got %s", name, kindName(r))
		return
	}
	allow := slices.Clone(j.HTTPAllow)
	for i, hn := range r.Content {
		item := fmt.Sprintf("%s.allow[%d]", name, i)
		h, ok := d.str(hn, item)
		if !ok {
			continue
		}
		if msg := checkHost(h); msg != "" {
			d.errorf(hn, "%s %q: %s (write crm.example.com, 127.0.0.1:8080 or *.example.com)", item, h, msg)
			continue
		}
		if !slices.Contains(allow, h) {
			allow = append(allow, h)
		}
	}
	j.HTTPAllow = allow
}

// checkHost returns "" when h is a host, host:port or *.domain, else what
// is wrong with it.
func checkHost(h string) string {
	switch {
	case h == "":
		return "is empty"
	case strings.Contains(h, "://"), strings.ContainsAny(h, "/?#@ \t"):
		return "is not a host name (no scheme, path or user)"
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = strings.Trim(h, "[]"), ""
	}
	if port != "" {
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return "has an invalid port"
		}
	}
	host = strings.TrimPrefix(host, "*.")
	if host == "" || strings.Contains(host, "*") {
		return "has a '*' elsewhere than in a leading \"*.\""
	}
	return ""
}

// retries decodes {max, backoff, on_timeout} onto rp; a bare integer is
// short for {max: N}.
func (d *decoder) retries(n *yaml.Node, rp *RetryPolicy, name string) {
	if r := resolve(n); r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() == "!!int" {
		if v, ok := d.integer(n, name, 0); ok {
			rp.Max = v
		}
		return
	}
	m, _, ok := d.mapping(n, name+": ", retryKeys)
	if !ok {
		return
	}
	if e, ok := m["max"]; ok {
		if v, ok := d.integer(e.val, name+".max", 0); ok {
			rp.Max = v
		}
	}
	if e, ok := m["backoff"]; ok {
		if v, ok := d.duration(e.val, name+".backoff", true); ok {
			rp.Backoff = v
		}
	}
	if e, ok := m["on_timeout"]; ok {
		if v, ok := d.boolean(e.val, name+".on_timeout"); ok {
			rp.OnTimeout = v
		}
	}
}

// isNull reports whether n is a YAML null.
func isNull(n *yaml.Node) bool {
	r := resolve(n)
	return r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null"
}

// shorten cuts s for display in messages.
func shorten(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:77] + "..."
}

// copyArgs deep-copies a JSON-compatible value map.
func copyArgs(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

// countValues counts the values in m, nested ones included.
func countValues(m map[string]any) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		n++
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, v := range m {
		walk(v)
	}
	return n
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyArgs(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyValue(x)
		}
		return out
	}
	return v
}
