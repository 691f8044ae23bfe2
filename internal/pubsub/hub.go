// Package pubsub delivers committed chat events to live subscriptions: a Hub
// fans events out to the Streams of this process, a Bus carries them to the
// Hub of every instance (in-process, PostgreSQL LISTEN/NOTIFY or NATS), and a
// Stream merges the live events with the stored events after a cursor into
// one gap-free, duplicate-free sequence. The database stays the source of
// truth: a Stream that sees a gap, an overflow of its queue, a bus resync or
// an event carried without its body reads the event log from where it is.
// Nothing here knows GraphQL or HTTP.
package pubsub

import (
	"context"
	"sync"

	"github.com/messenger/messenger/internal/chat"
)

// DefaultBufferSize is the number of events a stream queues when NewHub
// is given a size of zero or less.
const DefaultBufferSize = 256

// Hub is a per-user registry of the live streams of this process; it is
// safe for concurrent use and its Publish never blocks.
type Hub struct {
	bufferSize int

	mu      sync.RWMutex
	users   map[string]map[receiver]struct{}
	count   int
	onEnded []func(sessionID string)
}

// receiver is what the hub hands a user's live events to: a Stream, which
// queues them itself. Its methods are called under the hub's lock and must
// not block.
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

// NewHub returns an empty Hub whose streams queue at most bufferSize events
// each (DefaultBufferSize when bufferSize <= 0).
func NewHub(bufferSize int) *Hub {
	if bufferSize <= 0 {
		bufferSize = DefaultBufferSize
	}
	return &Hub{
		bufferSize: bufferSize,
		users:      make(map[string]map[receiver]struct{}),
	}
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

// Publish hands each event to every stream of its user without blocking (a
// stream whose queue is full turns to the event log instead). Streams share
// each event's Message and must not modify it. The end of a session is not
// delivered: the session's streams are ended and OnSessionEnded's
// functions are called.
func (h *Hub) Publish(_ context.Context, events []chat.Event) {
	type ending struct {
		userID string
		r      receiver
	}
	var endings []ending
	h.mu.RLock()
	for _, ev := range events {
		if ended, ok := ev.Payload.(chat.SessionEnded); ok {
			for r := range h.users[ev.UserID] {
				if r.session() == ended.SessionID {
					endings = append(endings, ending{ev.UserID, r})
				}
			}
			for _, f := range h.onEnded {
				f(ended.SessionID)
			}
			continue
		}
		for r := range h.users[ev.UserID] {
			r.receive(ev)
		}
	}
	h.mu.RUnlock()
	for _, e := range endings {
		h.detach(e.userID, e.r)
	}
}

// Resync turns every current stream to the database, where it catches up
// (used when a bus connection came back after an outage).
func (h *Hub) Resync() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.users {
		for r := range set {
			r.lag()
		}
	}
}

// Count returns the number of live streams.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.count
}

// Users returns the number of users with at least one live stream.
func (h *Hub) Users() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users)
}
