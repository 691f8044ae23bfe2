package auth

import (
	"context"
	"net/http"
	"strings"
)

type viewerKey struct{}

// viewer is the authenticated user of a request and the session it acts in.
type viewer struct{ userID, sessionID string }

// WithSession returns a context that carries the authenticated user's id
// and the session the request acts in.
func WithSession(ctx context.Context, userID, sessionID string) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewer{userID, sessionID})
}

// UserID returns the authenticated user's id, or "" when the request carries none.
func UserID(ctx context.Context) string {
	v, _ := ctx.Value(viewerKey{}).(viewer)
	return v.userID
}

// SessionID returns the session the request acts in, or "" when it is anonymous.
func SessionID(ctx context.Context) string {
	v, _ := ctx.Value(viewerKey{}).(viewer)
	return v.sessionID
}

// Middleware authenticates requests that carry "Authorization: Bearer <token>".
// A valid token of a live session puts its user and session in the context;
// a missing, invalid or ended one leaves the request anonymous, and the
// operations that need a user refuse it. When the session cannot be checked
// the request gets 503. Tokens are read from the header only, never from
// the URL.
func (t *Tokens) Middleware(sessions *Sessions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearerToken(r); ok {
			if claims, err := t.Verify(token); err == nil {
				live, err := sessions.Live(r.Context(), claims.SessionID)
				if err != nil {
					http.Error(w, "could not check the session", http.StatusServiceUnavailable)
					return
				}
				if live {
					r = r.WithContext(WithSession(r.Context(), claims.UserID, claims.SessionID))
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
