package redact

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Redacted replaces secret values in logs, errors and history.
const Redacted = "[REDACTED]"

// Redactor replaces the secret values of the configuration in use. It is
// safe for concurrent use.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
	r       atomic.Pointer[strings.Replacer]
}

// New returns a Redactor of secrets (empty ones are ignored).
func New(secrets []string) *Redactor {
	r := &Redactor{}
	r.Add(secrets)
	return r
}

// Add adds secrets; secrets are never removed (a reload does not change the
// Sora client, which keeps sending the old ones). Longer secrets are
// matched first.
func (r *Redactor) Add(secrets []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	list := slices.Clone(r.secrets)
	if len(list) == 0 {
		r.r.Store(nil)
		return
	}
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	r.r.Store(strings.NewReplacer(pairs...))
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if rep := r.r.Load(); rep != nil {
		return rep.Replace(s)
	}
	return s
}

// none reports whether there is no secret to replace.
func (r *Redactor) none() bool { return r.r.Load() == nil }
