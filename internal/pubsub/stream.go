package pubsub

import (
	"context"
	"fmt"
	"sync"

	"github.com/messenger/messenger/internal/chat"
)

// ReplayBatch is how many stored events one catch-up read asks for.
const ReplayBatch = 200

// EventLog is the stored side of a user's event stream: the database, which
// holds every committed event and is the source of truth for catch-up.
type EventLog interface {
	// EventsAfter returns up to limit of userID's events with seq greater
	// than after, in ascending seq, each with its message.
	EventsAfter(ctx context.Context, userID string, after int64, limit int) ([]chat.Event, error)
}

// StreamSpec says whose events a Stream delivers, from where, and in what
// form.
type StreamSpec[T any] struct {
	UserID    string
	SessionID string // the stream ends when this session does ("" for none)
	After     int64  // the seq after which delivery starts
	// Filter, when not nil, keeps only the events it accepts (the others
	// still move the stream past them).
	Filter func(chat.Event) bool
	// Last, when not nil, ends the stream after the event it accepts
	// (delivered first if Filter keeps it): its channel is closed, as when
	// the subscription is complete.
	Last func(chat.Event) bool
	// Value turns an event, with its Message, into what the channel carries.
	Value func(chat.Event) T
	// Failed, when not nil, is told why the stream ended when the event log
	// failed (the subscriber should then be cut, so that it resumes from its
	// cursor); the channel is closed right after.
	Failed func(error)
}

// Stream is one subscriber's gap-free view of a user's event stream: the
// stored events after a cursor, then the live events of the hub, each
// delivered once and in seq order. Live events that arrive out of order
// (some dropped on the way, more than the hub's buffer size waiting, or a
// bus resync) are read back from the EventLog, and events already delivered
// are dropped.
//
// A Stream holds no goroutine while it waits: the hub's Publish queues a
// live event (a queue that starts empty and grows to the hub's buffer size),
// and a goroutine runs only while there is something to deliver or to read
// back, and exits when the subscriber has taken it all.
type Stream[T any] struct {
	hub  *Hub
	log  EventLog
	ctx  context.Context
	spec StreamSpec[T]
	out  chan T

	mu      sync.Mutex
	handled int64        // seq of the last event delivered or filtered out
	queued  int64        // seq of the last event handled or queued
	queue   []chat.Event // live events after handled, in seq order
	catchUp bool         // read the log after handled before anything else
	seen    int64        // highest live seq that arrived while catching up
	pumping bool         // the goroutine that delivers is running
	ended   bool         // no longer attached to the hub; out is closed once pumping stops
}

// OpenStream opens a Stream for spec and returns its channel, which is
// closed when ctx ends, the hub ends the stream (its session ended), the
// event log fails, or after spec's Last event. The stream is attached to the hub before its replay
// starts, so that nothing committed in between is lost.
func OpenStream[T any](ctx context.Context, hub *Hub, log EventLog, spec StreamSpec[T]) <-chan T {
	s := &Stream[T]{hub: hub, log: log, ctx: ctx, spec: spec, out: make(chan T),
		handled: spec.After, queued: spec.After, catchUp: true}
	hub.attach(spec.UserID, s)
	s.mu.Lock()
	s.pump()
	s.mu.Unlock()
	context.AfterFunc(ctx, s.stop)
	return s.out
}

// receive queues a live event, or turns the stream to the event log when
// the event is not the next one, came without its data, or the queue is
// full. An ephemeral event (no seq) is queued as it comes, without moving
// the stream, and dropped when the queue is full. It is called by the hub's
// Publish and never blocks.
func (s *Stream[T]) receive(ev chat.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
	case ev.Ephemeral():
		if len(s.queue) < s.hub.bufferSize && (s.spec.Filter == nil || s.spec.Filter(ev)) {
			s.queue = append(s.queue, ev)
			s.pump()
		}
	case s.catchUp:
		s.seen = max(s.seen, ev.Seq)
	case ev.Seq <= s.queued: // already queued or delivered
	case ev.Seq > s.queued+1 || ev.Incomplete() || len(s.queue) >= s.hub.bufferSize:
		s.lagLocked()
	case !s.pumping && s.spec.Filter != nil && !s.spec.Filter(ev) && (s.spec.Last == nil || !s.spec.Last(ev)):
		s.queued, s.handled = ev.Seq, ev.Seq // nothing to deliver: no goroutine
	default:
		s.queued = ev.Seq
		s.queue = append(s.queue, ev)
		s.pump()
	}
}

