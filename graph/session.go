package graph

import (
	"context"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// newSession starts a session of u and returns its first access token, as
// signUp and logIn return it.
func (r *Resolver) newSession(ctx context.Context, u *chat.User) (*model.AuthPayload, error) {
	sessionID, expires, err := r.Chat.StartSession(ctx, u.ID, r.Tokens.TTL())
	if err != nil {
		return nil, err
	}
	token, err := r.Tokens.Issue(u.ID, sessionID, expires)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: token, ExpiresAt: expires, User: u}, nil
}
