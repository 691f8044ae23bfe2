package graph

import (
	"context"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
)

// viewerID returns the authenticated user's id, or UNAUTHENTICATED.
func viewerID(ctx context.Context) (string, error) {
	if id := auth.UserID(ctx); id != "" {
		return id, nil
	}
	return "", chat.Errorf(chat.CodeUnauthenticated, "authentication required: send Authorization: Bearer <token>")
}

// authPayload issues an access token for u.
func (r *Resolver) authPayload(u *chat.User) (*model.AuthPayload, error) {
	token, expires, err := r.Tokens.Issue(u.ID)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: token, ExpiresAt: expires, User: u}, nil
}

// messageConnection builds a Relay connection from a page of messages.
func messageConnection(page *chat.MessagePage) *model.MessageConnection {
	conn := &model.MessageConnection{
		Edges: make([]*model.MessageEdge, len(page.Messages)),
		PageInfo: &model.PageInfo{
			HasNextPage:     page.HasNextPage,
			HasPreviousPage: page.HasPreviousPage,
		},
	}
	for i, m := range page.Messages {
		conn.Edges[i] = &model.MessageEdge{Cursor: chat.MessageCursor(m.Seq), Node: m}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}

// messages returns a page of a conversation's messages for the viewer.
func (r *Resolver) messages(ctx context.Context, conversationID string, args chat.PageArgs) (*model.MessageConnection, error) {
	viewer, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := r.Chat.Messages(ctx, viewer, conversationID, args)
	if err != nil {
		return nil, err
	}
	r.prefetchSenders(ctx, page.Messages)
	return messageConnection(page), nil
}
