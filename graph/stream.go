package graph

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

// replayBatch is how many stored events one catch-up query reads.
const replayBatch = 200

// messageStream delivers one subscription's messages: the stored events
// after its cursor, then live events from the hub, with no gap and no
// duplicate. It owns the hub subscription and the output channel.
type messageStream struct {
	chat           *chat.Service
	logger         *slog.Logger
	sub            *pubsub.Subscription
	viewerID       string
	conversationID string // "" for every conversation
	last           int64  // seq of the last event handled (delivered or filtered out)
	out            chan graphql.Event[*chat.Message]
}

// run feeds s.out until ctx ends, the hub closes the subscription, or the
// database fails (then the stream is cut, so that the client resumes); it
// then closes the subscription and s.out.
func (s *messageStream) run(ctx context.Context) {
	defer close(s.out)
	defer s.sub.Close()
	if !s.catchUp(ctx) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.sub.Lagged():
			if !s.catchUp(ctx) {
				return
			}
		case ev, ok := <-s.sub.Events():
			if !ok {
				return
			}
			switch {
			case ev.Seq <= s.last: // already delivered by a catch-up
			case ev.Seq > s.last+1: // some were dropped on the way: read them back
				if !s.catchUp(ctx) {
					return
				}
			default:
				if !s.deliver(ctx, ev) {
					return
				}
			}
		}
	}
}

// catchUp delivers every stored event after s.last.
func (s *messageStream) catchUp(ctx context.Context) bool {
	for {
		events, err := s.chat.EventsAfter(ctx, s.viewerID, s.last, replayBatch)
		if err != nil {
			s.fail(ctx, err)
			return false
		}
		for _, ev := range events {
			if !s.deliver(ctx, ev) {
				return false
			}
		}
		if len(events) < replayBatch {
			return true
		}
	}
}

// deliver sends ev's message, unless the stream is filtered to another
// conversation, and moves the cursor past it.
func (s *messageStream) deliver(ctx context.Context, ev chat.Event) bool {
	s.last = ev.Seq
	if s.conversationID != "" && ev.ConversationID != s.conversationID {
		return true
	}
	msg := ev.Message
	if msg == nil { // carried across instances without its body
		msgs, err := s.chat.MessagesByIDs(ctx, []string{ev.MessageID})
		if err == nil && msgs[ev.MessageID] == nil {
			err = fmt.Errorf("graph: message %s of event %d not found", ev.MessageID, ev.Seq)
		}
		if err != nil {
			s.fail(ctx, err)
			return false
		}
		msg = msgs[ev.MessageID]
	}
	cursor := chat.EventCursor(s.viewerID, ev.Seq)
	select {
	case s.out <- graphql.Event[*chat.Message]{Context: withCursor(ctx, cursor), Value: msg}:
		return true
	case <-ctx.Done():
		return false
	}
}

// fail logs err and cuts the stream, unless the stream was ending anyway.
func (s *messageStream) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	s.logger.ErrorContext(ctx, "subscription: cannot read the event stream", "err", err)
	cutStream(ctx)
}

type cursorKey struct{}

// withCursor returns the per-event context that carries the event's cursor
// to the response (extensions.cursor, and the SSE id: line).
func withCursor(ctx context.Context, cursor string) context.Context {
	return context.WithValue(ctx, cursorKey{}, cursor)
}

// cursorFrom returns the cursor carried by an event's context.
func cursorFrom(ctx context.Context) (string, bool) {
	c, ok := ctx.Value(cursorKey{}).(string)
	return c, ok
}

type cursorAnnouncerKey struct{}

// withCursorAnnouncer returns a context in which announceCursor calls
// announce; the GET transport uses it to set the browser's Last-Event-ID.
func withCursorAnnouncer(ctx context.Context, announce func(cursor string)) context.Context {
	return context.WithValue(ctx, cursorAnnouncerKey{}, announce)
}

// announceCursor tells the transport, if it wants to know, where the stream
// starts; it must be called before any event is sent.
func announceCursor(ctx context.Context, cursor string) {
	if announce, ok := ctx.Value(cursorAnnouncerKey{}).(func(string)); ok {
		announce(cursor)
	}
}

type lastEventIDKey struct{}

// withLastEventID returns a context carrying the Last-Event-ID a
// reconnecting EventSource sent; it takes the place of the after argument.
func withLastEventID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, lastEventIDKey{}, id)
}

func lastEventID(ctx context.Context) string {
	id, _ := ctx.Value(lastEventIDKey{}).(string)
	return id
}
