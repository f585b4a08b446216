package suspension

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Store keeps the suspensions of a single node; *history.Store is the
// real one.
type Store interface {
	Suspend(ctx context.Context, job string, at time.Time) error
	Resume(ctx context.Context, job string) error
	Suspended(ctx context.Context) (map[string]time.Time, error)
}

// Cluster keeps the suspensions of a cluster's replicas; *cluster.Cluster
// is the real one. Suspend returns since when the job is suspended (the
// time of its first suspension).
type Cluster interface {
	Suspend(ctx context.Context, job string, at time.Time) (time.Time, error)
	Resume(ctx context.Context, job string) error
	WatchSuspensions(ctx context.Context, fn func(map[string]time.Time))
}

// Hooks connect a Keeper to the daemon. All are required.
type Hooks struct {
	// Now is the daemon's clock: the time of a new suspension.
	Now func() time.Time
	// Apply sets the suspension of job in the daemon's memory: on since
	// since, or off. via says where the change came from: "" for this
	// daemon's own Set, "etcd" for Follow.
	Apply func(job string, on bool, since time.Time, via string)
	// Suspended returns the jobs suspended in the daemon's memory.
	Suspended func() []string
}

// Keeper stores the suspensions and hands their changes to the daemon.
type Keeper struct {
	store Store
	cl    Cluster // nil: single node
	hooks Hooks
	mu    sync.Mutex  // orders the changes: the daemon's memory follows the store
	known atomic.Bool // cluster mode: etcd's suspensions were read
}

// New returns a Keeper of a single node (cl nil) or of a cluster's
// replica.
func New(store Store, cl Cluster, h Hooks) *Keeper {
	return &Keeper{store: store, cl: cl, hooks: h}
}

// Set suspends (on) or resumes job in the store, then in the daemon's
// memory. Suspending a suspended job or resuming one that is not does
// nothing more.
func (k *Keeper) Set(ctx context.Context, job string, on bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	since := k.hooks.Now()
	var err error
	switch {
	case k.cl != nil && on:
		since, err = k.cl.Suspend(ctx, job, since)
	case k.cl != nil:
		err = k.cl.Resume(ctx, job)
	case on:
		err = k.store.Suspend(ctx, job, since)
	default:
		err = k.store.Resume(ctx, job)
	}
	if err != nil {
		return err
	}
	k.hooks.Apply(job, on, since, "")
	return nil
}

// Load reads the suspensions the daemon starts with: those of the store
// (single node), or none in cluster mode, where they come from etcd
// (Follow); ignored then names the jobs the store holds suspended, sorted.
func (k *Keeper) Load(ctx context.Context) (m map[string]time.Time, ignored []string, err error) {
	m, err = k.store.Suspended(ctx)
	if err != nil || k.cl == nil {
		return m, nil, err
	}
	return map[string]time.Time{}, slices.Sorted(maps.Keys(m)), nil
}

// Follow follows the suspensions of the cluster until ctx is done
// (cluster mode only): each change of etcd's is applied, then read is
// called with the number of suspended jobs and whether they were read for
// the first time (see Known).
func (k *Keeper) Follow(ctx context.Context, read func(n int, first bool)) {
	k.cl.WatchSuspensions(ctx, func(m map[string]time.Time) {
		k.mu.Lock()
		for _, job := range k.hooks.Suspended() {
			if _, ok := m[job]; !ok {
				k.hooks.Apply(job, false, time.Time{}, "etcd")
			}
		}
		for job, since := range m {
			k.hooks.Apply(job, true, since, "etcd")
		}
		k.mu.Unlock()
		read(len(m), k.known.CompareAndSwap(false, true))
	})
}

// Known reports whether the suspensions of etcd were read (cluster mode):
// until then, a replica claims no tick.
func (k *Keeper) Known() bool { return k.known.Load() }
