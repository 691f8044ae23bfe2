package main

// The limits against abuse, end to end, at their default settings except
// where a test pins a rate down so that the counts it checks are exact:
// aliased mutations count one by one, log-ins past the limit reveal
// nothing, a user's streams past the cap get 429, and password hashing waits
// or refuses. Every refusal is counted in messenger_refusals_total.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// gqlError is an error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// fullResponse is a GraphQL response with its errors decoded.
type fullResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// post sends one operation with the extra header lines given ("Name: value").
func (p *serverProcess) post(t testing.TB, token, query string, headers ...string) fullResponse {
	t.Helper()
	req := postRequest(context.Background(), p.URL, token, query, nil)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	res, err := apiClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r fullResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("status %d, decode %q: %v", res.StatusCode, raw, err)
	}
	return r
}

// code is the error's extensions.code.
func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

// alias is the alias of the root field the error is about.
func (e gqlError) alias() string {
	if len(e.Path) == 0 {
		return ""
	}
	return fmt.Sprint(e.Path[0])
}

// checkRateLimited fails unless e is RATE_LIMITED with a retryAfter of
// whole seconds, at least 1.
func checkRateLimited(t testing.TB, e gqlError) {
	t.Helper()
	r, ok := e.Extensions["retryAfter"].(float64)
	if e.code() != "RATE_LIMITED" || !ok || r < 1 || r != float64(int64(r)) {
		t.Fatalf("%+v: want RATE_LIMITED with a whole retryAfter >= 1", e)
	}
}

// aliased repeats field n times in one mutation, as a0, a1, ...
func aliased(n int, field func(i int) string) string {
	var b strings.Builder
	b.WriteString("mutation {")
	for i := range n {
		fmt.Fprintf(&b, "\n  a%d: %s", i, field(i))
	}
	b.WriteString("\n}")
	return b.String()
}

// refusals reads the refusals of limit counted by the server.
func (p *serverProcess) refusals(t testing.TB, limit string) float64 {
	t.Helper()
	return p.metrics(t)[`messenger_refusals_total{limit="`+limit+`"}`]
}

// TestRateLimitAliasedMessages: 200 aliased createMessage fields in one
// request write only the burst (40, the default); each of the other 160 is
// RATE_LIMITED with retryAfter, and is counted. (The document limits would
// refuse such a request whole: they are raised here, so that the rate limit
// is what is tested.)
func TestRateLimitAliasedMessages(t *testing.T) {
	p := startServerDefaultLimits(t, "MESSENGER_MESSAGE_RATE=1/1h", // no refill during the test: the burst is exact
		"MESSENGER_MAX_ROOT_FIELDS=1000", "MESSENGER_MAX_QUERY_ALIASES=1000")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	c := p.direct(t, alice, "bob")

	r := p.post(t, alice, aliased(200, func(i int) string {
		return fmt.Sprintf(`createMessage(input: {conversationId: %q, content: "message %d"}) { seq }`, c, i)
	}))
	// A response carries at most 20 errors, the last saying how many more
	// there were: 19 refused aliases are named, and 141 more counted.
	if n := len(r.Errors); n != 20 || r.Errors[19].Message != "141 more errors not shown" {
		t.Fatalf("%d errors, the last %+v; want 19 and 141 more", n, r.Errors[n-1])
	}
	for _, e := range r.Errors[:19] {
		checkRateLimited(t, e)
		var i int
		if _, err := fmt.Sscanf(e.alias(), "a%d", &i); err != nil || i < 40 {
			t.Fatalf("alias %q refused, want one of a40..a199", e.alias())
		}
	}
	stored := p.stored(t, bob, c)
	if len(stored) != 40 {
		t.Fatalf("%d messages stored, want the burst of 40", len(stored))
	}
	for i, m := range stored {
		if m.Content != fmt.Sprint("message ", i) {
			t.Fatalf("stored message %d is %q", i, m.Content)
		}
	}
	if n := p.refusals(t, "messages_per_user"); n != 160 {
		t.Fatalf("%v refusals counted, want 160", n)
	}
}

