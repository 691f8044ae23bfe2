// Package transport carries GraphQL operations over HTTP where gqlgen's own
// transports do not: the GET EventSource stream for browsers, and the write
// guard every event stream runs behind. It knows requests, responses and
// gqlgen's executor; nothing of the chat domain.
package transport

import (
	"net/http"
	"strings"
)

// IsEventStream reports whether r opens an event stream: a GET or a POST
// whose Accept header names text/event-stream, or a POST asking for a
// multipart subscription (Apollo's protocol).
func IsEventStream(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) && acceptsEventStream(r) ||
		r.Method == http.MethodPost && acceptsMultipartSubscription(r)
}

// IsEventStreamGET reports whether r is a GET asking for an event stream
// (what a browser's EventSource sends).
func IsEventStreamGET(r *http.Request) bool {
	return r.Method == http.MethodGet && acceptsEventStream(r)
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
