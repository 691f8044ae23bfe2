package main

// End-to-end tests of the conversation life cycle over the real binary:
// membership, edits and deletes, read markers on every device and typing,
// all through conversationEvents, on SQLite and PostgreSQL.

import (
	"fmt"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// eachDatabase runs fn on a server over SQLite and one over PostgreSQL.
func eachDatabase(t *testing.T, fn func(t *testing.T, p *serverProcess)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, startServer(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, startServer(t, "DATABASE_URL="+dbtest.PostgresURL(t))) })
}

const (
	editMutation   = `mutation($id: ID!, $t: String!) { editMessage(id: $id, content: $t) { id content editedAt } }`
	deleteMutation = `mutation($id: ID!) { deleteMessage(id: $id) { id content deletedAt } }`
	markRead       = `mutation($c: ID!) { markConversationAsRead(conversationId: $c) { unreadCount } }`
)

// TestConversationEventsRemovedMemberStopsReceiving: a member removed while
// streaming gets the event that removes them (without the conversation),
// then nothing more of it, live or on replay, and the conversation, its
// messages and its events are NOT_FOUND for them.
func TestConversationEventsRemovedMemberStopsReceiving(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		p.signUp(t, "bob")
		carol, carolID := p.signUp(t, "carol")
		g := p.group(t, alice, "Team", "bob", "carol")
		first, err := p.send(alice, g, "before")
		if err != nil {
			t.Fatal(err)
		}
		stream := p.openEvents(t, carol, nil)
		messages := p.subscribePOST(t, carol, nil)
		only := p.openEvents(t, carol, map[string]any{"c": g}) // this conversation only
		onlyMessages := p.subscribePOST(t, carol, map[string]any{"c": g})
		p.waitSubscriptionsAtLeast(t, 4)
		p.graphql(t, alice, `mutation($c: ID!) { removeParticipant(conversationId: $c, username: "carol") { participants { username } } }`,
			map[string]any{"c": g}, nil)
		removed := stream.lifeEvent(t)
		if got := removed.String(); got != "ParticipantsChangedEvent +[] -[{carol}] by &{alice} member false" {
			t.Fatalf("carol got %s", got)
		}
		// A subscription to that conversation alone completes after it.
		if got := only.lifeEvent(t); got.Cursor != removed.Cursor {
			t.Fatalf("the conversation's own stream got %s", got)
		}
		for _, s := range []*sseStream{only, onlyMessages} {
			if ev := s.next(t, guard); ev.Event != "complete" {
				t.Fatalf("after the removal: %q %s, want complete", ev.Event, ev.Data)
			}
		}
		if _, err := p.send(alice, g, "after"); err != nil {
			t.Fatal(err)
		}
		p.graphql(t, alice, editMutation, map[string]any{"id": first.ID, "t": "edited after"}, nil)
		p.graphql(t, alice, `mutation($c: ID!) { sendTyping(conversationId: $c) }`, map[string]any{"c": g}, nil)
		expectQuiet(t, 300*time.Millisecond, stream, messages)
		// A replay from the start shows only the event that removed her.
		replay := p.openEvents(t, carol, map[string]any{"a": chat.EventCursor(carolID, 0)})
		if got := replay.lifeEvent(t); got.Cursor != removed.Cursor || got.Typename != "ParticipantsChangedEvent" {
			t.Fatalf("replay: %s (cursor %s, want %s)", got, got.Cursor, removed.Cursor)
		}
		expectQuiet(t, 300*time.Millisecond, replay)
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{`query($c: ID!) { conversation(id: $c) { id } }`, map[string]any{"c": g}},
			{`query($c: ID!) { messages(conversationId: $c) { edges { cursor } } }`, map[string]any{"c": g}},
			{`mutation($c: ID!) { createMessage(input: {conversationId: $c, content: "x"}) { id } }`, map[string]any{"c": g}},
			{`mutation($c: ID!) { sendTyping(conversationId: $c) }`, map[string]any{"c": g}},
			{`mutation($c: ID!) { leaveConversation(conversationId: $c) }`, map[string]any{"c": g}},
		} {
			if code := p.firstErrorCode(t, carol, q.query, q.vars); code != "NOT_FOUND" {
				t.Fatalf("%s: %s, want NOT_FOUND", q.query, code)
			}
		}
		s := p.openPOST(t, carol, eventsSubscription, map[string]any{"c": g})
		s.expectError(t, "NOT_FOUND")
	})
}

