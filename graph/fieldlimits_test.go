package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/ratelimit"
)

// newLimitedAPI is newAPI behind limits; a request's X-Test-Client header,
// when set, is its client address.
func newLimitedAPI(t *testing.T, db *database.DB, limits *graph.RateLimits) *api {
	a := newAPI(t, db, func(c *graph.ServerConfig) { c.RateLimits = limits })
	h := a.handler
	a.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(ratelimit.WithClient(r.Context(), r.Header.Get("X-Test-Client"))))
	})
	return a
}

// hourly is a limit of burst events, then one an hour: what a test sees of
// it is exactly the burst.
func hourly(burst int) *ratelimit.Keyed {
	return ratelimit.NewKeyed(ratelimit.Rate{Limit: rate.Every(time.Hour), Burst: burst}, 0)
}

// aliases repeats field n times as aliases a0, a1, ... in one operation.
func aliases(op string, n int, field func(i int) string) string {
	var b strings.Builder
	b.WriteString(op + " {")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field(i))
	}
	b.WriteString(" }")
	return b.String()
}

// rateLimitedAliases checks that the errors of resp are RATE_LIMITED with
// a whole retryAfter of at least 1 for exactly the aliases in want, and
// returns the others' errors.
func rateLimitedAliases(t *testing.T, errs []pathedError, want []string) []pathedError {
	t.Helper()
	var got []string
	var others []pathedError
	for _, e := range errs {
		if e.Extensions["code"] != chat.CodeRateLimited {
			others = append(others, e)
			continue
		}
		if r, ok := e.Extensions["retryAfter"].(float64); !ok || r < 1 || r != float64(int(r)) {
			t.Fatalf("retryAfter %v in %+v, want whole seconds >= 1", e.Extensions["retryAfter"], e)
		}
		got = append(got, fmt.Sprint(e.Path...))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("RATE_LIMITED at %v, want %v", got, want)
	}
	return others
}

// pathedError is an error of a response with its path.
type pathedError struct {
	gqlError
	Path []any `json:"path"`
}

// doPaths is do with the paths of the errors.
func (a *api) doPaths(token, query string) (data json.RawMessage, errs []pathedError) {
	a.t.Helper()
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []pathedError   `json:"errors"`
	}
	a.post(token, query, nil, &resp)
	return resp.Data, resp.Errors
}

// TestRateLimitAliasedMessages: aliased createMessage fields count one by
// one; past the burst each is RATE_LIMITED before its resolver runs (no
// statement, nothing stored), and only the sender is limited.
func TestRateLimitAliasedMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		m := metrics.New()
		a := newLimitedAPI(t, db, &graph.RateLimits{Messages: hourly(3), Mutations: hourly(100), Metrics: m})
		alice, _ := a.signUp("alice")
		bob, _ := a.signUp("bob")
		var conv struct{ StartDirectConversation struct{ ID string } }
		a.ok(alice, `mutation { startDirectConversation(username: "bob") { id } }`, nil, &conv)
		c := conv.StartDirectConversation.ID
		send := func(i int) string {
			return fmt.Sprintf(`createMessage(input: {conversationId: %q, content: "m%d"}) { seq }`, c, i)
		}

		_, errs := a.doPaths(alice, aliases("mutation", 10, send))
		if others := rateLimitedAliases(t, errs, []string{"a3", "a4", "a5", "a6", "a7", "a8", "a9"}); len(others) > 0 {
			t.Fatalf("other errors: %+v", others)
		}
		before := a.counter.n.Load()
		_, errs = a.doPaths(alice, aliases("mutation", 5, send))
		rateLimitedAliases(t, errs, []string{"a0", "a1", "a2", "a3", "a4"})
		if n := a.counter.n.Load() - before; n != 0 {
			t.Fatalf("refused fields ran %d statements", n)
		}
		var page struct {
			Messages struct {
				Edges []struct{ Node struct{ Content string } }
			}
		}
		a.ok(bob, `query($c: ID!) { messages(conversationId: $c, first: 50) { edges { node { content } } } }`, map[string]any{"c": c}, &page)
		if n := len(page.Messages.Edges); n != 3 {
			t.Fatalf("%d messages stored, want the burst of 3", n)
		}
		if got := m.Refusals("messages_per_user"); got != 12 {
			t.Fatalf("%v refusals counted, want 12", got)
		}
		// Bob's own budget is untouched.
		a.ok(bob, aliases("mutation", 3, send), nil, nil)
	})
}

