package graph

import (
	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// authPayload is the AuthPayload that signUp, logIn and changePassword
// return for the access a chat use case gave (or its error).
func authPayload(a *chat.Access, err error) (*model.AuthPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: a.Token, ExpiresAt: a.ExpiresAt, User: a.User}, nil
}
