package cluster

import (
	"fmt"
	"strings"
	"time"
)

// keys builds the etcd keys under a prefix (see the package doc).
type keys struct{ prefix string }

func (k keys) last(job string) string          { return k.prefix + "last/" + job }
func (k keys) runPrefix(job string) string     { return k.prefix + "runs/" + job + "/" }
func (k keys) allRuns() string                 { return k.prefix + "runs/" }
func (k keys) run(job, id string) string       { return k.runPrefix(job) + id }
func (k keys) activePrefix() string            { return k.prefix + "active/" }
func (k keys) active(job, id string) string    { return k.activePrefix() + job + "/" + id }
func (k keys) runningPrefix() string           { return k.prefix + "running/" }
func (k keys) runningJob(job string) string    { return k.runningPrefix() + job + "/" }
func (k keys) running(job, id string) string   { return k.runningJob(job) + id }
func (k keys) cancelPrefix() string            { return k.prefix + "cancel/" }
func (k keys) cancel(job string) string        { return k.cancelPrefix() + job }
func (k keys) memberPrefix() string            { return k.prefix + "members/" }
func (k keys) suspendedPrefix() string         { return k.prefix + "suspended/" }
func (k keys) suspended(job string) string     { return k.suspendedPrefix() + job }
func (k keys) member(node string) string       { return k.memberPrefix() + node }
func (k keys) jobOf(key, prefix string) string { return strings.TrimPrefix(key, prefix) }

// splitJobID splits "PREFIX/JOB/ID".
func (k keys) splitJobID(key, prefix string) (job, id string, ok bool) {
	return strings.Cut(strings.TrimPrefix(key, prefix), "/")
}

// stamp formats t for last/JOB and IDs: fixed width, so that byte order
// is time order.
func stamp(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

// parseStamp is the inverse of stamp; zero for "".
func parseStamp(s string) time.Time {
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
