package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
)

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
	group := func(child int) int { return 1 + chat.MaxGroupMembers*child }
	c.Conversation.Participants = group
	c.Conversation.ReadMarkers = group
	c.ParticipantsChangedEvent.Added = group
	c.ParticipantsChangedEvent.Removed = group
	return c
}

// complexityLimit is gqlgen's fixed complexity limit at MaxComplexity, with
// its refusals counted.
func complexityLimit(m *metrics.Metrics) graphql.HandlerExtension {
	return countedComplexity{ComplexityLimit: extension.FixedComplexityLimit(MaxComplexity), metrics: m}
}

type countedComplexity struct {
	*extension.ComplexityLimit
	metrics *metrics.Metrics
}

// MutateOperationContext refuses an operation over the limit with
// COMPLEXITY_LIMIT_EXCEEDED and counts the refusal.
func (c countedComplexity) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	err := c.ComplexityLimit.MutateOperationContext(ctx, opCtx)
	if err != nil {
		c.metrics.Refused("complexity")
	}
	return err
}
