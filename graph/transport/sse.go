package transport

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// SSE runs operations over graphql-sse's "distinct connections" mode, what
// graphql-sse's client and urql speak: a POST of a JSON body whose Accept
// names text/event-stream gets an event stream with one "next" event per
// result (the cursor in its extensions) and "complete" at the end, kept
// alive with comment pings. Errors known before the operation runs come as
// one "next" event with the errors, then "complete". ReadBodies must have
// read the body. Unlike gqlgen's SSE transport, it holds no goroutine of its
// own while the stream waits.
type SSE struct {
	KeepAlivePingInterval time.Duration
}

var _ graphql.Transport = SSE{}

// Supports reports whether r is a POST of a JSON body asking for an event
// stream.
func (SSE) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || !acceptsEventStream(r) {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// Do runs the operation of r's body and writes its results until it ends.
func (t SSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	params, ok := bodyParams(r)
	if !ok {
		WriteError(w, http.StatusBadRequest, "BAD_REQUEST", badBody)
		return
	}
	ctx := r.Context()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	out.write(":\n\n")

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	ctx = graphql.WithOperationContext(ctx, opCtx)
	if errs != nil {
		out.event("", exec.DispatchError(ctx, errs))
		out.write("event: complete\n\n")
		return
	}
	stopPings := keepAlive(t.KeepAlivePingInterval, func() { out.write(": ping\n\n") })
	defer stopPings()
	responses, dispatchCtx := exec.DispatchOperation(ctx, opCtx)
	for {
		resp := responses(dispatchCtx)
		if resp == nil {
			break
		}
		out.event("", resp)
	}
	out.write("event: complete\n\n")
}

// sseWriter writes whole SSE frames and flushes each; its keep-alive
// goroutine and the event loop share it.
type sseWriter struct {
	mu sync.Mutex
	w  io.Writer
	rc *http.ResponseController
}

func (s *sseWriter) write(frame string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.w, frame)
	_ = s.rc.Flush()
}

// event writes one "next" event; id is its cursor ("" for none).
func (s *sseWriter) event(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	var frame strings.Builder
	if id != "" {
		frame.WriteString("id: " + id + "\n")
	}
	frame.WriteString("event: next\ndata: ")
	frame.Write(b)
	frame.WriteString("\n\n")
	s.write(frame.String())
}