// TestRateLimitAliasedLogIn: 8 aliased logIn fields in one request try the
// username's 5 events (the default burst; its sign-up took one): 4 wrong
// passwords are checked, the other 4, the right one among them, are
// refused all alike, and no token comes back.
func TestRateLimitAliasedLogIn(t *testing.T) {
	p := startServerDefaultLimits(t, "MESSENGER_AUTH_RATE_PER_USERNAME=1/1h") // no refill during the test
	p.signUp(t, "alice")
	r := p.post(t, "", aliased(8, func(i int) string {
		password := fmt.Sprint("guess number ", i)
		if i == 7 {
			password = "password123"
		}
		return fmt.Sprintf(`logIn(input: {username: "alice", password: %q}) { token }`, password)
	}))
	if strings.Contains(string(r.Data), "token") {
		t.Fatalf("a token came back: %s", r.Data)
	}
	byAlias := map[string]gqlError{}
	for _, e := range r.Errors {
		byAlias[e.alias()] = e
	}
	for i := range 8 {
		e, ok := byAlias[fmt.Sprint("a", i)]
		switch {
		case !ok:
			t.Fatalf("a%d: no error in %+v", i, r.Errors)
		case i < 4 && e.code() != "UNAUTHENTICATED":
			t.Fatalf("a%d: %+v, want UNAUTHENTICATED", i, e)
		case i >= 4:
			checkRateLimited(t, e)
		}
	}
	if right, wrong := byAlias["a7"], byAlias["a4"]; right.Message != wrong.Message || fmt.Sprint(right.Extensions) != fmt.Sprint(wrong.Extensions) {
		t.Fatalf("the refused right password %+v differs from a refused wrong one %+v", right, wrong)
	}
	// Still refused alone, right password and all.
	r = p.post(t, "", `mutation { logIn(input: {username: "alice", password: "password123"}) { token } }`)
	if len(r.Errors) != 1 {
		t.Fatalf("log-in past the limit: %s %+v", r.Data, r.Errors)
	}
	checkRateLimited(t, r.Errors[0])
	if n := p.refusals(t, "auth_per_username"); n != 5 {
		t.Fatalf("%v refusals counted, want 5", n)
	}
}

// TestRateLimitAuthPerAddress: behind a proxy that sets X-Forwarded-For,
// each client address gets its own budget of sign-ups, whatever a client
// puts in front of its own entry; a refused sign-up writes nothing.
func TestRateLimitAuthPerAddress(t *testing.T) {
	p := startServerDefaultLimits(t, "MESSENGER_CLIENT_IP_HEADER=X-Forwarded-For",
		"MESSENGER_AUTH_RATE_PER_ADDRESS=1/1h", "MESSENGER_AUTH_BURST_PER_ADDRESS=3")
	signUp := func(name, forwardedFor string) fullResponse {
		return p.post(t, "", fmt.Sprintf(`mutation { signUp(input: {username: %q, password: "password123"}) { token } }`, name),
			"X-Forwarded-For: "+forwardedFor)
	}
	for i, xff := range []string{"198.51.100.1", "10.9.9.9, 198.51.100.1", "198.51.100.1"} {
		if r := signUp(fmt.Sprint("user", i), xff); len(r.Errors) > 0 {
			t.Fatalf("sign-up %d: %+v", i, r.Errors)
		}
	}
	r := signUp("spoofer", "10.0.0.1, 198.51.100.1") // a forged entry in front changes nothing
	if len(r.Errors) != 1 {
		t.Fatalf("sign-up past the limit: %s %+v", r.Data, r.Errors)
	}
	checkRateLimited(t, r.Errors[0])
	if r := signUp("another", "198.51.100.2"); len(r.Errors) > 0 {
		t.Fatalf("another address refused: %+v", r.Errors)
	}
	token := p.post(t, "", `mutation { logIn(input: {username: "another", password: "password123"}) { token } }`).Data
	var out struct{ LogIn struct{ Token string } }
	if err := json.Unmarshal(token, &out); err != nil || out.LogIn.Token == "" {
		t.Fatalf("log-in from the connection's own address: %s", token)
	}
	var user struct{ User *struct{ ID string } }
	p.graphql(t, out.LogIn.Token, `{ user(username: "spoofer") { id } }`, nil, &user)
	if user.User != nil {
		t.Fatal("the refused sign-up stored its user")
	}
	if n := p.refusals(t, "auth_per_address"); n != 1 {
		t.Fatalf("%v refusals counted, want 1", n)
	}
}

