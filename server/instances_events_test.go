package main

import (
	"fmt"
	"testing"
	"time"
)

// TestInstancesConversationEvents: every kind of conversation event made
// through one instance reaches a conversationEvents stream on the other,
// over each bus, once and in order; typing live, without a cursor.
func TestInstancesConversationEvents(t *testing.T) {
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			envA, envB, _ := bus.setup(t)
			a := startServer(t, envA...)
			b := startServer(t, envB...)
			alice, _ := a.signUp(t, "alice")
			bob, _ := b.signUp(t, "bob")
			a.signUp(t, "carol")
			g := a.group(t, alice, "Team", "bob")
			if t.Failed() {
				t.FailNow()
			}
			onB := b.openEvents(t, bob, nil)
			b.waitSubscriptionsAtLeast(t, 1)
			vars := map[string]any{"c": g}
			m, err := a.send(alice, g, "hello")
			if err != nil {
				t.Fatal(err)
			}
			a.graphql(t, alice, `mutation($c: ID!) { sendTyping(conversationId: $c) }`, vars, nil)
			a.graphql(t, alice, editMutation, map[string]any{"id": m.ID, "t": "hello!"}, nil)
			a.graphql(t, alice, markRead, vars, nil) // already read by its sender: no event
			b.graphql(t, bob, markRead, vars, nil)
			a.graphql(t, alice, `mutation($c: ID!) { renameConversation(conversationId: $c, title: "Crew") { id } }`, vars, nil)
			a.graphql(t, alice, `mutation($c: ID!) { addParticipants(conversationId: $c, usernames: ["carol"]) { id } }`, vars, nil)
			a.graphql(t, alice, deleteMutation, map[string]any{"id": m.ID}, nil)
			want := []string{
				`MessageCreatedEvent 1 "hello"`,
				"TypingEvent alice",
				`MessageEditedEvent 1 "hello!"`,
				"ReadMarkerMovedEvent bob@1 unread 0",
				`ConversationRenamedEvent "Crew"`,
				"ParticipantsChangedEvent +[{carol}] -[] by &{alice} member true",
				`MessageDeletedEvent 1 ""`,
			}
			var got []string
			for range want {
				ev := onB.lifeEvent(t)
				if (ev.Cursor == "") != (ev.Typename == "TypingEvent") {
					t.Fatalf("%s with cursor %q", ev, ev.Cursor)
				}
				got = append(got, ev.String())
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("B's stream got %q, want %q", got, want)
			}
			expectQuiet(t, 300*time.Millisecond, onB)
		})
	}
}
