package daemonclient

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/soracron/soracron/scheduler/api"
	"github.com/soracron/soracron/scheduler/history"
)

// Jobs lists the daemon's jobs (GET /api/jobs).
func (c *Client) Jobs(ctx context.Context) ([]api.JobStatus, error) {
	var v struct {
		Jobs []api.JobStatus `json:"jobs"`
	}
	err := c.do(ctx, "GET", "/api/jobs", nil, &v)
	return v.Jobs, err
}

// Runs lists the newest limit runs, of job or of every job for ""
// (GET /api/runs).
func (c *Client) Runs(ctx context.Context, job string, limit int) ([]api.RunInfo, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if job != "" {
		q.Set("job", job)
	}
	var v struct {
		Runs []api.RunInfo `json:"runs"`
	}
	err := c.do(ctx, "GET", "/api/runs?"+q.Encode(), nil, &v)
	return v.Runs, err
}

// Run returns run id with its log lines (GET /api/runs/ID).
func (c *Client) Run(ctx context.Context, id int64) (*api.RunInfo, error) {
	var r api.RunInfo
	if err := c.do(ctx, "GET", "/api/runs/"+strconv.FormatInt(id, 10), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Start starts a run of job now (POST /api/jobs/JOB/run) and returns its id.
func (c *Client) Start(ctx context.Context, job string, req api.RunRequest) (int64, error) {
	var started struct {
		RunID int64 `json:"run_id"`
	}
	err := c.do(ctx, "POST", "/api/jobs/"+url.PathEscape(job)+"/run", req, &started)
	return started.RunID, err
}

// Suspension suspends or resumes job (verb "suspend" or "resume": POST
// /api/jobs/JOB/VERB) and returns its status.
func (c *Client) Suspension(ctx context.Context, job, verb string) (*api.JobStatus, error) {
	var j api.JobStatus
	if err := c.do(ctx, "POST", "/api/jobs/"+url.PathEscape(job)+"/"+verb, nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// Wait polls run id until it has ended.
func (c *Client) Wait(ctx context.Context, id int64) (*api.RunInfo, error) {
	delay := 100 * time.Millisecond
	for {
		r, err := c.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Outcome != history.OutcomeRunning {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}
