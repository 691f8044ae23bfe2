package graph_test

import (
	"fmt"
	"testing"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
	"github.com/messenger/messenger/internal/metrics"
)

// TestRateLimitTypingPerConversation: sendTyping counts against its own
// bucket per user and conversation (past it: RATE_LIMITED with retryAfter,
// counted as typing_per_conversation), so typing in one conversation leaves
// another's budget whole; it also counts as a mutation of the user.
func TestRateLimitTypingPerConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		m := metrics.New()
		a := newLimitedAPI(t, db, &graph.RateLimits{Typing: hourly(3), Mutations: hourly(100), Metrics: m})
		alice, _ := a.signUp("alice")
		a.signUp("bob")
		a.signUp("carol")
		var one, two struct{ StartDirectConversation struct{ ID string } }
		a.ok(alice, `mutation { startDirectConversation(username: "bob") { id } }`, nil, &one)
		a.ok(alice, `mutation { startDirectConversation(username: "carol") { id } }`, nil, &two)
		typing := func(conv string) func(int) string {
			return func(int) string { return fmt.Sprintf(`sendTyping(conversationId: %q)`, conv) }
		}
		_, errs := a.doPaths(alice, aliases("mutation", 5, typing(one.StartDirectConversation.ID)))
		if others := rateLimitedAliases(t, errs, []string{"a3", "a4"}); len(others) > 0 {
			t.Fatalf("other errors: %+v", others)
		}
		a.ok(alice, aliases("mutation", 3, typing(two.StartDirectConversation.ID)), nil, nil)
		if got := m.Refusals("typing_per_conversation"); got != 2 {
			t.Fatalf("%v refusals counted, want 2", got)
		}
	})
}

// TestRateLimitLifeCycleMutations: the conversation life cycle's mutations
// pass through the per-user mutation limit like every other.
func TestRateLimitLifeCycleMutations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		m := metrics.New()
		a := newLimitedAPI(t, db, &graph.RateLimits{Mutations: hourly(4), Metrics: m})
		alice, _ := a.signUp("alice")
		a.signUp("bob")
		var g struct{ CreateGroupConversation struct{ ID string } }
		a.ok(alice, `mutation { createGroupConversation(input: {title: "g", usernames: ["bob"]}) { id } }`, nil, &g)
		rename := func(i int) string {
			return fmt.Sprintf(`renameConversation(conversationId: %q, title: "t%d") { title }`, g.CreateGroupConversation.ID, i)
		}
		_, errs := a.doPaths(alice, aliases("mutation", 5, rename))
		if others := rateLimitedAliases(t, errs, []string{"a3", "a4"}); len(others) > 0 {
			t.Fatalf("other errors: %+v", others)
		}
		if got := m.Refusals("mutations_per_user"); got != 2 {
			t.Fatalf("%v refusals counted, want 2", got)
		}
	})
}