// TestRateLimitStreams: a user holds at most 16 streams (the default),
// POST and GET alike; the 17th gets 429 with a RATE_LIMITED GraphQL error
// and registers no subscription; another user is not affected, and a slot
// frees up when a stream ends.
func TestRateLimitStreams(t *testing.T) {
	p := startServerDefaultLimits(t)
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ticket := p.ticket(t, alice)
	var streams []*sseStream
	for i := range 16 {
		if i%2 == 0 {
			streams = append(streams, p.subscribePOST(t, alice, nil))
		} else {
			s := p.openGET(t, ticket, subscription, nil, "")
			if s.Status != http.StatusOK {
				t.Fatalf("GET stream %d: status %d", i, s.Status)
			}
			streams = append(streams, s)
		}
	}
	p.waitSubscriptions(t, 16)

	refused := 0
	open17th := func(get bool) (int, []byte) {
		t.Helper()
		req := streamPOSTRequest(context.Background(), p.URL, alice, subscription, nil)
		if get {
			req = streamGETRequest(context.Background(), p.URL, ticket, subscription, nil, "")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			refused++
			raw, _ := io.ReadAll(res.Body)
			return res.StatusCode, raw
		}
		return res.StatusCode, nil
	}
	for _, get := range []bool{false, true} {
		status, body := open17th(get)
		var r fullResponse
		if err := json.Unmarshal(body, &r); err != nil || status != http.StatusTooManyRequests || len(r.Errors) != 1 || r.Errors[0].code() != "RATE_LIMITED" {
			t.Fatalf("17th stream (GET %v): status %d, body %q", get, status, body)
		}
	}
	if n := p.metrics(t)["messenger_subscriptions"]; n != 16 {
		t.Fatalf("%v subscriptions after the refusals, want 16", n)
	}
	other := p.subscribePOST(t, bob, nil)
	p.waitSubscriptions(t, 17)
	other.Close()

	streams[0].Close()
	deadline := time.Now().Add(guard)
	for {
		// The slot is given back when the stream's handler returns, a
		// moment after the client left: until then the server refuses.
		if status, _ := open17th(false); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed up within %v after a stream ended", guard)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := p.refusals(t, "streams_per_user"); n != float64(refused) {
		t.Fatalf("%v refusals counted, want %d", n, refused)
	}
}

// TestRateLimitPasswordHashing: log-ins beyond the hashing concurrency
// wait for a slot; when the wait is too short they are refused with
// RATE_LIMITED, unknown usernames (the decoy check) as well, and nothing
// else changes: every other log-in gets its usual answer.
func TestRateLimitPasswordHashing(t *testing.T) {
	logIns := func(p *serverProcess, n int, username, password string) (tokens, unauthenticated, refused int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				r, err := p.do("", `mutation($u: String!, $p: String!) { logIn(input: {username: $u, password: $p}) { token } }`,
					map[string]any{"u": username, "p": password})
				mu.Lock()
				defer mu.Unlock()
				var out struct{ LogIn struct{ Token string } }
				var errs []gqlError
				switch {
				case err != nil:
					t.Error(err)
				case json.Unmarshal(r.Errors, &errs) == nil && len(errs) == 1 && errs[0].code() == "RATE_LIMITED" && !bytes.Contains(r.Data, []byte("token")):
					refused++
				case json.Unmarshal(r.Errors, &errs) == nil && len(errs) == 1 && errs[0].code() == "UNAUTHENTICATED":
					unauthenticated++
				case len(r.Errors) == 0 && json.Unmarshal(r.Data, &out) == nil && out.LogIn.Token != "":
					tokens++
				default:
					t.Errorf("unexpected answer: %s %s", r.Data, r.Errors)
				}
			})
		}
		close(start)
		wg.Wait()
		return
	}

	t.Run("Wait", func(t *testing.T) {
		p := startServerDefaultLimits(t, "MESSENGER_HASH_CONCURRENCY=1", "MESSENGER_HASH_WAIT=1m", "MESSENGER_AUTH_RATE_PER_USERNAME=off")
		p.signUp(t, "alice")
		if tokens, _, _ := logIns(p, 4, "alice", "password123"); tokens != 4 {
			t.Fatalf("%d of 4 log-ins succeeded, want all (they wait their turn)", tokens)
		}
		if n := p.refusals(t, "password_hashing"); n != 0 {
			t.Fatalf("%v refusals counted", n)
		}
	})
	t.Run("Refuse", func(t *testing.T) {
		p := startServerDefaultLimits(t, "MESSENGER_HASH_CONCURRENCY=1", "MESSENGER_HASH_WAIT=1ms",
			"MESSENGER_AUTH_RATE_PER_ADDRESS=off", "MESSENGER_AUTH_RATE_PER_USERNAME=off")
		p.signUp(t, "alice")
		// 16 at once on one slot: some are refused (each hash takes far
		// longer than the wait); how many depends on the machine.
		tokens, _, refusedKnown := logIns(p, 16, "alice", "password123")
		_, unknown, refusedUnknown := logIns(p, 16, "nobody", "password123")
		t.Logf("known user: %d tokens, %d refused; unknown user: %d UNAUTHENTICATED, %d refused", tokens, refusedKnown, unknown, refusedUnknown)
		if refusedKnown == 0 || refusedUnknown == 0 {
			t.Fatalf("no log-in refused (known user %d, unknown user %d) with one hashing slot", refusedKnown, refusedUnknown)
		}
		if tokens+refusedKnown != 16 || unknown+refusedUnknown != 16 {
			t.FailNow() // the unexpected answers are reported above
		}
		if n := p.refusals(t, "password_hashing"); n != float64(refusedKnown+refusedUnknown) {
			t.Fatalf("%v refusals counted, want %d", n, refusedKnown+refusedUnknown)
		}
	})
}
