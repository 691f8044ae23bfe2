package transport

import "context"

// StreamInfo is what the transport of an event stream hands the subscription
// it runs, as plain values in the request's context: where a reconnecting
// client resumes, and where the subscription reports its starting point and
// a failure. A subscription reads it once, with StreamInfoOf.
type StreamInfo struct {
	// LastEventID is the cursor a reconnecting client last saw (an
	// EventSource's Last-Event-ID header), which takes the place of the
	// subscription's after argument; "" for none.
	LastEventID string
	// Started takes the cursor the stream starts from, before its first
	// event (the GET transport writes it, so that a client that reconnects
	// before any event resumes from there); nil when unused.
	Started func(cursor string)
	// Cut ends the stream without "complete", so that its client reconnects
	// and resumes from its cursor; nil where the transport has no such end.
	Cut func()
}

type streamInfoKey struct{}

// withStreamInfo returns ctx carrying info.
func withStreamInfo(ctx context.Context, info StreamInfo) context.Context {
	return context.WithValue(ctx, streamInfoKey{}, info)
}

// StreamInfoOf returns what ctx's transport handed its subscription (the
// zero StreamInfo outside an event stream).
func StreamInfoOf(ctx context.Context) StreamInfo {
	info, _ := ctx.Value(streamInfoKey{}).(StreamInfo)
	return info
}
