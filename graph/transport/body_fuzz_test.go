package transport

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzReadBodies gives ReadBodies arbitrary bodies of event-stream and
// plain POSTs: a body passes to the next handler whole exactly when it is a
// GraphQL request (or not a stream's), and a refusal is short and never
// echoes what was sent.
func FuzzReadBodies(f *testing.F) {
	for _, seed := range []string{
		`{"query":"subscription { messageCreated { id } }"}`,
		`{"query":"{ me { id } }","variables":{"a":1},"operationName":"x","extensions":{}}`,
		`{"query": 5}`, `{"query":"x"} {"again":1}`, `not json`, ``, `null`, `[]`, `{"query":"\u0000"}`,
		`{"query":"x","variables":"not an object"}`, strings.Repeat(`{"a":`, 200),
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, body string, stream bool) {
		var got []byte
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = make([]byte, 0, len(body))
			buf := bytes.NewBuffer(got)
			_, _ = buf.ReadFrom(r.Body)
			got = buf.Bytes()
		})
		h := ReadBodies(1<<20, time.Second, func(string) {}, next)
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if stream {
			req.Header.Set("Accept", "text/event-stream")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		passed := got != nil
		if want := !stream || isGraphQLRequest([]byte(body)); passed != want {
			t.Fatalf("body %q (stream %v): passed %v, want %v", body, stream, passed, want)
		}
		if passed && string(got) != body {
			t.Fatalf("body %q reached the handler as %q", body, got)
		}
		if !passed {
			if rec.Code != http.StatusBadRequest || rec.Body.Len() > 300 {
				t.Fatalf("refusal: status %d, %d bytes", rec.Code, rec.Body.Len())
			}
			if len(body) >= 16 && strings.Contains(rec.Body.String(), body) {
				t.Fatalf("the refusal echoes the body %q", body)
			}
		}
	})
}
