package pubsub

// A channel subscription to the hub, for the tests that read the live events
// themselves (the buses' tests): production code reads through a Stream.

import (
	"sync"

	"github.com/messenger/messenger/internal/chat"
)

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