// lag turns the stream to the event log (a bus resync).
func (s *Stream[T]) lag() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.lagLocked()
	}
}

func (s *Stream[T]) lagLocked() {
	s.queue = nil // the log holds them all (but for ephemeral ones, which may go)
	s.catchUp = true
	s.pump()
}

// detached ends the stream once the hub no longer sends to it.
func (s *Stream[T]) detached() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	s.queue = nil
	if !s.pumping {
		close(s.out)
	}
}

func (s *Stream[T]) session() string { return s.spec.SessionID }

// stop detaches the stream from the hub, which ends it.
func (s *Stream[T]) stop() { s.hub.detach(s.spec.UserID, s) }

// pump starts the delivering goroutine unless it runs; s.mu must be held.
func (s *Stream[T]) pump() {
	if !s.pumping {
		s.pumping = true
		go s.run()
	}
}

// run delivers until nothing is left to deliver or the stream ended; it is
// the only goroutine that sends on out, and closes it when the stream ended.
func (s *Stream[T]) run() {
	for {
		s.mu.Lock()
		switch {
		case s.ended:
			s.pumping = false
			close(s.out)
			s.mu.Unlock()
			return
		case s.catchUp:
			after, seen := s.handled, s.seen
			s.mu.Unlock()
			if !s.readBack(after, seen) {
				s.stop()
			}
		case len(s.queue) > 0:
			ev := s.queue[0]
			s.queue = s.queue[1:]
			if len(s.queue) == 0 {
				s.queue = s.queue[:0:0] // let go of a grown queue
			}
			s.mu.Unlock()
			if !s.deliver(ev) {
				s.stop()
			}
		default:
			s.pumping = false
			s.mu.Unlock()
			return
		}
	}
}

// readBack delivers one batch of stored events after the seq after and
// leaves catch-up once the log has nothing newer than what arrived live; it
// reports whether the stream goes on. seen is the highest seq that had
// arrived live before the read: that event, and every one before it, had
// committed by then, so a read that ends before a full batch without them
// shows that the log no longer shows them to the user, and the stream moves
// past them instead of reading again.
func (s *Stream[T]) readBack(after, seen int64) bool {
	events, err := s.log.EventsAfter(s.ctx, s.spec.UserID, after, ReplayBatch)
	if err != nil {
		if s.ctx.Err() == nil && s.spec.Failed != nil {
			s.spec.Failed(fmt.Errorf("pubsub: read %s's event stream after %d: %w", s.spec.UserID, after, err))
		}
		return false
	}
	for _, ev := range events {
		if !s.deliver(ev) {
			return false
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(events) < ReplayBatch {
		s.handled = max(s.handled, seen)
		if s.seen <= s.handled {
			s.catchUp = false
			s.queued = s.handled
		}
	}
	return true
}

// deliver hands ev to the subscriber unless the filter drops it, and moves
// the stream past it (unless it is ephemeral); it reports false when ctx
// ended first or ev is the stream's last.
func (s *Stream[T]) deliver(ev chat.Event) bool {
	if s.spec.Filter == nil || s.spec.Filter(ev) {
		select {
		case s.out <- s.spec.Value(ev):
		case <-s.ctx.Done():
			return false
		}
	}
	if !ev.Ephemeral() {
		s.mu.Lock()
		s.handled = ev.Seq
		s.mu.Unlock()
	}
	return s.spec.Last == nil || !s.spec.Last(ev)
}
