package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"
)

// Event runs. Sora may deliver one event to several replicas (a load
// balancer, a retry after a timeout reaching another replica). Each
// replica that receives it claims the run of each matching job under an
// ID derived from the event's identity, so that the deliveries of one
// event make one run in the cluster: the claim is the create-if-absent of
// runs/JOB/ID, like a tick's.

// EventIdentity identifies one event of Sora's event webhook across its
// deliveries.
type EventIdentity struct {
	// Key is what the deliveries of the event share: its type, channel,
	// connection and id (or timestamp). Empty when the event carries
	// neither id nor timestamp: each delivery is then a run of its own.
	Key string
	// At is the event's time (its timestamp field); it orders the run's
	// record among the job's records. Zero when unknown: the record then
	// sorts as the oldest, and is the first pruned.
	At time.Time
}

// eventRunID is the ID of the run of the event ev, the same on every
// replica: "<unix nanoseconds of At>-e-<hash of Key>".
func eventRunID(ev EventIdentity) string {
	at := ev.At
	if at.Before(time.Unix(0, 0)) || at.After(time.Unix(0, math.MaxInt64)) {
		at = time.Unix(0, 0) // unknown, or not representable in a stamp
	}
	sum := sha256.Sum256([]byte(ev.Key))
	return stamp(at) + "-e-" + hex.EncodeToString(sum[:10])
}

// ClaimEvent claims the run of job for the event ev under the job's
// concurrency policy, in one transaction like Claim: it returns the claim
// won by this replica (State StateRunning: run it, StateSkipped: forbid and
// the job runs elsewhere, recorded skipped), ErrTaken when another replica
// (or this one) claimed this event for job already, or an error matching
// ErrNoSession or an etcd error (start nothing). An event without Key
// gets a unique ID, as a manual run does.
func (c *Cluster) ClaimEvent(ctx context.Context, job string, policy Policy, ev EventIdentity) (*Claim, error) {
	req := ClaimRequest{Job: job, Trigger: TriggerEvent, Policy: policy}
	if ev.Key != "" {
		req.id = eventRunID(ev)
	} else {
		req.id = fmt.Sprintf("%s-e-%s-%d", stamp(time.Now()), c.node, c.seq.Add(1))
	}
	return c.Claim(ctx, req)
}
