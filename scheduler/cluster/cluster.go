package cluster

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// Defaults of Options.
const (
	DefaultPrefix      = "soracron/"
	DefaultSessionTTL  = 10 * time.Second
	DefaultDialTimeout = 5 * time.Second
	DefaultRecordKeep  = 100
)

// Errors of the package; match them with errors.Is.
var (
	// ErrNoSession: the replica has no valid etcd session and starts nothing.
	ErrNoSession = errors.New("no etcd session")
	// ErrSessionLost cancels the runs of a session that was lost.
	ErrSessionLost = errors.New("etcd session lost")
	// ErrTaken: another replica (or an earlier claim) decided this tick.
	ErrTaken = errors.New("tick already claimed")
	// ErrBusy: an early claim (ClaimRequest.Early) decided nothing, as a
	// run of the job holds its running key; claim the tick when it is due.
	ErrBusy = errors.New("a run of the job is in progress: the tick is claimed when it is due")
	// ErrConflict: a manual claim of a forbid job that is running somewhere.
	ErrConflict = errors.New("job is running in the cluster and its concurrency_policy is forbid")
	// ErrReplaced cancels a run replaced by a newer claim (concurrency_policy: replace).
	ErrReplaced = errors.New("replaced by a newer run (concurrency_policy: replace)")
	// ErrClosed: the Cluster was closed.
	ErrClosed = errors.New("cluster closed")
)

// Options configure a Cluster.
type Options struct {
	// Endpoints of etcd, as URLs ("http://127.0.0.1:2379"); required.
	Endpoints []string
	// Prefix of every key; DefaultPrefix when empty. A "/" is appended
	// when missing.
	Prefix string
	// SessionTTL is the TTL of the session lease, rounded up to whole
	// seconds (etcd may raise it to its minimum, 2 s by default);
	// DefaultSessionTTL when zero.
	SessionTTL time.Duration
	// Node names this replica; the host name when empty. Two live replicas
	// cannot share a name.
	Node string
	// TLS for etcd; nil for plain connections.
	TLS *tls.Config
	// Username and Password for etcd's authentication; none when empty.
	Username, Password string
	// DialTimeout bounds the connection to etcd; DefaultDialTimeout when zero.
	DialTimeout time.Duration
	// RecordKeep is how many run records are kept per job;
	// DefaultRecordKeep when zero.
	RecordKeep int
	// Logger receives the cluster's logs; nil discards them.
	Logger *slog.Logger
	// LostPolicy says, for a run lost by a replica, whether to rerun it
	// and under which concurrency policy; ok false when the job is unknown
	// (not rerun). nil: never rerun.
	LostPolicy func(job string) (rerun bool, policy Policy, ok bool)
	// OnLost is called (in its own goroutine) for each lost run this
	// replica recorded as interrupted; Lost.Rerun is the claim of its
	// rerun, won by this replica, or nil.
	OnLost func(Lost)
	// OnSession is called (synchronously, keep it short) when the session
	// is gained (err nil) or lost (err says why).
	OnSession func(err error)
	// Deferred: Open does not start the session; Start does, with its
	// hooks (for a caller whose hooks need the Cluster first).
	Deferred bool
}

// Hooks are the callbacks of Options, given to Start.
type Hooks struct {
	LostPolicy func(job string) (rerun bool, policy Policy, ok bool)
	OnLost     func(Lost)
	OnSession  func(err error)
}

// Cluster is this replica's membership of the cluster: its etcd client,
// its session and its claims. It is safe for concurrent use.
type Cluster struct {
	opts   Options
	client *clientv3.Client
	keys   keys
	ttl    int64 // seconds
	node   string
	log    *slog.Logger
	// nodeJSON is node as a JSON string.
	nodeJSON []byte

	ctx    context.Context // Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	requests atomic.Uint64  // etcd requests sent
	txns     atomic.Uint64  // transactions sent, nested ones counted one by one
	batchQ   chan *batchReq // transactions to commit nested in shared ones
	// dead makes the replica vanish like a killed process: no revoke (tests).
	dead atomic.Bool
	seq  atomic.Uint64 // manual run ids

	mu      sync.Mutex
	term    *term // the current session, nil while there is none
	health  error // why there is no session
	claims  map[string]*Claim
	pruneAt map[string]int     // finishes per job until the next prune
	ends    map[string]*ending // Finish in flight, by job
	closed  bool
	started bool
}

// ParseURL parses the --cluster flag: "etcd://host:port[,host:port...]"
// (or etcds:// for TLS). It returns the endpoints as URLs.
func ParseURL(s string) ([]string, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return nil, fmt.Errorf("cluster: %q: want etcd://host:port[,host:port...]", s)
	}
	var web string
	switch scheme {
	case "etcd":
		web = "http"
	case "etcds":
		web = "https"
	default:
		return nil, fmt.Errorf("cluster: %q: unknown scheme %q (want etcd:// or etcds://)", s, scheme)
	}
	rest = strings.TrimSuffix(rest, "/")
	var eps []string
	for _, hp := range strings.Split(rest, ",") {
		u, err := url.Parse(web + "://" + hp)
		if err != nil || hp == "" || u.Host != hp || u.Port() == "" {
			return nil, fmt.Errorf("cluster: %q: bad endpoint %q (want host:port)", s, hp)
		}
		eps = append(eps, u.String())
	}
	return eps, nil
}

