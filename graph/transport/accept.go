// Package transport carries GraphQL operations over HTTP: POST, GET, the
// event streams (graphql-sse over POST, EventSource over GET, Apollo's
// multipart), WebSocket on gqlgen's implementation, and the write guard
// every event stream runs behind. It knows requests, responses and
// gqlgen's executor; nothing of the chat domain.
package transport

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// IsEventStream reports whether r opens an event stream: a GET or a POST
// whose Accept header names text/event-stream, or a POST asking for a
// multipart subscription (Apollo's protocol).
func IsEventStream(r *http.Request) bool {
	return r.Method == http.MethodGet && prefersEventStream(r) ||
		r.Method == http.MethodPost && (acceptsEventStream(r) || acceptsMultipartSubscription(r))
}

// IsEventStreamGET reports whether r is a GET asking for an event stream
// (what a browser's EventSource sends).
func IsEventStreamGET(r *http.Request) bool {
	return r.Method == http.MethodGet && prefersEventStream(r)
}

// prefersEventStream reports whether the media range r's Accept header
// prefers (highest q, the first among equals) is text/event-stream: what an
// EventSource sends, unlike urql's GET queries, which list it after JSON.
func prefersEventStream(r *http.Request) bool {
	best, bestQ := "", -1.0
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			if q > bestQ {
				best, bestQ = mt, q
			}
		}
	}
	return best == "text/event-stream"
}

// acceptsEventStream reports whether r's Accept header names text/event-stream.
func acceptsEventStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/event-stream") {
			return true
		}
	}
	return false
}
