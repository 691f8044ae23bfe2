package graph

import (
	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// authPayload issues an access token for u, as signUp and logIn return it.
func (r *Resolver) authPayload(u *chat.User) (*model.AuthPayload, error) {
	token, expires, err := r.Tokens.Issue(u.ID)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: token, ExpiresAt: expires, User: u}, nil
}
