package transport_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/ratelimit"
)

// TestStreamLimit: a key's event streams past the cap get 429 with a
// RATE_LIMITED GraphQL error and never reach the handler; a slot frees up
// when its stream's handler returns; other keys, anonymous streams and
// other requests are not limited.
func TestStreamLimit(t *testing.T) {
	var reached, refused atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.URL.Query().Get("hold") != "" {
			entered <- struct{}{}
			<-release
		}
	})
	h := transport.StreamLimit{
		Slots:    ratelimit.NewSlots(2),
		Key:      func(r *http.Request) string { return r.Header.Get("X-User") },
		Code:     "RATE_LIMITED",
		OnRefuse: func() { refused.Add(1) },
	}.Wrap(inner)
	serve := func(method, user, query string, stream bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/graphql?"+query, nil)
		if stream {
			req.Header.Set("Accept", "text/event-stream")
		}
		req.Header.Set("X-User", user)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	held := make(chan int, 2)
	go func() { held <- serve(http.MethodPost, "u", "hold=1", true).Code }()
	go func() { held <- serve(http.MethodGet, "u", "hold=1", true).Code }()
	<-entered // both held streams have their slots once they reach the handler
	<-entered
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		rec := serve(method, "u", "", true)
		var body struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusTooManyRequests ||
			len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "RATE_LIMITED" {
			t.Fatalf("%s past the cap: %d %s (%v)", method, rec.Code, rec.Body, err)
		}
	}
	if n := reached.Load(); n != 2 {
		t.Fatalf("the handler was reached %d times, want 2", n)
	}
	for _, rec := range []*httptest.ResponseRecorder{
		serve(http.MethodPost, "v", "", true),  // another user
		serve(http.MethodPost, "", "", true),   // anonymous
		serve(http.MethodPost, "u", "", false), // not a stream
	} {
		if rec.Code != http.StatusOK {
			t.Fatalf("unlimited request refused: %d %s", rec.Code, rec.Body)
		}
	}
	close(release)
	for range 2 {
		if code := <-held; code != http.StatusOK {
			t.Fatalf("held stream: %d", code)
		}
	}
	if rec := serve(http.MethodPost, "u", "", true); rec.Code != http.StatusOK {
		t.Fatalf("after the streams ended: %d %s", rec.Code, rec.Body)
	}
	if n := refused.Load(); n != 2 {
		t.Fatalf("%d refusals counted, want 2", n)
	}
}
