package api

import (
	"net/http"
	"time"

	"github.com/soracron/soracron/scheduler/cluster"
)

// ClusterRunInfo is a run record of the cluster, as GET /api/runs shows it
// in cluster mode.
type ClusterRunInfo struct {
	Job             string     `json:"job"`              // the job's name
	ID              string     `json:"id"`               // the run's id in the cluster
	Trigger         string     `json:"trigger"`          // schedule, manual or event
	Outcome         string     `json:"outcome"`          // running, ok, failed, ..., skipped, missed, interrupted
	Scheduled       *time.Time `json:"scheduled"`        // null for manual runs
	Start           *time.Time `json:"start"`            // when it was claimed
	End             *time.Time `json:"end"`              // null while running
	DurationSeconds *float64   `json:"duration_seconds"` // null while running
	Error           string     `json:"error,omitempty"`  // why it failed, was skipped or missed
	Calls           int        `json:"calls"`            // Sora API calls made
	Writes          int        `json:"writes"`           // writes made
	Node            string     `json:"node"`             // the node that ran it: its logs are in that node's history
	RunID           int64      `json:"run_id,omitempty"` // the run's id in that node's history (GET /api/runs/{run_id} there)
	Rerun           string     `json:"rerun,omitempty"`  // the id of the lost run this one reruns
}

func (a *api) clusterRuns(w http.ResponseWriter, r *http.Request, cl *cluster.Cluster, job string, limit int) {
	recs, err := cl.Runs(r.Context(), job, limit)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	out := make([]ClusterRunInfo, len(recs))
	for i, rec := range recs {
		out[i] = ClusterRunInfo{Job: rec.Job, ID: rec.ID, Trigger: rec.Trigger, Outcome: rec.State,
			Scheduled: timePtr(rec.Scheduled), Start: timePtr(rec.Start), End: timePtr(rec.End), Error: rec.Error,
			Calls: rec.Calls, Writes: rec.Writes, Node: rec.Node, RunID: rec.RunID, Rerun: rec.Rerun}
		if !rec.Start.IsZero() && !rec.End.IsZero() {
			d := rec.End.Sub(rec.Start).Seconds()
			out[i].DurationSeconds = &d
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (a *api) cluster(w http.ResponseWriter, r *http.Request) {
	cl := a.s.Cluster()
	if cl == nil {
		writeError(w, http.StatusNotFound, "not in cluster mode (start serve with --cluster)")
		return
	}
	self := map[string]any{"node": cl.Node(), "healthy": true, "session_ttl_seconds": cl.TTL().Seconds(),
		"prefix": cl.Prefix()}
	if err := cl.Health(); err != nil {
		self["healthy"], self["reason"] = false, err.Error()
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"self": self, "members": []cluster.Member{}})
		return
	}
	members, err := cl.Members(r.Context())
	if err != nil {
		self["healthy"], self["reason"] = false, err.Error()
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"self": self, "members": []cluster.Member{}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"self": self, "members": members})
}