// Open connects to etcd and starts keeping a session in the background:
// Open does not wait for etcd, and until a session is established (see
// Health) claims fail with ErrNoSession. Close releases it.
func Open(opts Options) (*Cluster, error) {
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("cluster: no etcd endpoint")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.RecordKeep <= 0 {
		opts.RecordKeep = DefaultRecordKeep
	}
	if opts.Node == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("cluster: node name: %w", err)
		}
		opts.Node = h
	}
	if strings.ContainsAny(opts.Node, "/\x00") {
		return nil, fmt.Errorf("cluster: node name %q: must not contain '/'", opts.Node)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   opts.Endpoints,
		DialTimeout: opts.DialTimeout,
		TLS:         opts.TLS,
		Username:    opts.Username,
		Password:    opts.Password,
		Logger:      zap.NewNop(),
		// Keep-alive of the gRPC connection, so that a dead etcd is
		// noticed by the watches too.
		DialKeepAliveTime:    opts.SessionTTL / 2,
		DialKeepAliveTimeout: opts.SessionTTL / 2,
		// Reconnect within a second of etcd's return (gRPC's default
		// backoff grows to two minutes).
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: opts.DialTimeout,
		})},
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: etcd client: %w", err)
	}
	nodeJSON, err := json.Marshal(opts.Node)
	if err != nil {
		return nil, fmt.Errorf("cluster: node name %q: %w", opts.Node, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{nodeJSON: nodeJSON,
		opts: opts, client: cli, keys: keys{opts.Prefix},
		ttl:  int64((opts.SessionTTL + time.Second - 1) / time.Second),
		node: opts.Node, log: log.With(slog.String(keyNode, opts.Node)),
		ctx: ctx, cancel: cancel,
		health:  fmt.Errorf("%w: connecting to etcd at %s", ErrNoSession, strings.Join(opts.Endpoints, ",")),
		claims:  map[string]*Claim{},
		ends:    map[string]*ending{},
		pruneAt: map[string]int{},
		batchQ:  make(chan *batchReq, 4*claimBatch),
	}
	for range batchWorkers {
		c.wg.Add(1)
		go c.batchLoop()
	}
	if !opts.Deferred {
		c.Start(Hooks{LostPolicy: opts.LostPolicy, OnLost: opts.OnLost, OnSession: opts.OnSession})
	}
	return c, nil
}

// Start starts keeping the session, with hooks h (see Options). Call it
// once, after Open with Options.Deferred.
func (c *Cluster) Start(h Hooks) {
	c.mu.Lock()
	if c.started || c.closed {
		c.mu.Unlock()
		return
	}
	c.started = true
	c.opts.LostPolicy, c.opts.OnLost, c.opts.OnSession = h.LostPolicy, h.OnLost, h.OnSession
	c.wg.Add(1)
	c.mu.Unlock()
	go c.sessionLoop()
}

// Node returns the name of this replica.
func (c *Cluster) Node() string { return c.node }

// Prefix returns the prefix of the keys.
func (c *Cluster) Prefix() string { return c.opts.Prefix }

// TTL returns the session TTL in effect (whole seconds).
func (c *Cluster) TTL() time.Duration { return time.Duration(c.ttl) * time.Second }

// Requests returns how many requests this replica sent to etcd (claims,
// records, sweeps; not the client's keep-alives and watches).
func (c *Cluster) Requests() uint64 { return c.requests.Load() }

// Transactions returns how many etcd transactions and reads this replica
// sent, counting each transaction nested in a batch (ClaimMany, the ends
// of runs) as one: the work etcd does, where Requests counts round trips.
func (c *Cluster) Transactions() uint64 { return c.txns.Load() }

// Health returns nil while the replica holds a valid session, otherwise
// an error matching ErrNoSession that says why (for /healthz).
func (c *Cluster) Health() error {
	_, err := c.liveTerm()
	return err
}

// Done returns a channel closed when the current session is lost (a
// closed channel when there is none).
func (c *Cluster) Done() <-chan struct{} {
	c.mu.Lock()
	t := c.term
	c.mu.Unlock()
	if t == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return t.ctx.Done()
}

// WaitSession waits until the replica holds a session or ctx is done.
func (c *Cluster) WaitSession(ctx context.Context) error {
	for {
		if err := c.Health(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", c.Health(), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close cancels the runs still claimed (ErrSessionLost), revokes the
// session (so that the other replicas see at once that this one left) and
// closes the connection.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return c.client.Close()
}

// Client returns the etcd client (for tests and tools).
func (c *Cluster) Client() *clientv3.Client { return c.client }

// reqCtx bounds one etcd request: a third of the TTL, so that a request
// never outlives the session it relies on.
func (c *Cluster) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, max(c.TTL()/3, 500*time.Millisecond))
}

// txn sends one transaction.
func (c *Cluster) txn(ctx context.Context, cmps []clientv3.Cmp, then, els []clientv3.Op) (*clientv3.TxnResponse, error) {
	ctx, cancel := c.reqCtx(ctx)
	defer cancel()
	c.requests.Add(1)
	n := uint64(0)
	if len(cmps) == 0 {
		for _, op := range then {
			if op.IsTxn() {
				n++
			}
		}
	}
	c.txns.Add(max(n, 1))
	return c.client.Txn(ctx).If(cmps...).Then(then...).Else(els...).Commit()
}

// get sends one range request.
func (c *Cluster) get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	ctx, cancel := c.reqCtx(ctx)
	defer cancel()
	c.requests.Add(1)
	c.txns.Add(1)
	return c.client.Get(ctx, key, opts...)
}

// Log keys.
const (
	keyNode  = "node"
	keyJob   = "job"
	keyRun   = "run"
	keyError = "error"
	keyTTL   = "ttl"
	keyLost  = "lost_node"
)
