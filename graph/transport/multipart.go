package transport

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Multipart runs a subscription over Apollo's multipart HTTP protocol, what
// Apollo Client's default HttpLink speaks: a POST whose Accept header names
// multipart/mixed with subscriptionSpec 1.0 gets a multipart/mixed response
// with one JSON part per event, {"payload": <result>} (the result carries
// the stream cursor in extensions.cursor, as on every transport), a "{}"
// part every KeepAlivePingInterval as a heartbeat, and the closing boundary
// when the subscription completes. A document refused before it runs gets a
// JSON 400, as over POST. The stream guard cuts it like any event stream.
type Multipart struct {
	KeepAlivePingInterval time.Duration
}

var _ graphql.Transport = Multipart{}

// multipartBoundary separates the parts of a multipart response.
const multipartBoundary = "graphql"

// Supports reports whether r asks for a multipart subscription.
func (Multipart) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && acceptsMultipartSubscription(r)
}

// Do runs the operation of r's body and writes each of its responses as a part.
func (t Multipart) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	params, ok := bodyParams(r)
	if !ok {
		WriteError(w, http.StatusBadRequest, "BAD_REQUEST", badBody)
		return
	}
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}

	h := w.Header()
	h.Set("Content-Type", `multipart/mixed;boundary="`+multipartBoundary+`";subscriptionSpec="1.0"`)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	out := &partWriter{w: w, rc: http.NewResponseController(w)}
	out.write("\r\n--" + multipartBoundary)
	stopHeartbeats := keepAlive(t.KeepAlivePingInterval, func() { out.part([]byte("{}")) })
	defer stopHeartbeats()

	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		b, err := json.Marshal(struct {
			Payload *graphql.Response `json:"payload"`
		}{resp})
		if err != nil {
			b = []byte(`{"payload":{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}}`)
		}
		out.part(b)
	}
	out.write("--\r\n")
}

// partWriter writes whole parts of a multipart response and flushes each;
// the heartbeat goroutine and the event loop share it.
type partWriter struct {
	mu sync.Mutex
	w  io.Writer
	rc *http.ResponseController
}

// part writes body as a JSON part, followed by the boundary.
func (p *partWriter) part(body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, "\r\nContent-Type: application/json\r\n\r\n")
	_, _ = p.w.Write(body)
	_, _ = io.WriteString(p.w, "\r\n--"+multipartBoundary)
	_ = p.rc.Flush()
}

func (p *partWriter) write(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, s)
	_ = p.rc.Flush()
}

// acceptsMultipartSubscription reports whether r's Accept header names
// multipart/mixed with a subscriptionSpec (Apollo's multipart protocol).
func acceptsMultipartSubscription(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, mediaRange := range strings.Split(v, ",") {
			lower := strings.ToLower(mediaRange)
			if strings.Contains(lower, "multipart/mixed") && strings.Contains(lower, "subscriptionspec") {
				return true
			}
		}
	}
	return false
}
