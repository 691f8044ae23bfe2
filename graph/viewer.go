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

// viewerSession returns the authenticated user's id and the session the
// request acts in, or UNAUTHENTICATED.
func viewerSession(ctx context.Context) (viewer, session string, err error) {
	if viewer, err = viewerID(ctx); err != nil {
		return "", "", err
	}
	return viewer, auth.SessionID(ctx), nil
}
