package cli

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/soracron/soracron/jobs"
	"github.com/soracron/soracron/scheduler/cluster"
)

// openCluster opens the cluster membership of serve: --cluster (which
// overrides cluster.endpoints) or the cluster section of jobs.yaml. It
// returns nil in single-node mode. The session starts with the scheduler.
func openCluster(f *serveFlags, cfg *jobs.Config, logger *slog.Logger) (*cluster.Cluster, error) {
	cc := cfg.Cluster
	if f.cluster == "" && (cc == nil || len(cc.Endpoints) == 0) {
		if f.node != "" {
			return nil, usageErr(fmt.Errorf("--node needs cluster mode (--cluster or cluster.endpoints)"))
		}
		return nil, nil
	}
	if cc == nil {
		cc = &jobs.ClusterConfig{Prefix: jobs.DefaultClusterPrefix, SessionTTL: jobs.DefaultClusterSessionTTL}
	}
	endpoints := cc.Endpoints
	if f.cluster != "" {
		eps, err := cluster.ParseURL(f.cluster)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--cluster: %w", err))
		}
		endpoints = eps
	}
	node := cc.Node
	if f.node != "" {
		node = f.node
	}
	opts := cluster.Options{
		Endpoints: endpoints, Prefix: cc.Prefix, SessionTTL: cc.SessionTTL, Node: node,
		Username: cc.Username, Password: cc.Password, Logger: logger, Deferred: true,
	}
	tlsWanted := cc.CAFile != "" || cc.CertFile != ""
	for _, ep := range endpoints {
		tlsWanted = tlsWanted || strings.HasPrefix(ep, "https://")
	}
	if tlsWanted {
		tc, err := cluster.TLSConfig(cc.CAFile, cc.CertFile, cc.KeyFile)
		if err != nil {
			return nil, usageErr(err)
		}
		opts.TLS = tc
	}
	// A request to Sora must not outlive the session that allowed it.
	if limit := clusterSoraLimit(cfg); cfg.Sora.Timeout > limit {
		logger.Warn("sora.timeout is not shorter than half the cluster session TTL; lowering it",
			slog.Duration("sora_timeout", cfg.Sora.Timeout), slog.Duration("session_ttl", cc.SessionTTL),
			slog.Duration("timeout", limit))
		cfg.Sora.Timeout = limit
	}
	c, err := cluster.Open(opts)
	if err != nil {
		return nil, usageErr(err)
	}
	logger.Info("cluster mode", slog.String("node", c.Node()), slog.String("etcd", strings.Join(endpoints, ",")),
		slog.String("prefix", c.Prefix()), slog.Duration("session_ttl", c.TTL()))
	return c, nil
}

// clusterSoraLimit is the longest sora.timeout of cluster mode: half the
// session TTL.
func clusterSoraLimit(cfg *jobs.Config) time.Duration {
	if cfg.Cluster != nil && cfg.Cluster.SessionTTL > 0 {
		return cfg.Cluster.SessionTTL / 2
	}
	return jobs.DefaultClusterSessionTTL / 2
}

// clusterCloseTimeout bounds the revocation of the session at exit.
const clusterCloseTimeout = 5 * time.Second

// closeCluster leaves the cluster: the session is revoked, so the other
// replicas see at once that this one is gone.
func closeCluster(c *cluster.Cluster, logger *slog.Logger) {
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			logger.Warn("leaving the cluster", slog.Any("error", err))
		}
	case <-time.After(clusterCloseTimeout):
		logger.Warn("leaving the cluster took too long; the session expires by itself")
	}
}