// TestRateLimitOtherMutations: every other mutation shares one budget per
// user.
func TestRateLimitOtherMutations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newLimitedAPI(t, db, &graph.RateLimits{Mutations: hourly(2)})
		alice, _ := a.signUp("alice")
		a.signUp("bob")
		group := func(i int) string {
			return fmt.Sprintf(`createGroupConversation(input: {title: "g%d", usernames: ["bob"]}) { id }`, i)
		}
		_, errs := a.doPaths(alice, aliases("mutation", 4, group))
		if others := rateLimitedAliases(t, errs, []string{"a2", "a3"}); len(others) > 0 {
			t.Fatalf("other errors: %+v", others)
		}
		var out struct {
			Conversations struct{ Edges []json.RawMessage }
		}
		a.ok(alice, `{ conversations(first: 20) { edges { node { id } } } }`, nil, &out)
		if n := len(out.Conversations.Edges); n != 2 {
			t.Fatalf("%d conversations stored, want 2", n)
		}
		if code := a.code(alice, `mutation { createStreamTicket { ticket } }`, nil); code != chat.CodeRateLimited {
			t.Fatalf("createStreamTicket past the budget: %s", code)
		}
	})
}

// TestRateLimitLogIn: aliased logIn fields count one by one against the
// username; those past the limit are refused whatever their password, so
// the right one among them reveals nothing; another client address with
// another username is not affected, and the address limit stops sign-ups.
func TestRateLimitLogIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		m := metrics.New()
		a := newLimitedAPI(t, db, &graph.RateLimits{AuthPerUsername: hourly(3), AuthPerAddress: hourly(6), Metrics: m})
		a.signUp("Alice") // one event of "alice"
		logIn := func(i int) string {
			password := "wrong password"
			if i == 3 {
				password = "password1"
			}
			return fmt.Sprintf(`logIn(input: {username: " ALICE ", password: %q}) { token }`, password)
		}
		data, errs := a.doPaths("", aliases("mutation", 4, logIn))
		others := rateLimitedAliases(t, errs, []string{"a2", "a3"})
		if len(others) != 2 || others[0].Extensions["code"] != chat.CodeUnauthenticated || others[1].Extensions["code"] != chat.CodeUnauthenticated {
			t.Fatalf("the aliases within the limit: %+v, want two UNAUTHENTICATED", others)
		}
		if strings.Contains(string(data), "token") {
			t.Fatalf("a token in %s", data)
		}
		if got := m.Refusals("auth_per_username"); got != 2 {
			t.Fatalf("%v refusals counted, want 2", got)
		}

		// The address has 6 events: 1 sign-up and 4 log-ins are spent;
		// one more sign-up passes, the next is refused and writes nothing.
		a.signUp("bob")
		if code := a.code("", `mutation { signUp(input: {username: "carol", password: "password1"}) { token } }`, nil); code != chat.CodeRateLimited {
			t.Fatalf("sign-up past the address limit: %s", code)
		}
		if u, err := a.svc.UserByUsername(t.Context(), "carol"); err != nil || u != nil {
			t.Fatalf("carol stored: %v %v", u, err)
		}
		if got := m.Refusals("auth_per_address"); got != 1 {
			t.Fatalf("%v address refusals counted, want 1", got)
		}
	})
}