// TestConversationEventsResumeReplaysEditsAndDeletes: a stream dropped
// after two messages and resumed from its last cursor (over GET, with
// Last-Event-ID) replays the edit, the delete and the new message in the
// order they were stored, each with the message as it is now; messageCreated
// resumed from the same cursor shows only the new message.
func TestConversationEventsResumeReplaysEditsAndDeletes(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		bob, _ := p.signUp(t, "bob")
		conv := p.direct(t, alice, "bob")
		stream := p.openEventsGET(t, bob, "")
		p.waitSubscriptionsAtLeast(t, 1)
		m1, _ := p.send(alice, conv, "one")
		m2, _ := p.send(alice, conv, "two")
		got := []lifeEvent{stream.lifeEvent(t), stream.lifeEvent(t)}
		if got[0].String() != `MessageCreatedEvent 1 "one"` || got[1].String() != `MessageCreatedEvent 2 "two"` || got[1].SSEID != got[1].Cursor {
			t.Fatalf("live: %v", got)
		}
		stream.Close()

		p.graphql(t, alice, editMutation, map[string]any{"id": m1.ID, "t": "one, edited"}, nil)
		p.graphql(t, alice, deleteMutation, map[string]any{"id": m2.ID}, nil)
		p.graphql(t, alice, deleteMutation, map[string]any{"id": m2.ID}, nil) // a retry: no new event
		if _, err := p.send(alice, conv, "three"); err != nil {
			t.Fatal(err)
		}
		resumed := p.openEventsGET(t, bob, got[1].Cursor)
		replayed := []lifeEvent{resumed.lifeEvent(t), resumed.lifeEvent(t), resumed.lifeEvent(t)}
		var short []string
		for _, ev := range replayed {
			short = append(short, ev.String())
		}
		want := []string{`MessageEditedEvent 1 "one, edited"`, `MessageDeletedEvent 2 ""`, `MessageCreatedEvent 3 "three"`}
		if fmt.Sprint(short) != fmt.Sprint(want) {
			t.Fatalf("replayed %q, want %q", short, want)
		}
		if replayed[0].Message.EditedAt == nil || replayed[1].Message.DeletedAt == nil {
			t.Fatalf("no editedAt or deletedAt: %+v %+v", replayed[0].Message, replayed[1].Message)
		}
		expectQuiet(t, 300*time.Millisecond, resumed)
		// The same cursor resumes messageCreated: only the new message.
		messages := p.subscribePOST(t, bob, map[string]any{"a": got[1].Cursor})
		if m := messages.message(t); m.Content != "three" || m.Cursor != replayed[2].Cursor {
			t.Fatalf("messageCreated resumed with %+v (cursor %s, want %s)", m, m.Cursor, replayed[2].Cursor)
		}
		// The conversation's last message is the tombstone's successor; the
		// tombstone stays in the history with its seq.
		var page struct {
			Messages struct {
				Edges []struct{ Node eventMessage }
			}
		}
		p.graphql(t, bob, `query($c: ID!) { messages(conversationId: $c) { edges { node { id seq content editedAt deletedAt } } } }`,
			map[string]any{"c": conv}, &page)
		if n := page.Messages.Edges; len(n) != 3 || n[1].Node.Content != "" || n[1].Node.DeletedAt == nil || n[1].Node.Seq != 2 {
			t.Fatalf("history: %+v", n)
		}
	})
}

