package emulator

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/soracron/soracron/emulator/webhook"
)

// shardCount is the number of channel shards; a power of two.
const shardCount = 64

// Roles a connection may have.
const (
	RoleSendRecv = "sendrecv"
	RoleSendOnly = "sendonly"
	RoleRecvOnly = "recvonly"
)

// ErrConnectionExists is returned when a connection id is already connected
// in the channel.
var ErrConnectionExists = errors.New("connection already exists")

// errInvalid marks invalid input to AddConnection and friends.
var errInvalid = errors.New("invalid connection")

// Connection is one connection of a channel with its metadata.
type Connection struct {
	// ChannelID is the channel the connection is in.
	ChannelID string `json:"channel_id"`
	// ConnectionID is 26 characters of upper-case Crockford base32.
	ConnectionID string `json:"connection_id"`
	// ClientID defaults to ConnectionID.
	ClientID string `json:"client_id"`
	// BundleID defaults to ConnectionID.
	BundleID string `json:"bundle_id"`
	// Role is sendrecv (default), sendonly or recvonly.
	Role string `json:"role"`
	// CreatedTime is when the connection was added.
	CreatedTime time.Time `json:"created_time"`
	// Metadata is the signaling notify metadata: Go JSON values (json.Number
	// for numbers, nil for null, []any, map[string]any).
	Metadata map[string]any `json:"metadata"`
}

// ChannelInfo summarises one channel.
type ChannelInfo struct {
	// ChannelID names the channel.
	ChannelID string `json:"channel_id"`
	// Connections is the number of connections in it.
	Connections int `json:"connections"`
}

type shard struct {
	mu       sync.RWMutex
	channels map[string]*channel
}

// channel is guarded by its shard's mutex.
type channel struct {
	conns     map[string]*conn
	ids       []string // sorted connection ids; replaced on change, never modified
	sessionID string   // made when the channel's first connection arrives
}

// conn is one connection; its identity is immutable, its metadata is guarded
// by mu.
type conn struct {
	channelID, id, clientID, bundleID, role string
	sessionID                               string // set by addConns before the conn is visible
	created                                 time.Time

	mu      sync.Mutex
	md      mdList
	enc     []byte // md encoded; replaced on every write, never modified
	removed bool
}

func (c *conn) markRemoved() {
	c.mu.Lock()
	c.removed = true
	c.mu.Unlock()
}

// snapshot returns the connection as a Connection with a deep copy of its
// metadata.
func (c *conn) snapshot() Connection {
	c.mu.Lock()
	enc := c.enc
	c.mu.Unlock()
	return Connection{
		ChannelID: c.channelID, ConnectionID: c.id, ClientID: c.clientID, BundleID: c.bundleID,
		Role: c.role, CreatedTime: c.created, Metadata: decodeObject(enc),
	}
}

// shard returns the shard of channelID (FNV-1a).
func (e *Emulator) shard(channelID string) *shard {
	h := uint32(2166136261)
	for i := 0; i < len(channelID); i++ {
		h ^= uint32(channelID[i])
		h *= 16777619
	}
	return &e.shards[h&(shardCount-1)]
}

// lookup returns the connection and the channel's sorted connection ids.
func (e *Emulator) lookup(channelID, connectionID string) (*conn, []string) {
	s := e.shard(channelID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil, nil
	}
	return ch.conns[connectionID], ch.ids
}

