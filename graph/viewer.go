package graph

import (
	"context"

	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
)

// viewerID returns the authenticated user's id, or UNAUTHENTICATED. It is
// the only way resolvers and loaders learn who is asking.
func viewerID(ctx context.Context) (string, error) {
	if id := auth.UserID(ctx); id != "" {
		return id, nil
	}
	return "", chat.Errorf(chat.CodeUnauthenticated, "authentication required: send Authorization: Bearer <token>")
}

// sessionID returns the session the authenticated request acts in, or
// UNAUTHENTICATED.
func sessionID(ctx context.Context) (string, error) {
	if _, err := viewerID(ctx); err != nil {
		return "", err
	}
	return auth.SessionID(ctx), nil
}
