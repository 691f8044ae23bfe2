package pubsub

import (
	"context"
	"fmt"

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
	// MessagesByIDs returns the messages with the given ids, keyed by id.
	MessagesByIDs(ctx context.Context, ids []string) (map[string]*chat.Message, error)
}

// Stream is one subscriber's gap-free view of a user's event stream: the
// stored events after a cursor, then the live events of a hub subscription,
// each delivered once and in seq order. Live events that arrive out of
// order (some dropped on the way, or the subscription lagged) are read back
// from the EventLog, and events already delivered are dropped.
type Stream struct {
	sub    *Subscription
	log    EventLog
	last   int64                 // seq of the last event handled (delivered or filtered out)
	filter func(chat.Event) bool // nil: every event
}

// NewStream returns a Stream that delivers the events of sub's user with
// seq greater than after, reading what it missed from log. sub must have
// been subscribed before the stream's replay starts (that is, before Run),
// so that nothing committed in between is lost; the Stream owns sub from now
// on and closes it when Run returns. filter, when not nil, keeps only the
// events it accepts (the others still move the stream past them).
func NewStream(sub *Subscription, log EventLog, after int64, filter func(chat.Event) bool) *Stream {
	return &Stream{sub: sub, log: log, last: after, filter: filter}
}

// Last returns the seq of the last event the stream handled.
func (s *Stream) Last() int64 { return s.last }

// Run delivers events, each with its Message, to deliver until ctx ends,
// deliver returns false, the hub closes the subscription, or the event log
// fails; only the last case returns an error (the subscriber should then be
// cut, so that it resumes from its cursor). It closes the subscription.
func (s *Stream) Run(ctx context.Context, deliver func(chat.Event) bool) error {
	defer s.sub.Close()
	if ok, err := s.catchUp(ctx, deliver); !ok {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.sub.Lagged():
			if ok, err := s.catchUp(ctx, deliver); !ok {
				return err
			}
		case ev, open := <-s.sub.Events():
			if !open {
				return nil
			}
			var ok bool
			var err error
			switch {
			case ev.Ephemeral(): // live only: no seq to order, nothing to read back
				ok = s.filter == nil || s.filter(ev)
				if ok {
					ok = deliver(ev)
				}
			case ev.Seq <= s.last: // already delivered by a catch-up
				continue
			case ev.Seq > s.last+1: // some were dropped on the way: read them back
				ok, err = s.catchUp(ctx, deliver)
			default:
				ok, err = s.handle(ctx, ev, deliver)
			}
			if !ok {
				return err
			}
		}
	}
}

// catchUp delivers every stored event after s.last; it reports whether the
// stream goes on, and the event log's error when that is why it does not.
func (s *Stream) catchUp(ctx context.Context, deliver func(chat.Event) bool) (bool, error) {
	for {
		events, err := s.log.EventsAfter(ctx, s.sub.UserID(), s.last, ReplayBatch)
		if err != nil {
			return false, s.failure(ctx, err)
		}
		for _, ev := range events {
			if ok, err := s.handle(ctx, ev, deliver); !ok {
				return false, err
			}
		}
		if len(events) < ReplayBatch {
			return true, nil
		}
	}
}

// handle moves the stream past ev and delivers it unless it is filtered
// out, first fetching its message when it came without one (a bus carries
// large events without their body).
func (s *Stream) handle(ctx context.Context, ev chat.Event, deliver func(chat.Event) bool) (bool, error) {
	s.last = ev.Seq
	if s.filter != nil && !s.filter(ev) {
		return true, nil
	}
	if ev.Message == nil && ev.MessageID == "" && ev.Data == nil {
		return s.reread(ctx, ev, deliver)
	}
	if ev.Message == nil && ev.MessageID != "" {
		msgs, err := s.log.MessagesByIDs(ctx, []string{ev.MessageID})
		if err == nil && msgs[ev.MessageID] == nil {
			err = fmt.Errorf("message %s of event %d not found", ev.MessageID, ev.Seq)
		}
		if err != nil {
			return false, s.failure(ctx, err)
		}
		ev.Message = msgs[ev.MessageID]
	}
	return deliver(ev), nil
}

// reread delivers the stored version of ev, which came without its data (a
// bus carries large events without their body), unless the log no longer
// shows it to the user (an event of a conversation they have left).
func (s *Stream) reread(ctx context.Context, ev chat.Event, deliver func(chat.Event) bool) (bool, error) {
	events, err := s.log.EventsAfter(ctx, s.sub.UserID(), ev.Seq-1, 1)
	if err != nil {
		return false, s.failure(ctx, err)
	}
	if len(events) == 0 || events[0].Seq != ev.Seq {
		return true, nil
	}
	return deliver(events[0]), nil
}

// failure returns err as the reason the stream stops, unless the stream was
// ending anyway (ctx done), when it is no failure at all.
func (s *Stream) failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("pubsub: read %s's event stream after %d: %w", s.sub.UserID(), s.last, err)
}
