package jobs

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits of args values, so that no document (aliases included) can make
// decoding blow up.
const (
	maxArgsDepth = 64
	maxArgsNodes = 100000
)

// decoder walks the yaml.Node tree of jobs.yaml and collects every problem.
type decoder struct {
	file   string
	dir    string
	getenv func(string) (string, bool)
	errs   []*ConfigError
	// job is the name of the job being decoded ("" outside jobs); jobLabel
	// prefixes messages of a job that has no usable name ("job #3: ").
	job      string
	jobLabel string
	// argsNodes counts the nodes converted into args (aliases expanded).
	argsNodes int
	// expanded collects the values of the ${VAR}s expanded since reset.
	expanded []string
	// secrets is where the values to redact go (the sora section's list).
	secrets *SoraConfig
}

// errorf records a problem at the line of n (0 when n is nil).
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &ConfigError{File: d.file, Line: line, Job: d.job, Msg: d.jobLabel + fmt.Sprintf(format, args...)})
}

// resolve follows aliases (bounded, since a YAML anchor may contain itself).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxArgsDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// kindName describes the type of n for messages.
func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!str":
		return "a string"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return fmt.Sprintf("a value tagged %s", n.Tag)
}

// entry is one key/value pair of a mapping.
type entry struct {
	key, val *yaml.Node
}

// mapping checks that n is a mapping whose keys are all in allowed (a nil
// allowed accepts any key) and returns its entries by key. where prefixes
// messages ("sora: ", "" for jobs). Unknown and duplicate keys are errors.
func (d *decoder) mapping(n *yaml.Node, where string, allowed []string) (map[string]entry, []string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%sexpected a mapping, got %s", where, kindName(n))
		return nil, nil, false
	}
	m := make(map[string]entry, len(n.Content)/2)
	var order []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if r := resolve(k); r != nil && r.Kind == yaml.ScalarNode {
			k = r
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			d.errorf(k, "%sexpected a key, got %s", where, kindName(k))
			continue
		}
		key := k.Value
		if k.ShortTag() == "!!merge" {
			d.errorf(k, "%smerge keys (<<) are not supported; use the defaults section", where)
			continue
		}
		if allowed != nil && !slices.Contains(allowed, key) {
			msg := fmt.Sprintf("%sunknown key %q", where, key)
			if s := suggest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(k, "%s", msg)
			continue
		}
		if prev, dup := m[key]; dup {
			d.errorf(k, "%sduplicate key %q (first at line %d)", where, key, prev.key.Line)
			continue
		}
		m[key] = entry{k, v}
		order = append(order, key)
	}
	return m, order, true
}

// suggest returns the element of known closest to s, if close enough to be
// a typo.
func suggest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if dist := editDistance(s, k); dist < bestD {
			best, bestD = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// str decodes a string value and expands its ${VAR}s.
func (d *decoder) str(n *yaml.Node, name string) (string, bool) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || r.ShortTag() != "!!str" {
		hint := ""
		if r != nil && r.Kind == yaml.ScalarNode && r.ShortTag() != "!!null" {
			hint = fmt.Sprintf(" (quote it: \"%s\")", r.Value)
		}
		d.errorf(n, "%s: expected a string, got %s%s", name, kindName(r), hint)
		return "", false
	}
	return d.expand(n, r.Value)
}

// boolean decodes a true/false value.
func (d *decoder) boolean(n *yaml.Node, name string) (bool, bool) {
	r := resolve(n)
	var b bool
	if r == nil || r.Kind != yaml.ScalarNode || r.ShortTag() != "!!bool" || r.Decode(&b) != nil {
		d.errorf(n, "%s: expected true or false, got %s", name, kindName(r))
		return false, false
	}
	return b, true
}

// integer decodes an integer that is at least lo.
func (d *decoder) integer(n *yaml.Node, name string, lo int) (int, bool) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || r.ShortTag() != "!!int" {
		d.errorf(n, "%s: expected an integer, got %s", name, kindName(r))
		return 0, false
	}
	if leadingZero(r.Value) {
		d.errorf(n, "%s %s: ambiguous number with a leading zero", name, r.Value)
		return 0, false
	}
	var i int64
	if err := r.Decode(&i); err != nil || i > math.MaxInt32 {
		d.errorf(n, "%s %s: out of range", name, r.Value)
		return 0, false
	}
	switch {
	case i < 0:
		d.errorf(n, "%s %s: must not be negative", name, r.Value)
		return 0, false
	case i < int64(lo):
		d.errorf(n, "%s %s: must be at least %d", name, r.Value, lo)
		return 0, false
	}
	return int(i), true
}

// duration decodes a Go duration string ("30s", "1m30s"); zero is accepted
// only when allowZero.
func (d *decoder) duration(n *yaml.Node, name string, allowZero bool) (time.Duration, bool) {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && (r.ShortTag() == "!!int" || r.ShortTag() == "!!float") {
		d.errorf(n, "%s %s: a duration needs a unit, e.g. \"%ss\"", name, r.Value, r.Value)
		return 0, false
	}
	if r == nil || r.Kind != yaml.ScalarNode || r.ShortTag() != "!!str" {
		d.errorf(n, "%s: expected a duration such as \"30s\", got %s", name, kindName(r))
		return 0, false
	}
	s, ok := d.expand(n, r.Value)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errorf(n, "%s %q: invalid duration (use a number with a unit: ms, s, m, h, e.g. \"1m30s\")", name, s)
		return 0, false
	case v < 0:
		d.errorf(n, "%s %q: must not be negative", name, s)
		return 0, false
	case v == 0 && !allowZero:
		d.errorf(n, "%s %q: must be positive", name, s)
		return 0, false
	}
	return v, true
}