// TestConversationEventsUnreadCountsAcrossDevices: when one of bob's devices
// marks a conversation read, his other device gets his new unread count and
// alice sees how far he read; both devices then agree.
func TestConversationEventsUnreadCountsAcrossDevices(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		phone, _ := p.signUp(t, "bob")
		laptop := p.logIn(t, "bob", "password123")
		conv := p.direct(t, alice, "bob")
		for i := range 3 {
			if _, err := p.send(alice, conv, fmt.Sprint("m", i)); err != nil {
				t.Fatal(err)
			}
		}
		onLaptop := p.openEvents(t, laptop, nil)
		onPhone := p.openEvents(t, phone, nil)
		onAlice := p.openEvents(t, alice, nil)
		p.waitSubscriptionsAtLeast(t, 3)
		p.graphql(t, phone, markRead, map[string]any{"c": conv}, nil)
		for name, s := range map[string]*sseStream{"laptop": onLaptop, "phone": onPhone} {
			if got := s.lifeEvent(t).String(); got != "ReadMarkerMovedEvent bob@3 unread 0" {
				t.Fatalf("bob's %s got %s", name, got)
			}
		}
		if got := onAlice.lifeEvent(t).String(); got != "ReadMarkerMovedEvent bob@3 unread 0" {
			t.Fatalf("alice got %s", got)
		}
		// Marking again moves nothing: no event.
		p.graphql(t, laptop, markRead, map[string]any{"c": conv}, nil)
		expectQuiet(t, 300*time.Millisecond, onLaptop, onPhone, onAlice)
		for _, token := range []string{phone, laptop} {
			var out struct {
				Conversation struct {
					UnreadCount int
					ReadMarkers []struct {
						User        username
						LastReadSeq int
					}
				}
			}
			p.graphql(t, token, `query($c: ID!) { conversation(id: $c) { unreadCount readMarkers { user { username } lastReadSeq } } }`,
				map[string]any{"c": conv}, &out)
			if out.Conversation.UnreadCount != 0 || len(out.Conversation.ReadMarkers) != 2 {
				t.Fatalf("%+v", out.Conversation)
			}
		}
	})
}

// TestConversationEventsTyping: a typing event reaches the other members'
// streams, live, without a cursor, and expiring 5 s later; not the typist's
// own devices; and it is never replayed.
func TestConversationEventsTyping(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		bob, bobID := p.signUp(t, "bob")
		p.signUp(t, "carol")
		g := p.group(t, alice, "Team", "bob", "carol")
		onBob := p.openEventsGET(t, bob, "")
		onAlice := p.openEvents(t, alice, nil)
		p.waitSubscriptionsAtLeast(t, 2)
		p.graphql(t, alice, `mutation($c: ID!) { sendTyping(conversationId: $c) }`, map[string]any{"c": g}, nil)
		typing := onBob.lifeEvent(t)
		if typing.String() != "TypingEvent alice" || typing.Cursor != "" || typing.SSEID != "" || typing.ConversationID != g ||
			typing.ExpiresAt.Sub(typing.At) != 5*time.Second {
			t.Fatalf("bob got %s (cursor %q, id %q, at %v, expires %v)", typing, typing.Cursor, typing.SSEID, typing.At, typing.ExpiresAt)
		}
		expectQuiet(t, 300*time.Millisecond, onAlice)
		// The next stored event follows with its cursor; a replay from
		// before the typing shows only that.
		if _, err := p.send(alice, g, "typed"); err != nil {
			t.Fatal(err)
		}
		next := onBob.lifeEvent(t)
		if next.String() != `MessageCreatedEvent 1 "typed"` || next.Cursor == "" {
			t.Fatalf("bob got %s", next)
		}
		replay := p.openEvents(t, bob, map[string]any{"a": chat.EventCursor(bobID, 1)}) // after the group's creation
		if got := replay.lifeEvent(t); got.String() != next.String() || got.Cursor != next.Cursor {
			t.Fatalf("replay: %s", got)
		}
		expectQuiet(t, 300*time.Millisecond, replay)
	})
}

