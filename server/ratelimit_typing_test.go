package main

import (
	"fmt"
	"testing"
)

// TestRateLimitTyping: with the default typing burst (3) and no refill,
// a fourth sendTyping in one conversation is RATE_LIMITED with retryAfter
// and counted as typing_per_conversation; another conversation has its own
// budget.
func TestRateLimitTyping(t *testing.T) {
	p := startServerDefaultLimits(t, "MESSENGER_TYPING_RATE=1/1h")
	alice, _ := p.signUp(t, "alice")
	p.signUp(t, "bob")
	p.signUp(t, "carol")
	one, two := p.direct(t, alice, "bob"), p.direct(t, alice, "carol")
	typing := func(c string) func(int) string {
		return func(int) string { return fmt.Sprintf(`sendTyping(conversationId: %q)`, c) }
	}
	r := p.post(t, alice, aliased(4, typing(one)))
	if len(r.Errors) != 1 || r.Errors[0].alias() != "a3" {
		t.Fatalf("errors %+v, want a3 refused", r.Errors)
	}
	checkRateLimited(t, r.Errors[0])
	if r := p.post(t, alice, aliased(3, typing(two))); len(r.Errors) != 0 {
		t.Fatalf("another conversation: %+v", r.Errors)
	}
	if n := p.refusals(t, "typing_per_conversation"); n != 1 {
		t.Fatalf("%v refusals counted, want 1", n)
	}
}
