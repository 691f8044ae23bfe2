package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/messenger/messenger/client"
)

// TestGoClientConversationEvents: the typed Go client covers the
// conversation life cycle: its mutations, and conversationEvents decoded
// into one Go type per event type, typing without a cursor.
func TestGoClientConversationEvents(t *testing.T) {
	p := startServer(t)
	endpoint := p.URL + "/graphql"
	ctx := t.Context()
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	anon := client.New(endpoint, "", hc)
	a, err := client.SignUp(ctx, anon, client.SignUpInput{Username: "alice", Password: "password123"})
	must("sign up", err)
	b, err := client.SignUp(ctx, anon, client.SignUpInput{Username: "bob", Password: "password123"})
	must("sign up", err)
	alice, bob := client.New(endpoint, a.SignUp.Token, hc), client.New(endpoint, b.SignUp.Token, hc)
	group, err := client.CreateGroupConversation(ctx, alice, client.CreateGroupConversationInput{Title: "Team", Usernames: []string{"bob"}})
	must("group", err)
	conv := group.CreateGroupConversation.Id

	sse := client.NewSSE(endpoint, b.SignUp.Token, hc)
	_, err = sse.Start(ctx)
	must("SSE start", err)
	t.Cleanup(func() { _ = sse.Close() })
	events, _, err := client.ConversationEvents(ctx, sse, &conv, nil)
	must("conversationEvents", err)
	p.waitSubscriptions(t, 1)

	sent, err := client.CreateMessage(ctx, alice, client.CreateMessageInput{ConversationId: conv, Content: "helo"})
	must("send", err)
	_, err = client.SendTyping(ctx, alice, conv)
	must("typing", err)
	edited, err := client.EditMessage(ctx, alice, sent.CreateMessage.Id, "hello")
	must("edit", err)
	if edited.EditMessage.EditedAt == nil {
		t.Fatal("no editedAt")
	}
	_, err = client.RenameConversation(ctx, alice, conv, "Crew")
	must("rename", err)
	_, err = client.MarkConversationAsRead(ctx, bob, conv, nil)
	must("mark read", err)

	next := func() client.ConversationEventsWsResponse {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok || ev.Data == nil || len(ev.Errors) > 0 {
				t.Fatalf("event %+v (open %v)", ev, ok)
			}
			return ev
		case <-time.After(guard):
			t.Fatal("no event within the guard")
		}
		panic("unreachable")
	}
	if ev, ok := next().Data.ConversationEvents.(*client.ConversationEventsConversationEventsMessageCreatedEvent); !ok || ev.Message.Content != "helo" {
		t.Fatalf("first event %+v", ev)
	}
	typing := next()
	if ev, ok := typing.Data.ConversationEvents.(*client.ConversationEventsConversationEventsTypingEvent); !ok || ev.User.Username != "alice" || client.Cursor(typing.Extensions) != "" {
		t.Fatalf("typing %+v, cursor %q", typing.Data.ConversationEvents, client.Cursor(typing.Extensions))
	}
	if ev, ok := next().Data.ConversationEvents.(*client.ConversationEventsConversationEventsMessageEditedEvent); !ok || ev.Message.Content != "hello" {
		t.Fatalf("edit event %+v", ev)
	}
	if ev, ok := next().Data.ConversationEvents.(*client.ConversationEventsConversationEventsConversationRenamedEvent); !ok || ev.Title != "Crew" {
		t.Fatalf("rename event %+v", ev)
	}
	marked := next()
	if ev, ok := marked.Data.ConversationEvents.(*client.ConversationEventsConversationEventsReadMarkerMovedEvent); !ok || ev.UnreadCount != 0 || ev.Marker.User.Username != "bob" || client.Cursor(marked.Extensions) == "" {
		t.Fatalf("read marker event %+v", marked.Data.ConversationEvents)
	}
	conversation, err := client.GetConversation(ctx, alice, conv)
	must("conversation", err)
	if c := conversation.Conversation; c.Owner == nil || c.Owner.Username != "alice" || len(c.ReadMarkers) != 2 {
		t.Fatalf("conversation %+v", c)
	}
}