// TestConversationEventsConcurrentEdits: concurrent edits of one message
// all succeed, the stored content is one of them, and every member's stream
// gets exactly one event per edit, the last of which shows the winner.
func TestConversationEventsConcurrentEdits(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		bob, _ := p.signUp(t, "bob")
		conv := p.direct(t, alice, "bob")
		m, _ := p.send(alice, conv, "draft")
		onBob := p.openEvents(t, bob, map[string]any{"c": conv})
		p.waitSubscriptionsAtLeast(t, 1)
		const n = 8
		errs := inParallel(n, n, func(i int) error {
			r, err := p.do(alice, editMutation, map[string]any{"id": m.ID, "t": fmt.Sprint("version ", i)})
			if err == nil && len(r.Errors) > 0 {
				err = fmt.Errorf("%s", r.Errors)
			}
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var last lifeEvent
		for range n {
			if last = onBob.lifeEvent(t); last.Typename != "MessageEditedEvent" {
				t.Fatalf("got %s", last)
			}
		}
		expectQuiet(t, 300*time.Millisecond, onBob)
		stored := p.stored(t, bob, conv)
		if stored[0].Content != last.Message.Content {
			t.Fatalf("stored %q, the last event shows %q", stored[0].Content, last.Message.Content)
		}
	})
}

// TestConversationEventsMembership: the owner's role passes to the
// longest-standing member when they leave; only the owner renames and
// removes; direct conversations cannot be left or changed.
func TestConversationEventsMembership(t *testing.T) {
	eachDatabase(t, func(t *testing.T, p *serverProcess) {
		alice, _ := p.signUp(t, "alice")
		bob, _ := p.signUp(t, "bob")
		p.signUp(t, "carol")
		dave, _ := p.signUp(t, "dave")
		g := p.group(t, alice, "Team", "bob")
		onBob := p.openEvents(t, bob, map[string]any{"c": g})
		p.waitSubscriptionsAtLeast(t, 1)
		vars := map[string]any{"c": g}
		p.graphql(t, bob, `mutation($c: ID!) { addParticipants(conversationId: $c, usernames: ["carol", "dave"]) { participants { username } } }`, vars, nil)
		if code := p.firstErrorCode(t, bob, `mutation($c: ID!) { renameConversation(conversationId: $c, title: "x") { id } }`, vars); code != "FORBIDDEN" {
			t.Fatalf("rename by a member: %s", code)
		}
		if code := p.firstErrorCode(t, bob, `mutation($c: ID!) { removeParticipant(conversationId: $c, username: "dave") { id } }`, vars); code != "FORBIDDEN" {
			t.Fatalf("remove by a member: %s", code)
		}
		p.graphql(t, alice, `mutation($c: ID!) { renameConversation(conversationId: $c, title: "Crew") { title } }`, vars, nil)
		p.graphql(t, alice, `mutation($c: ID!) { leaveConversation(conversationId: $c) }`, vars, nil)
		want := []string{
			"ParticipantsChangedEvent +[{carol} {dave}] -[] by &{bob} member true",
			`ConversationRenamedEvent "Crew"`,
			"ParticipantsChangedEvent +[] -[{alice}] by &{alice} member true",
		}
		if got := onBob.lifeEvents(t, 3); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("bob got %q, want %q", got, want)
		}
		var out struct {
			Conversation struct {
				Title string
				Owner username
			}
		}
		p.graphql(t, dave, `query($c: ID!) { conversation(id: $c) { title owner { username } } }`, vars, &out)
		if out.Conversation.Owner.Username != "bob" || out.Conversation.Title != "Crew" {
			t.Fatalf("after alice left: %+v, want bob as the owner", out.Conversation)
		}
		d := map[string]any{"c": p.direct(t, alice, "bob")}
		for _, q := range []string{
			`mutation($c: ID!) { leaveConversation(conversationId: $c) }`,
			`mutation($c: ID!) { renameConversation(conversationId: $c, title: "x") { id } }`,
			`mutation($c: ID!) { addParticipants(conversationId: $c, usernames: ["carol"]) { id } }`,
		} {
			if code := p.firstErrorCode(t, alice, q, d); code != "BAD_USER_INPUT" {
				t.Fatalf("%s on a direct conversation: %s", q, code)
			}
		}
	})
}
