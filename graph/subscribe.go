package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

// subscribe opens the viewer's event stream (the delivery algorithm lives
// in pubsub.Stream) as a gqlgen subscription channel, resuming after the
// after cursor, or after the cursor the transport says its client last saw
// (a reconnecting EventSource's, which knows better than its URL), from now
// on without either. shown keeps the events this subscription shows and
// value picks what each shows; with a conversationID, only that
// conversation's (NOT_FOUND unless the viewer is in it), and the
// subscription completes after the event that ends the viewer's membership
// of it. Each stored event's context carries its cursor to the response's
// extensions.cursor (and the GET stream's id: line; an ephemeral event has
// no seq, so no cursor). The channel is closed when ctx ends or the
// request's session ends; when the database fails, the transport is told to
// cut the stream without "complete", so that the client resumes from its
// cursor.
func subscribe[T any](ctx context.Context, r *Resolver, conversationID, after *string, shown func(chat.Event) bool, value func(chat.Event) T) (<-chan graphql.Event[T], error) {
	viewer, session, err := viewerSession(ctx)
	if err != nil {
		return nil, err
	}
	stream := transport.StreamInfoOf(ctx)
	cursor := after
	if stream.LastEventID != "" {
		cursor = &stream.LastEventID
	}
	from, err := r.Chat.ResumePoint(ctx, viewer, cursor)
	if err != nil {
		return nil, err
	}
	filter := shown
	if conversationID != nil {
		if _, err := r.Chat.Conversation(ctx, viewer, *conversationID); err != nil {
			return nil, err
		}
		filter = func(ev chat.Event) bool { return ev.ConversationID == *conversationID && shown(ev) }
	}
	if stream.Started != nil {
		stream.Started(chat.EventCursor(viewer, from))
	}
	return pubsub.OpenStream(ctx, r.Hub, r.Chat, pubsub.StreamSpec[graphql.Event[T]]{
		UserID:    viewer,
		SessionID: session,
		After:     from,
		Filter:    filter,
		Last:      endsMembership(conversationID),
		Value: func(ev chat.Event) graphql.Event[T] {
			if ev.Ephemeral() {
				return graphql.Event[T]{Context: ctx, Value: value(ev)}
			}
			return graphql.Event[T]{Context: withCursor(ctx, chat.EventCursor(viewer, ev.Seq)), Value: value(ev)}
		},
		Failed: func(err error) {
			r.logger().ErrorContext(ctx, "subscription: cannot read the event stream", "err", err)
			if stream.Cut != nil {
				stream.Cut()
			}
		},
	}), nil
}

// endsMembership returns, for a subscription to one conversation, what tells
// the event after which the viewer is no longer in it (nil for none).
func endsMembership(conversationID *string) func(chat.Event) bool {
	if conversationID == nil {
		return nil
	}
	return func(ev chat.Event) bool { return ev.ConversationID == *conversationID && ev.EndsMembership() }
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
