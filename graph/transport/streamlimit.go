package transport

import (
	"encoding/json"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/internal/ratelimit"
)

// StreamLimit caps how many event streams each key (a user) holds open at
// once: one more is refused with 429 Too Many Requests and a GraphQL error
// body before any of it runs.
type StreamLimit struct {
	Slots *ratelimit.Slots
	// Key names whose slots a request takes; "" leaves it unlimited (an
	// anonymous stream fails before it starts anyway).
	Key func(r *http.Request) string
	// Code is the refusal's extensions.code.
	Code string
	// OnRefuse, when set, is called on every refusal.
	OnRefuse func()
}

// Wrap returns next behind the limit: an event-stream request holds one of
// its key's slots until its handler returns.
func (l StreamLimit) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := ""
		if IsEventStream(r) {
			key = l.Key(r)
		}
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		release, ok := l.Slots.Acquire(key)
		if !ok {
			if l.OnRefuse != nil {
				l.OnRefuse()
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": gqlerror.List{{
				Message:    "too many open event streams; close one first",
				Extensions: map[string]any{"code": l.Code},
			}}})
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}
