package fanout

import (
	"sync"
	"sync/atomic"
)

// Hub sends values of type T to its subscribers. The zero value has no
// subscriber and is ready for use.
type Hub[T any] struct {
	n    atomic.Int32 // subscribers, read without the lock on the hot path
	mu   sync.Mutex
	subs map[*Subscription[T]]struct{}
}

// Subscription receives the values sent to a Hub on C until Close.
type Subscription[T any] struct {
	// C receives the values. Values are dropped (Dropped counts them)
	// when the subscriber lags behind by more than its buffer.
	C       <-chan T
	c       chan T
	dropped atomic.Int64
	h       *Hub[T]
	once    sync.Once
}

// Dropped returns how many values the subscriber lost by lagging behind.
func (sub *Subscription[T]) Dropped() int64 { return sub.dropped.Load() }

// Close ends the subscription; C is not closed.
func (sub *Subscription[T]) Close() {
	sub.once.Do(func() {
		sub.h.mu.Lock()
		delete(sub.h.subs, sub)
		sub.h.n.Add(-1)
		sub.h.mu.Unlock()
	})
}

// Subscribe returns a subscription whose channel buffers buffer values.
func (h *Hub[T]) Subscribe(buffer int) *Subscription[T] {
	c := make(chan T, buffer)
	sub := &Subscription[T]{C: c, c: c, h: h}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*Subscription[T]]struct{}{}
	}
	h.subs[sub] = struct{}{}
	h.n.Add(1)
	h.mu.Unlock()
	return sub
}

// Publish sends v to every subscriber, dropping it for those that lag.
func (h *Hub[T]) Publish(v T) {
	if h.n.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.c <- v:
		default:
			sub.dropped.Add(1)
		}
	}
}

// Listening reports whether anyone subscribed (to skip building values).
func (h *Hub[T]) Listening() bool { return h.n.Load() > 0 }
