package auth

import (
	"context"
	"net/http"
	"strings"
)

type userIDKey struct{}

// WithUserID returns a context that carries the authenticated user's id.
func WithUserID(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, userIDKey{}, userID)
}

// UserID returns the authenticated user's id, or "" when the request carries none.
func UserID(ctx context.Context) string {
	id, _ := ctx.Value(userIDKey{}).(string)
	return id
}

// Middleware authenticates requests that carry "Authorization: Bearer <token>".
// A valid token puts its user id in the context; a missing or invalid one
// leaves the request anonymous, and the operations that need a user refuse it.
// Tokens are read from the header only, never from the URL.
func (t *Tokens) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearerToken(r); ok {
			if userID, err := t.Verify(token); err == nil {
				r = r.WithContext(WithUserID(r.Context(), userID))
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
