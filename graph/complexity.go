package graph

import "github.com/messenger/messenger/internal/chat"

// complexity charges every list field for the page it can return: its
// children's cost times the page size asked for (or the default), so that
// MaxComplexity bounds the rows one operation can reach.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	page := func(child int, size *int, def int) int {
		n := def
		if size != nil && *size > 0 {
			n = *size
		}
		return 1 + n*child
	}
	messages := func(child int, first, last *int) int {
		if first != nil {
			return page(child, first, chat.DefaultMessagePageSize)
		}
		return page(child, last, chat.DefaultMessagePageSize)
	}
	c.Query.Messages = func(child int, _ string, first *int, _ *string, last *int, _ *string) int {
		return messages(child, first, last)
	}
	c.Conversation.Messages = func(child int, first *int, _ *string, last *int, _ *string) int {
		return messages(child, first, last)
	}
	c.Query.Conversations = func(child int, first *int, _ *string) int {
		return page(child, first, chat.DefaultConversationPageSize)
	}
	c.Query.SearchUsers = func(child int, _ string, first *int) int { return page(child, first, chat.DefaultSearchResults) }
	c.Conversation.Participants = func(child int) int { return 1 + chat.MaxGroupMembers*child }
	return c
}
