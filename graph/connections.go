package graph

import (
	"context"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// connection builds the edges and page info of a Relay connection over
// nodes, in order: cursor names each node, edge makes the edge of a node.
func connection[N, E any](nodes []N, cursor func(N) string, edge func(cursor string, node N) E, hasNext, hasPrevious bool) ([]E, *model.PageInfo) {
	edges := make([]E, len(nodes))
	info := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrevious}
	for i, n := range nodes {
		c := cursor(n)
		edges[i] = edge(c, n)
		if i == 0 {
			info.StartCursor = &c
		}
		if i == len(nodes)-1 {
			info.EndCursor = &c
		}
	}
	return edges, info
}

// messageConnection returns a page of a conversation's messages for the
// viewer, with their senders fetched in one query when the selection asks
// for them.
func (r *Resolver) messageConnection(ctx context.Context, conversationID string, args chat.PageArgs) (*model.MessageConnection, error) {
	viewer, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := r.Chat.Messages(ctx, viewer, conversationID, args)
	if err != nil {
		return nil, err
	}
	r.prefetchSenders(ctx, page.Messages)
	edges, info := connection(page.Messages,
		func(m *chat.Message) string { return chat.MessageCursor(m.Seq) },
		func(c string, m *chat.Message) *model.MessageEdge { return &model.MessageEdge{Cursor: c, Node: m} },
		page.HasNextPage, page.HasPreviousPage)
	return &model.MessageConnection{Edges: edges, PageInfo: info}, nil
}

// conversationConnection returns a page of the viewer's conversations, with
// what the selection asks of them fetched one query per kind.
func (r *Resolver) conversationConnection(ctx context.Context, first int, after *string) (*model.ConversationConnection, error) {
	viewer, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := r.Chat.Conversations(ctx, viewer, first, after)
	if err != nil {
		return nil, err
	}
	r.prefetchConversations(ctx, page.Conversations)
	edges, info := connection(page.Conversations, chat.ConversationCursor,
		func(c string, conv *chat.Conversation) *model.ConversationEdge {
			return &model.ConversationEdge{Cursor: c, Node: conv}
		},
		page.HasNextPage, after != nil)
	return &model.ConversationConnection{Edges: edges, PageInfo: info}, nil
}
