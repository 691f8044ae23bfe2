package main

// End-to-end tests of sessions that end: logOut ends one session,
// changePassword every other one; an ended session's tokens and tickets stop
// working at once and its open streams are cut, on every instance (the end
// travels on the bus), while the user's other sessions go on.

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// logIn returns a token of a new session of username.
func (p *serverProcess) logIn(t testing.TB, username, password string) string {
	t.Helper()
	var out struct{ LogIn struct{ Token string } }
	p.graphql(t, "", `mutation($u: String!, $p: String!) { logIn(input: {username: $u, password: $p}) { token } }`,
		map[string]any{"u": username, "p": password}, &out)
	return out.LogIn.Token
}

// errorCode runs query with token and returns its first error's code ("" for none).
func (p *serverProcess) errorCode(t testing.TB, token, query string, vars map[string]any) string {
	t.Helper()
	r, err := p.do(token, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"UNAUTHENTICATED", "BAD_USER_INPUT", "NOT_FOUND"} {
		if strings.Contains(string(r.Errors), `"`+code+`"`) {
			return code
		}
	}
	return string(r.Errors)
}

// ended waits until the stream has ended, failing the test if it has not
// within guard.
func (s *sseStream) waitEnded(t testing.TB, what string) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(guard):
		t.Fatalf("%s: the stream of an ended session is still open", what)
	}
}

func TestSessionsLogOut(t *testing.T) {
	p := startServer(t)
	phone, _ := p.signUp(t, "alice")
	laptop := p.logIn(t, "alice", "password123")
	bob, _ := p.signUp(t, "bob")
	conv := p.direct(t, bob, "alice")
	phoneTicket := p.ticket(t, phone)
	phonePOST := p.subscribePOST(t, phone, nil)
	phoneGET := p.openGET(t, phoneTicket, subscription, nil, "")
	laptopPOST := p.subscribePOST(t, laptop, nil)
	p.waitSubscriptions(t, 3)

	var out struct{ LogOut bool }
	p.graphql(t, phone, `mutation { logOut }`, nil, &out)
	if !out.LogOut {
		t.Fatal("logOut returned false")
	}
	if code := p.errorCode(t, phone, `{ me { id } }`, nil); code != "UNAUTHENTICATED" {
		t.Fatalf("the ended session's token: %s", code)
	}
	if status, body := requestStatus(t, http.MethodGet, p.URL+"/graphql?ticket="+phoneTicket+"&query=subscription%7BmessageCreated%7Bid%7D%7D",
		"text/event-stream", nil); status != http.StatusUnauthorized {
		t.Fatalf("the ended session's ticket: status %d %.200s", status, body)
	}
	phonePOST.waitEnded(t, "POST")
	phoneGET.waitEnded(t, "GET")

	// The laptop's session goes on.
	p.waitSubscriptions(t, 1)
	sent, err := p.send(bob, conv, "still here?")
	if err != nil {
		t.Fatal(err)
	}
	if got := laptopPOST.message(t); got.ID != sent.ID {
		t.Fatalf("the other session got %+v, want %s", got, sent.ID)
	}
	if code := p.errorCode(t, laptop, `{ me { id } }`, nil); code != "" {
		t.Fatalf("the other session's token: %s", code)
	}
}

func TestSessionsChangePassword(t *testing.T) {
	p := startServer(t)
	here, _ := p.signUp(t, "alice")
	elsewhere := p.logIn(t, "alice", "password123")
	bob, _ := p.signUp(t, "bob")
	conv := p.direct(t, bob, "alice")
	hereStream := p.subscribePOST(t, here, nil)
	elsewhereStream := p.subscribePOST(t, elsewhere, nil)
	p.waitSubscriptions(t, 2)

	change := `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { token user { username } } }`
	if code := p.errorCode(t, here, change, map[string]any{"c": "wrong password", "n": "a new password"}); code != "UNAUTHENTICATED" {
		t.Fatalf("wrong current password: %s", code)
	}
	if code := p.errorCode(t, here, change, map[string]any{"c": "password123", "n": "short"}); code != "BAD_USER_INPUT" {
		t.Fatalf("too short a new password: %s", code)
	}
	if code := p.errorCode(t, elsewhere, `{ me { id } }`, nil); code != "" {
		t.Fatalf("a refused change ended a session: %s", code)
	}
	var out struct {
		ChangePassword struct {
			Token string
			User  struct{ Username string }
		}
	}
	p.graphql(t, here, change, map[string]any{"c": "password123", "n": "a new password"}, &out)
	if out.ChangePassword.Token == "" || out.ChangePassword.User.Username != "alice" {
		t.Fatalf("changePassword returned %+v", out)
	}

	if code := p.errorCode(t, elsewhere, `{ me { id } }`, nil); code != "UNAUTHENTICATED" {
		t.Fatalf("the other session's token after the change: %s", code)
	}
	elsewhereStream.waitEnded(t, "the other session")
	for name, token := range map[string]string{"old token": here, "new token": out.ChangePassword.Token} {
		if code := p.errorCode(t, token, `{ me { id } }`, nil); code != "" {
			t.Fatalf("this session's %s: %s", name, code)
		}
	}
	sent, err := p.send(bob, conv, "did it work?")
	if err != nil {
		t.Fatal(err)
	}
	if got := hereStream.message(t); got.ID != sent.ID {
		t.Fatalf("this session's stream got %+v, want %s", got, sent.ID)
	}
	logIn := `mutation($p: String!) { logIn(input: {username: "alice", password: $p}) { token } }`
	if code := p.errorCode(t, "", logIn, map[string]any{"p": "password123"}); code != "UNAUTHENTICATED" {
		t.Fatalf("the old password: %s", code)
	}
	p.logIn(t, "alice", "a new password")
}

// TestInstancesSessionEndTravels: a session ended through one instance is
// refused at once by another that had it cached as live for an hour, and its
// stream there is cut: the end travels on the bus.
func TestInstancesSessionEndTravels(t *testing.T) {
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			envA, envB, _ := bus.setup(t)
			a := startServer(t, envA...)
			b := startServer(t, append(envB, "MESSENGER_SESSION_CACHE_TTL=1h")...)
			token, _ := a.signUp(t, "alice")
			if code := b.errorCode(t, token, `{ me { id } }`, nil); code != "" {
				t.Fatalf("B refused a live session: %s", code)
			}
			onB := b.subscribePOST(t, token, nil)
			b.waitSubscriptions(t, 1)

			a.graphql(t, token, `mutation { logOut }`, nil, nil)
			onB.waitEnded(t, "B")
			// The stream ended when the end reached B, and with it B's cache.
			if code := b.errorCode(t, token, `{ me { id } }`, nil); code != "UNAUTHENTICATED" {
				t.Fatalf("B after the session ended on A: %s", code)
			}
		})
	}
}
