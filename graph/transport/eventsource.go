package transport

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// EventSource is the transport for the browser's native EventSource:
// GET /graphql with Accept: text/event-stream and the operation in the URL
// (query, variables, operationName, extensions). It runs subscriptions only;
// an operation that fails to parse or validate gets a 400. Each event is
// written with "id: <cursor>", and the starting point as a "cursor" event
// with empty data, so
// that the browser resumes by itself through Last-Event-ID, which takes the
// place of the after argument; the stream starts with a "retry:" hint, is
// kept alive with comment pings, and ends with "event: complete".
type EventSource struct {
	KeepAlivePingInterval time.Duration
	RetryHint             time.Duration
}

var _ graphql.Transport = EventSource{}

// Supports reports whether r is a GET asking for an event stream.
func (t EventSource) Supports(r *http.Request) bool { return IsEventStreamGET(r) }

// Do runs the subscription of r and writes its events until it ends.
func (t EventSource) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	params, err := urlParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	// Errors known before the stream starts get a plain 400, which ends a
	// browser's EventSource for good instead of making it retry forever.
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && opCtx.Operation.Operation != ast.Subscription {
		errs = gqlerror.List{gqlerror.Errorf("the GET event stream runs subscriptions only; send queries and mutations with POST")}
	}
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(resp)
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	if t.RetryHint > 0 {
		out.write(fmt.Sprintf("retry: %d\n\n", t.RetryHint.Milliseconds()))
	} else {
		out.write(":\n\n")
	}
	stopPings := keepAlive(t.KeepAlivePingInterval, func() { out.write(": ping\n\n") })
	defer stopPings()

	// The starting point is an event of its own ("cursor", with empty data):
	// browsers take an id from an id-only frame too, but some EventSource
	// implementations (the eventsource package for Node) only from an event.
	info := StreamInfoOf(ctx)
	info.LastEventID = r.Header.Get("Last-Event-ID")
	info.Started = func(cursor string) { out.write("id: " + cursor + "\nevent: cursor\ndata:\n\n") }
	ctx = withStreamInfo(ctx, info)
	responses, dispatchCtx := exec.DispatchOperation(ctx, opCtx)
	for {
		resp := responses(dispatchCtx)
		if resp == nil {
			break
		}
		cursor, _ := resp.Extensions["cursor"].(string)
		out.event(cursor, resp)
	}
	out.write("event: complete\ndata:\n\n")
}
