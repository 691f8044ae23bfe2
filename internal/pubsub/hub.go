// Package pubsub delivers committed chat events to live subscriptions: a Hub
// fans events out to the subscriptions of this process, a Bus carries them
// to the Hub of every instance (in-process, PostgreSQL LISTEN/NOTIFY or
// NATS), and a Stream merges a subscription with the stored events after a
// cursor into one gap-free, duplicate-free sequence. The database stays the
// source of truth: a subscription that misses events is told so through its
// Lagged channel, and its Stream catches up from there. Nothing here knows
// GraphQL or HTTP.
package pubsub

import (
	"context"
	"sync"

	"github.com/messenger/messenger/internal/chat"
)

// DefaultBufferSize is the number of events a subscription buffers when NewHub
// is given a size of zero or less.
const DefaultBufferSize = 256

// Hub is a per-user registry of the live subscriptions of this process; it is
// safe for concurrent use and its Publish never blocks.
type Hub struct {
	bufferSize int

	mu      sync.RWMutex
	users   map[string]map[receiver]struct{}
	count   int
	onEnded []func(sessionID string)
}

// receiver is what the hub hands a user's live events to: a Subscription
// (a buffered channel) or a Stream (which queues them itself). Its methods
// are called under the hub's lock and must not block.
type receiver interface {
	// receive takes one live event.
	receive(ev chat.Event)
	// lag says that events may have been missed.
	lag()
	// detached says that the hub no longer sends to the receiver.
	detached()
	// session is the session the receiver was opened in ("" for none).
	session() string
}

// NewHub returns an empty Hub whose subscriptions buffer, and whose streams
// queue, at most bufferSize events each (DefaultBufferSize when
// bufferSize <= 0).
func NewHub(bufferSize int) *Hub {
	if bufferSize <= 0 {
		bufferSize = DefaultBufferSize
	}
	return &Hub{
		bufferSize: bufferSize,
		users:      make(map[string]map[receiver]struct{}),
	}
}

// Subscribe registers a new subscription (one per device or stream) that
// receives, from now on, every event published for userID; the caller must
// Close it.
func (h *Hub) Subscribe(userID string) *Subscription {
	return h.SubscribeSession(userID, "")
}

// SubscribeSession is Subscribe for a stream opened in sessionID: the hub
// closes the subscription when that session ends.
func (h *Hub) SubscribeSession(userID, sessionID string) *Subscription {
	s := &Subscription{
		hub:       h,
		userID:    userID,
		sessionID: sessionID,
		events:    make(chan chat.Event, h.bufferSize),
		lagged:    make(chan struct{}, 1),
	}
	h.attach(userID, s)
	return s
}

// attach registers r for userID's live events.
func (h *Hub) attach(userID string, r receiver) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[userID]
	if set == nil {
		set = make(map[receiver]struct{})
		h.users[userID] = set
	}
	set[r] = struct{}{}
	h.count++
}

// detach unregisters r (if it still is) and tells it so under the write
// lock, so that no Publish reaches it afterwards.
func (h *Hub) detach(userID string, r receiver) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[userID]
	if _, ok := set[r]; !ok {
		return
	}
	delete(set, r)
	if len(set) == 0 {
		delete(h.users, userID)
	}
	h.count--
	r.detached()
}

// OnSessionEnded registers f to be called with the id of every session whose
// end is published; call it before the hub is in use.
func (h *Hub) OnSessionEnded(f func(sessionID string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onEnded = append(h.onEnded, f)
}

// Publish delivers each event to every subscription of event.UserID without
// blocking: a subscription whose buffer is full loses the event and is marked
// lagged instead. Subscribers share each event's Message and must not modify
// it. The end of a session is not delivered: the session's subscriptions are
// closed and OnSessionEnded's functions are called.
func (h *Hub) Publish(_ context.Context, events []chat.Event) {
	type ending struct {
		userID string
		r      receiver
	}
	var ended []ending
	h.mu.RLock()
	for _, ev := range events {
		if ev.Kind == chat.EventKindSessionEnded {
			for r := range h.users[ev.UserID] {
				if r.session() == ev.SessionID {
					ended = append(ended, ending{ev.UserID, r})
				}
			}
			for _, f := range h.onEnded {
				f(ev.SessionID)
			}
			continue
		}
		for r := range h.users[ev.UserID] {
			r.receive(ev)
		}
	}
	h.mu.RUnlock()
	for _, e := range ended {
		h.detach(e.userID, e.r)
	}
}

// Resync marks every current subscription as lagged, so that each catches up
// from the database (used when a bus connection came back after an outage).
func (h *Hub) Resync() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.users {
		for r := range set {
			r.lag()
		}
	}
}

// Count returns the number of live subscriptions.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.count
}

// Users returns the number of users with at least one live subscription.
func (h *Hub) Users() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users)
}

// Subscription is a buffered channel of a user's live events, created by
// Hub.Subscribe and released by Close, for a reader that follows the live
// events itself (a Stream needs none: it queues them without a reader).
type Subscription struct {
	hub       *Hub
	userID    string
	sessionID string
	events    chan chat.Event
	lagged    chan struct{}
	closeOnce sync.Once
}

// UserID returns the user whose events this subscription receives.
func (s *Subscription) UserID() string { return s.userID }

// Events returns the channel of live events, in publish order; it is closed by
// Close.
func (s *Subscription) Events() <-chan chat.Event { return s.events }

// Lagged returns a channel that receives a value when events may have been
// missed (buffer overflow or bus reconnect): the owner must then catch up from
// the database; it is never closed.
func (s *Subscription) Lagged() <-chan struct{} { return s.lagged }

// Close unregisters the subscription and closes its Events channel; it is
// idempotent and safe to call concurrently with Publish.
func (s *Subscription) Close() {
	s.closeOnce.Do(func() { s.hub.detach(s.userID, s) })
}

func (s *Subscription) receive(ev chat.Event) {
	select {
	case s.events <- ev:
	default:
		s.lag()
	}
}

// lag signals the owner without blocking; one pending signal suffices.
func (s *Subscription) lag() {
	select {
	case s.lagged <- struct{}{}:
	default:
	}
}

func (s *Subscription) detached()       { close(s.events) }
func (s *Subscription) session() string { return s.sessionID }