// channelConns returns the connections of a channel ordered by id.
func (e *Emulator) channelConns(channelID string) []*conn {
	s := e.shard(channelID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	out := make([]*conn, len(ch.ids))
	for i, id := range ch.ids {
		out[i] = ch.conns[id]
	}
	return out
}

// recipients returns the sorted connection ids of a channel.
func (e *Emulator) recipients(channelID string) []string {
	s := e.shard(channelID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if ch := s.channels[channelID]; ch != nil {
		return ch.ids
	}
	return nil
}

// AddConnection adds c to its channel and returns it as stored. Empty
// ConnectionID is generated; empty ClientID and BundleID default to the
// connection id; empty Role is sendrecv; zero CreatedTime is now. The
// metadata is copied.
func (e *Emulator) AddConnection(c Connection) (Connection, error) {
	nc, err := e.newConn(c)
	if err != nil {
		return Connection{}, err
	}
	if err := e.addConns(c.ChannelID, []*conn{nc}); err != nil {
		return Connection{}, err
	}
	return nc.snapshot(), nil
}

// newConn validates c and builds a conn (the id is generated when empty).
func (e *Emulator) newConn(c Connection) (*conn, error) {
	if c.ChannelID == "" {
		return nil, fmt.Errorf("%w: channel_id is empty", errInvalid)
	}
	if c.ConnectionID != "" {
		if e.anyID {
			if !printableID(c.ConnectionID) {
				return nil, fmt.Errorf("%w: connection_id %q must be 1 to 128 printable characters without spaces", errInvalid, c.ConnectionID)
			}
		} else if !ValidID(c.ConnectionID) {
			return nil, fmt.Errorf("%w: connection_id %q is not 26 characters of upper-case Crockford base32", errInvalid, c.ConnectionID)
		}
	}
	switch c.Role {
	case "":
		c.Role = RoleSendRecv
	case RoleSendRecv, RoleSendOnly, RoleRecvOnly:
	default:
		return nil, fmt.Errorf("%w: role %q: want sendrecv, sendonly or recvonly", errInvalid, c.Role)
	}
	md, err := metadataFromGo(c.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalid, err)
	}
	if c.ConnectionID == "" {
		c.ConnectionID = e.NewID()
	}
	if c.ClientID == "" {
		c.ClientID = c.ConnectionID
	}
	if c.BundleID == "" {
		c.BundleID = c.ConnectionID
	}
	if c.CreatedTime.IsZero() {
		c.CreatedTime = e.now().UTC()
	}
	return &conn{
		channelID: c.ChannelID, id: c.ConnectionID, clientID: c.ClientID, bundleID: c.BundleID,
		role: c.Role, created: c.CreatedTime, md: md, enc: md.encode(),
	}, nil
}

// addConns adds conns to a channel, all or none.
func (e *Emulator) addConns(channelID string, conns []*conn) error {
	s := e.shard(channelID)
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		ch = &channel{conns: make(map[string]*conn, len(conns)), sessionID: e.newSessionID()}
	}
	batch := make(map[string]bool, len(conns))
	for _, c := range conns {
		if ch.conns[c.id] != nil || batch[c.id] {
			return fmt.Errorf("channel %q connection %q: %w", channelID, c.id, ErrConnectionExists)
		}
		batch[c.id] = true
	}
	ids := make([]string, len(ch.ids), len(ch.ids)+len(conns))
	copy(ids, ch.ids)
	for _, c := range conns {
		c.sessionID = ch.sessionID
		ch.conns[c.id] = c
		ids = append(ids, c.id)
		e.event(webhook.ConnectionCreated, c)
	}
	slices.Sort(ids)
	ch.ids = ids
	s.channels[channelID] = ch
	return nil
}

// RemoveConnection disconnects a connection and reports whether it existed.
// Its metadata goes with it.
func (e *Emulator) RemoveConnection(channelID, connectionID string) bool {
	return len(e.removeIDs(channelID, func(ch *channel) []*conn {
		if c := ch.conns[connectionID]; c != nil {
			return []*conn{c}
		}
		return nil
	})) > 0
}

// removeWhere disconnects the connections of a channel that match keep
// (every one when keep is nil) and returns them, ordered by id.
func (e *Emulator) removeWhere(channelID string, keep func(*conn) bool) []*conn {
	return e.removeIDs(channelID, func(ch *channel) []*conn {
		var out []*conn
		for _, id := range ch.ids {
			if c := ch.conns[id]; keep == nil || keep(c) {
				out = append(out, c)
			}
		}
		return out
	})
}

