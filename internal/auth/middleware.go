package auth

import (
	"context"
	"errors"
	"fmt"
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
func (t *Tokens) Middleware(sessions *SessionCache, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearer(r.Header.Get("Authorization")); ok {
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

// ErrUnauthenticated is returned by Authenticate for a missing, invalid or
// ended token.
var ErrUnauthenticated = errors.New("authentication required: send Authorization: Bearer <token>")

// Authenticate returns ctx carrying the user and session of authorization
// ("Bearer <token>", as a WebSocket's connection_init payload carries it),
// or ErrUnauthenticated.
func (t *Tokens) Authenticate(ctx context.Context, sessions *SessionCache, authorization string) (context.Context, error) {
	token, ok := bearer(authorization)
	if !ok {
		return ctx, ErrUnauthenticated
	}
	claims, err := t.Verify(token)
	if err != nil {
		return ctx, ErrUnauthenticated
	}
	live, err := sessions.Live(ctx, claims.SessionID)
	if err != nil {
		return ctx, fmt.Errorf("auth: check session: %w", err)
	}
	if !live {
		return ctx, ErrUnauthenticated
	}
	return WithSession(ctx, claims.UserID, claims.SessionID), nil
}

// bearer returns the token of an Authorization value "Bearer <token>".
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