// expand replaces every ${VAR} of s by getenv(VAR) and $${ by a literal ${.
// An unset variable, an unterminated ${ or a bad name is an error at n.
func (d *decoder) expand(n *yaml.Node, s string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				d.errorf(n, "unterminated \"${\" (write \"$${\" for a literal \"${\")")
				return "", false
			}
			name := s[i+2 : i+2+end]
			i += 2 + end + 1
			if !validVarName(name) {
				d.errorf(n, "${%s}: invalid variable name (write \"$${\" for a literal \"${\")", name)
				ok = false
				continue
			}
			v, set := d.getenv(name)
			if !set {
				d.errorf(n, "${%s} is not set", name)
				ok = false
				continue
			}
			if v != "" {
				d.expanded = append(d.expanded, v)
			}
			b.WriteString(v)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), ok
}

func validVarName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// args decodes a JSON-compatible value: integers become json.Number
// (exact, whatever their size), other numbers float64, strings (with ${VAR}s
// expanded), booleans, nulls, lists ([]any) and mappings (map[string]any).
func (d *decoder) args(n *yaml.Node, path string, depth int) (any, bool) {
	d.argsNodes++
	if d.argsNodes > maxArgsNodes {
		if d.argsNodes == maxArgsNodes+1 {
			d.errorf(n, "%s: too many values (more than %d, aliases included)", path, maxArgsNodes)
		}
		return nil, false
	}
	if depth > maxArgsDepth {
		d.errorf(n, "%s: nested deeper than %d levels", path, maxArgsDepth)
		return nil, false
	}
	r := resolve(n)
	if r == nil {
		d.errorf(n, "%s: alias chain too long", path)
		return nil, false
	}
	switch r.Kind {
	case yaml.MappingNode:
		m, order, ok := d.mapping(r, path+": ", nil)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(order))
		for _, k := range order {
			v, vok := d.args(m[k].val, path+"."+k, depth+1)
			ok = ok && vok
			out[k] = v
		}
		return out, ok
	case yaml.SequenceNode:
		out := make([]any, 0, len(r.Content))
		ok := true
		for i, c := range r.Content {
			v, vok := d.args(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
			ok = ok && vok
			out = append(out, v)
		}
		return out, ok
	case yaml.ScalarNode:
		return d.argScalar(n, r, path)
	}
	d.errorf(n, "%s: unsupported value (%s)", path, kindName(r))
	return nil, false
}

func (d *decoder) argScalar(n, r *yaml.Node, path string) (any, bool) {
	switch tag := r.ShortTag(); tag {
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if err := r.Decode(&b); err != nil {
			d.errorf(n, "%s: invalid boolean %q", path, r.Value)
			return nil, false
		}
		return b, true
	case "!!str":
		return d.expand(n, r.Value)
	case "!!timestamp":
		// Dates stay text: JSON has no date type.
		return r.Value, true
	case "!!int", "!!float":
		if leadingZero(r.Value) {
			d.errorf(n, "%s: %s: ambiguous number with a leading zero (quote it for a string)", path, r.Value)
			return nil, false
		}
		if num, ok := exactInteger(r.Value); ok {
			return num, true
		}
		if tag == "!!int" {
			d.errorf(n, "%s: invalid integer %q", path, r.Value)
			return nil, false
		}
		var f float64
		if err := r.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.errorf(n, "%s: %s is not a valid JSON number", path, r.Value)
			return nil, false
		}
		return f, true
	default:
		d.errorf(n, "%s: unsupported value %s (use a string, number, boolean, null, list or mapping)", path, kindName(r))
		return nil, false
	}
}

// leadingZero reports a decimal literal with a leading zero ("017", "09"),
// which YAML libraries read as octal, decimal or float depending on version.
func leadingZero(s string) bool {
	s = strings.TrimLeft(strings.ReplaceAll(s, "_", ""), "+-")
	return len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9'
}

// exactInteger parses a YAML integer literal (decimal, 0x, 0o, 0b, with
// optional sign and underscores) into an exact decimal json.Number.
func exactInteger(s string) (json.Number, bool) {
	t := strings.ReplaceAll(s, "_", "")
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0x"):
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "0o"):
		base, t = 8, t[2:]
	case strings.HasPrefix(t, "0b"):
		base, t = 2, t[2:]
	}
	if t == "" || len(t) > 4096 {
		return "", false
	}
	for _, c := range t {
		if !strings.ContainsRune("0123456789abcdefABCDEF"[:min(base, 10)+max(0, base-10)*2], c) {
			return "", false
		}
	}
	v, ok := new(big.Int).SetString(t, base)
	if !ok {
		return "", false
	}
	if neg {
		v.Neg(v)
	}
	if v.IsInt64() {
		return json.Number(strconv.FormatInt(v.Int64(), 10)), true
	}
	return json.Number(v.String()), true
}
