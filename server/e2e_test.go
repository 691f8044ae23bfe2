package main

// End-to-end tests of the GraphQL API against the real, race-built server
// binary: sign-up, log-in, conversations, paging and read markers, the access
// log, and tokens that outlive a restart.

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, "DATABASE_URL=sqlite:"+filepath.Join(dir, "e2e.db"))

	for _, path := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}

	signUp := `mutation SignUp($u: String!) { signUp(input: {username: $u, password: "password123", displayName: "Someone"}) { token expiresAt user { id username } } }`
	var alice, bob struct {
		SignUp struct {
			Token string
			User  struct{ ID, Username string }
		}
	}
	p.graphql(t, "", signUp, map[string]any{"u": "alice"}, &alice)
	p.graphql(t, "", signUp, map[string]any{"u": "bob"}, &bob)
	aliceToken, bobToken := alice.SignUp.Token, bob.SignUp.Token

	var logIn struct{ LogIn struct{ Token string } }
	p.graphql(t, "", `mutation { logIn(input: {username: "BOB", password: "password123"}) { token } }`, nil, &logIn)
	if logIn.LogIn.Token == "" {
		t.Fatal("no token from logIn")
	}

	var start struct{ StartDirectConversation struct{ ID string } }
	p.graphql(t, aliceToken, `mutation { startDirectConversation(username: "bob") { id } }`, nil, &start)
	convID := start.StartDirectConversation.ID

	send := `mutation Send($c: ID!, $text: String!, $client: String) { createMessage(input: {conversationId: $c, content: $text, clientMessageId: $client}) { id seq mine } }`
	for i := 1; i <= 5; i++ {
		var out struct{ CreateMessage struct{ Seq int } }
		p.graphql(t, aliceToken, send, map[string]any{"c": convID, "text": fmt.Sprint("hello ", i), "client": fmt.Sprint("c", i)}, &out)
		if out.CreateMessage.Seq != i {
			t.Fatalf("message %d got seq %d", i, out.CreateMessage.Seq)
		}
	}
	var retry struct{ CreateMessage struct{ Seq int } }
	p.graphql(t, aliceToken, send, map[string]any{"c": convID, "text": "hello 3", "client": "c3"}, &retry)
	if retry.CreateMessage.Seq != 3 {
		t.Fatalf("retry got seq %d, want the original 3", retry.CreateMessage.Seq)
	}

	var page struct {
		Conversation struct {
			UnreadCount int
			LastMessage struct{ Content string }
			Messages    struct {
				Edges    []struct{ Node struct{ Seq int } }
				PageInfo struct {
					HasPreviousPage bool
					StartCursor     string
				}
			}
		}
	}
	p.graphql(t, bobToken, `query($c: ID!) { conversation(id: $c) { unreadCount lastMessage { content }
  messages(last: 2) { edges { node { seq } } pageInfo { hasPreviousPage startCursor } } } }`, map[string]any{"c": convID}, &page)
	c := page.Conversation
	if c.UnreadCount != 5 || c.LastMessage.Content != "hello 5" || len(c.Messages.Edges) != 2 || c.Messages.Edges[0].Node.Seq != 4 || !c.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("bob's view: %+v", c)
	}
	var older struct {
		Messages struct {
			Edges []struct{ Node struct{ Seq int } }
		}
	}
	p.graphql(t, bobToken, `query($c: ID!, $b: String) { messages(conversationId: $c, last: 10, before: $b) { edges { node { seq } } } }`,
		map[string]any{"c": convID, "b": c.Messages.PageInfo.StartCursor}, &older)
	if len(older.Messages.Edges) != 3 || older.Messages.Edges[2].Node.Seq != 3 {
		t.Fatalf("older page: %+v", older)
	}

	var read struct {
		MarkConversationAsRead struct{ UnreadCount, LastReadSeq int }
	}
	p.graphql(t, bobToken, `mutation($c: ID!) { markConversationAsRead(conversationId: $c, seq: 4) { unreadCount lastReadSeq } }`, map[string]any{"c": convID}, &read)
	if read.MarkConversationAsRead.LastReadSeq != 4 || read.MarkConversationAsRead.UnreadCount != 1 {
		t.Fatalf("after read: %+v", read)
	}

	resp, err := p.do("", `{ me { id } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Errors), `"UNAUTHENTICATED"`) {
		t.Fatalf("anonymous me: %s", resp.Errors)
	}

	logs := p.Logs()
	if strings.Contains(logs, aliceToken) || strings.Contains(logs, bobToken) || strings.Contains(logs, "password123") {
		t.Fatal("a token or password reached the log")
	}
	if !strings.Contains(logs, "operation=Send") {
		t.Fatalf("access log lacks operation names:\n%s", logs)
	}
}

func TestTokensSurviveRestart(t *testing.T) {
	dbURL := "DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "restart.db")
	first := startServer(t, dbURL)
	var out struct{ SignUp struct{ Token string } }
	first.graphql(t, "", `mutation { signUp(input: {username: "carol", password: "password123"}) { token } }`, nil, &out)
	first.stop(t)

	second := startServer(t, dbURL)
	var me struct{ Me struct{ Username string } }
	second.graphql(t, out.SignUp.Token, `{ me { username } }`, nil, &me)
	if me.Me.Username != "carol" {
		t.Fatalf("me after restart: %+v", me)
	}
}