// removeIDs removes the connections pick chooses, under the shard lock.
func (e *Emulator) removeIDs(channelID string, pick func(*channel) []*conn) []*conn {
	s := e.shard(channelID)
	s.mu.Lock()
	ch := s.channels[channelID]
	var gone []*conn
	if ch != nil {
		gone = pick(ch)
	}
	if len(gone) == 0 {
		s.mu.Unlock()
		return nil
	}
	for _, c := range gone {
		delete(ch.conns, c.id)
		e.event(webhook.ConnectionDestroyed, c)
	}
	if len(ch.conns) == 0 {
		delete(s.channels, channelID)
	} else {
		ids := make([]string, 0, len(ch.conns))
		for _, id := range ch.ids {
			if ch.conns[id] != nil {
				ids = append(ids, id)
			}
		}
		ch.ids = ids
	}
	s.mu.Unlock()
	for _, c := range gone {
		c.markRemoved()
	}
	return gone
}

// Generate adds n connections with generated ids, default client and bundle
// ids, role sendrecv and empty metadata to channelID, and returns their ids.
// It returns nil when channelID is empty or n < 1.
func (e *Emulator) Generate(channelID string, n int) []string {
	if channelID == "" || n < 1 {
		return nil
	}
	for {
		conns := make([]*conn, n)
		ids := make([]string, n)
		for i := range conns {
			c, err := e.newConn(Connection{ChannelID: channelID})
			if err != nil { // cannot happen: every field is valid
				panic(err)
			}
			conns[i], ids[i] = c, c.id
		}
		// A collision of 130 random bits is next to impossible; retry if so.
		if e.addConns(channelID, conns) == nil {
			return ids
		}
	}
}

// Metadata returns a deep copy of a connection's metadata.
func (e *Emulator) Metadata(channelID, connectionID string) (map[string]any, bool) {
	c, _ := e.lookup(channelID, connectionID)
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	enc := c.enc
	c.mu.Unlock()
	return decodeObject(enc), true
}

// Connections returns deep copies of the connections of channelID sorted by
// connection id, or of every channel (sorted by channel, then connection id)
// when channelID is empty.
func (e *Emulator) Connections(channelID string) []Connection {
	channels := []string{channelID}
	if channelID == "" {
		channels = channels[:0]
		for _, ci := range e.Channels() {
			channels = append(channels, ci.ChannelID)
		}
	}
	out := []Connection{}
	for _, ch := range channels {
		for _, c := range e.channelConns(ch) {
			out = append(out, c.snapshot())
		}
	}
	return out
}

// Channels returns the channels that have connections, sorted by id.
func (e *Emulator) Channels() []ChannelInfo {
	var out []ChannelInfo
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.RLock()
		for id, ch := range s.channels {
			out = append(out, ChannelInfo{ChannelID: id, Connections: len(ch.conns)})
		}
		s.mu.RUnlock()
	}
	slices.SortFunc(out, func(a, b ChannelInfo) int { return strings.Compare(a.ChannelID, b.ChannelID) })
	return out
}

// crockford is the Crockford base32 alphabet Sora's connection ids use.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new connection id: 26 characters of upper-case Crockford
// base32, deterministic when Options.Seed is set.
func (e *Emulator) NewID() string { return e.newID(e.rng) }

// newSessionID returns a new session id, of the same form as connection ids.
func (e *Emulator) newSessionID() string { return e.newID(e.sessRng) }

func (e *Emulator) newID(rng *rand.Rand) string {
	var b [26]byte
	if rng != nil {
		e.rngMu.Lock()
		for i := range b {
			b[i] = crockford[rng.IntN(32)]
		}
		e.rngMu.Unlock()
		return string(b[:])
	}
	_, _ = crand.Read(b[:]) // never fails (Go 1.24+)
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b[:])
}

// ValidID reports whether s has the form of a Sora connection id: 26
// characters of upper-case Crockford base32.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, s[i]) < 0 {
			return false
		}
	}
	return true
}

// printableID reports whether s is a usable free-form connection id.
func printableID(s string) bool {
	if s == "" || len(s) > 128 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
