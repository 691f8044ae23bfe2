package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

// subscribe opens the viewer's event stream after the seq from (the
// delivery algorithm lives in pubsub.Stream) and adapts it to a gqlgen
// subscription channel: value picks what each event shows (false: the
// event is not shown here), and each stored event's context carries its cursor to
// the response's extensions.cursor (and the GET stream's id: line). The
// channel is closed when ctx ends or the request's session ends; when the database fails, the stream is
// cut without "complete", so that the client resumes from its cursor.
func subscribe[T any](ctx context.Context, r *Resolver, viewer string, from int64, filter func(chat.Event) bool, value func(chat.Event) T) <-chan graphql.Event[T] {
	// The GET transport writes the starting point as an id-only frame, so
	// that a reconnect before the first event resumes from here too.
	transport.AnnounceCursor(ctx, chat.EventCursor(viewer, from))
	// Subscribe, then replay from the database: whatever commits in between
	// is read back, and the stream drops what it already delivered.
	_, session, _ := viewerSession(ctx) // the resolver has checked the viewer
	stream := pubsub.NewStream(r.Hub.SubscribeSession(viewer, session), r.Chat, from, filter)
	out := make(chan graphql.Event[T])
	go func() {
		defer close(out)
		err := stream.Run(ctx, func(ev chat.Event) bool {
			evCtx := ctx // an ephemeral event has no seq, so no cursor
			if !ev.Ephemeral() {
				evCtx = withCursor(ctx, chat.EventCursor(viewer, ev.Seq))
			}
			select {
			case out <- graphql.Event[T]{Context: evCtx, Value: value(ev)}:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil {
			r.logger().ErrorContext(ctx, "subscription: cannot read the event stream", "err", err)
			transport.Cut(ctx)
		}
	}()
	return out
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
