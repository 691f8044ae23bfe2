package chat_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

func (f *fixture) group(t *testing.T, owner *chat.User, title string, names ...string) *chat.Conversation {
	t.Helper()
	c, err := f.svc.CreateGroupConversation(context.Background(), owner.ID, chat.CreateGroupInput{Title: title, Usernames: names})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	return c
}

// stream returns userID's whole event stream as EventsAfter replays it.
func (f *fixture) stream(t *testing.T, userID string) []chat.Event {
	t.Helper()
	events, err := f.svc.EventsAfter(context.Background(), userID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// kinds returns the kinds of the events of conversationID, in order.
func kinds(events []chat.Event, conversationID string) []chat.EventKind {
	var out []chat.EventKind
	for _, ev := range events {
		if ev.ConversationID == conversationID {
			out = append(out, ev.Kind)
		}
	}
	return out
}

func TestMembership(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol, dave := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol"), f.user(t, "dave")
		g := f.group(t, alice, "Team", "bob", "carol")
		if g.OwnerID == nil || *g.OwnerID != alice.ID {
			t.Fatalf("owner %v, want alice", g.OwnerID)
		}
		f.send(t, alice, g, "one")

		t.Run("Add", func(t *testing.T) {
			before := len(f.pub.all())
			c, err := f.svc.AddParticipants(ctx, bob.ID, g.ID, []string{"Dave", "carol"})
			if err != nil {
				t.Fatal(err)
			}
			published := f.pub.all()[before:]
			if len(published) != 4 {
				t.Fatalf("published %d events, want 4 (one per member)", len(published))
			}
			for _, ev := range published {
				p, ok := ev.Payload.(chat.ParticipantsChanged)
				if !ok || !slices.Equal(p.Added, []string{dave.ID}) || p.ByID != bob.ID {
					t.Fatalf("event %+v %+v", ev, ev.Payload)
				}
			}
			if c.LastSeq != 1 {
				t.Fatalf("lastSeq %d", c.LastSeq)
			}
			joined, err := f.svc.Conversation(ctx, dave.ID, g.ID)
			if err != nil || joined.UnreadCount() != 0 {
				t.Fatalf("dave joins with history read: %+v %v", joined, err)
			}
			// Again: nobody new, nothing written.
			seq, _ := f.svc.LastEventSeq(ctx, alice.ID)
			if _, err := f.svc.AddParticipants(ctx, alice.ID, g.ID, []string{"dave"}); err != nil {
				t.Fatal(err)
			}
			if again, _ := f.svc.LastEventSeq(ctx, alice.ID); again != seq {
				t.Fatal("adding a member again wrote an event")
			}
			_, err = f.svc.AddParticipants(ctx, alice.ID, g.ID, []string{"nobody"})
			wantCode(t, err, chat.CodeBadUserInput)
			_, err = f.svc.AddParticipants(ctx, alice.ID, g.ID, nil)
			wantCode(t, err, chat.CodeBadUserInput)
		})

		t.Run("RemoveOnlyByOwner", func(t *testing.T) {
			_, err := f.svc.RemoveParticipant(ctx, bob.ID, g.ID, "carol")
			wantCode(t, err, chat.CodeForbidden)
			_, err = f.svc.RemoveParticipant(ctx, alice.ID, g.ID, "alice")
			wantCode(t, err, chat.CodeBadUserInput)
			_, err = f.svc.RemoveParticipant(ctx, alice.ID, g.ID, "nobody")
			wantCode(t, err, chat.CodeNotFound)
		})

		t.Run("RemovedSeesNothing", func(t *testing.T) {
			if _, err := f.svc.RemoveParticipant(ctx, alice.ID, g.ID, "carol"); err != nil {
				t.Fatal(err)
			}
			last, _ := f.svc.LastEventSeq(ctx, carol.ID)
			f.send(t, bob, g, "after carol left")
			if _, err := f.svc.EditMessage(ctx, bob.ID, f.stored(t, bob, g)[1].ID, "edited"); err != nil {
				t.Fatal(err)
			}
			if now, _ := f.svc.LastEventSeq(ctx, carol.ID); now != last {
				t.Fatalf("carol's stream grew from %d to %d after her removal", last, now)
			}
			_, err := f.svc.Conversation(ctx, carol.ID, g.ID)
			wantCode(t, err, chat.CodeNotFound)
			_, err = f.svc.Messages(ctx, carol.ID, g.ID, chat.PageArgs{})
			wantCode(t, err, chat.CodeNotFound)
			_, err = f.svc.CreateMessage(ctx, carol.ID, chat.CreateMessageInput{ConversationID: g.ID, Content: "hi"})
			wantCode(t, err, chat.CodeNotFound)
			// Her replay keeps only the event that removed her.
			events := f.stream(t, carol.ID)
			if got := kinds(events, g.ID); !slices.Equal(got, []chat.EventKind{chat.EventKindParticipantsChanged}) {
				t.Fatalf("carol replays %v", got)
			}
			if ev := events[len(events)-1]; !slices.Equal(ev.Payload.(chat.ParticipantsChanged).Removed, []string{carol.ID}) || ev.Seq != last || !ev.EndsMembership() {
				t.Fatalf("last event %+v %+v", ev, ev.Payload)
			}
			// Removing her again writes nothing.
			if _, err := f.svc.RemoveParticipant(ctx, alice.ID, g.ID, "carol"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("Rename", func(t *testing.T) {
			_, err := f.svc.RenameConversation(ctx, bob.ID, g.ID, "Mine")
			wantCode(t, err, chat.CodeForbidden)
			_, err = f.svc.RenameConversation(ctx, alice.ID, g.ID, " ")
			wantCode(t, err, chat.CodeBadUserInput)
			c, err := f.svc.RenameConversation(ctx, alice.ID, g.ID, " Crew ")
			if err != nil || *c.Title != "Crew" {
				t.Fatalf("%+v %v", c, err)
			}
			seq, _ := f.svc.LastEventSeq(ctx, bob.ID)
			if _, err := f.svc.RenameConversation(ctx, alice.ID, g.ID, "Crew"); err != nil {
				t.Fatal(err)
			}
			if again, _ := f.svc.LastEventSeq(ctx, bob.ID); again != seq {
				t.Fatal("renaming to the same title wrote an event")
			}
			events := f.stream(t, bob.ID)
			if ev := events[len(events)-1]; ev.Payload != (chat.ConversationRenamed{ByID: alice.ID, Title: "Crew"}) {
				t.Fatalf("bob's last event %+v", ev)
			}
		})

		t.Run("OwnerHandover", func(t *testing.T) {
			if err := f.svc.LeaveConversation(ctx, alice.ID, g.ID); err != nil {
				t.Fatal(err)
			}
			c, err := f.svc.Conversation(ctx, bob.ID, g.ID)
			if err != nil || c.OwnerID == nil || *c.OwnerID != bob.ID {
				t.Fatalf("owner after alice left: %+v %v (want bob, the longest-standing)", c, err)
			}
			_, err = f.svc.Conversation(ctx, alice.ID, g.ID)
			wantCode(t, err, chat.CodeNotFound)
			wantCode(t, f.svc.LeaveConversation(ctx, alice.ID, g.ID), chat.CodeNotFound)
			if err := f.svc.LeaveConversation(ctx, bob.ID, g.ID); err != nil {
				t.Fatal(err)
			}
			if c, _ := f.svc.Conversation(ctx, dave.ID, g.ID); c.OwnerID == nil || *c.OwnerID != dave.ID {
				t.Fatalf("owner after bob left: %v", c.OwnerID)
			}
			if err := f.svc.LeaveConversation(ctx, dave.ID, g.ID); err != nil {
				t.Fatal(err)
			}
			page, err := f.svc.Conversations(ctx, dave.ID, 10, nil)
			if err != nil || slices.ContainsFunc(page.Conversations, func(c *chat.Conversation) bool { return c.ID == g.ID }) {
				t.Fatalf("the empty group is still listed: %v", err)
			}
		})

		t.Run("DirectCannotChange", func(t *testing.T) {
			d := f.direct(t, alice, bob)
			_, err := f.svc.AddParticipants(ctx, alice.ID, d.ID, []string{"carol"})
			wantCode(t, err, chat.CodeBadUserInput)
			wantCode(t, f.svc.LeaveConversation(ctx, alice.ID, d.ID), chat.CodeBadUserInput)
			_, err = f.svc.RenameConversation(ctx, alice.ID, d.ID, "x")
			wantCode(t, err, chat.CodeBadUserInput)
			_, err = f.svc.RemoveParticipant(ctx, alice.ID, d.ID, "bob")
			wantCode(t, err, chat.CodeBadUserInput)
		})

		t.Run("AtMost256", func(t *testing.T) {
			names := bulkUsers(t, db, chat.MaxGroupMembers)
			big := f.group(t, alice, "Big", names[:chat.MaxGroupMembers-2]...) // 255 with alice
			_, err := f.svc.AddParticipants(ctx, alice.ID, big.ID, names[chat.MaxGroupMembers-2:])
			wantCode(t, err, chat.CodeBadUserInput)
			if _, err := f.svc.AddParticipants(ctx, alice.ID, big.ID, names[chat.MaxGroupMembers-2:chat.MaxGroupMembers-1]); err != nil {
				t.Fatalf("the 256th member: %v", err)
			}
		})
	})
}

// bulkUsers stores n users without hashing passwords and returns their names.
func bulkUsers(t *testing.T, db *database.DB, n int) []string {
	t.Helper()
	users := make([]chat.User, n)
	names := make([]string, n)
	for i := range users {
		names[i] = fmt.Sprintf("bulk%03d", i)
		users[i] = chat.User{ID: uuid.Must(uuid.NewV7()).String(), Username: names[i], DisplayName: names[i], PasswordHash: "x", CreatedAt: time.Now()}
	}
	if err := db.Create(&users).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

// stored returns the conversation's messages as the viewer reads them.
func (f *fixture) stored(t *testing.T, viewer *chat.User, conv *chat.Conversation) []*chat.Message {
	t.Helper()
	page, err := f.svc.Messages(context.Background(), viewer.ID, conv.ID, chat.PageArgs{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Messages
}

// A new conversation reaches its members' streams at once, before any
// message: one participants_changed event each, with every member added.
func TestCreationIsAnEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
		created := func(u *chat.User, conversationID string, members ...*chat.User) {
			t.Helper()
			var found []chat.Event
			for _, ev := range f.stream(t, u.ID) {
				if ev.ConversationID == conversationID {
					found = append(found, ev)
				}
			}
			p, ok := found[0].Payload.(chat.ParticipantsChanged)
			if len(found) != 1 || !ok || p.ByID != alice.ID || len(p.Removed) != 0 {
				t.Fatalf("%s's events of the conversation: %+v", u.Username, found)
			}
			want := make([]string, len(members))
			for i, m := range members {
				want[i] = m.ID
			}
			slices.Sort(want)
			got := slices.Sorted(slices.Values(p.Added))
			if !slices.Equal(got, want) {
				t.Fatalf("%s: added %v, want %v", u.Username, got, want)
			}
		}
		g := f.group(t, alice, "Team", "bob", "carol")
		for _, u := range []*chat.User{alice, bob, carol} {
			created(u, g.ID, alice, bob, carol)
		}
		published := len(f.pub.all())
		d, err := f.svc.StartDirectConversation(ctx, alice.ID, "bob")
		if err != nil {
			t.Fatal(err)
		}
		created(alice, d.ID, alice, bob)
		created(bob, d.ID, alice, bob)
		if n := len(f.pub.all()) - published; n != 2 {
			t.Fatalf("published %d events for the direct conversation, want 2", n)
		}
		// Starting it again (from either side) finds it and writes nothing.
		if _, err := f.svc.StartDirectConversation(ctx, bob.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		created(alice, d.ID, alice, bob)
		if n := len(f.pub.all()) - published; n != 2 {
			t.Fatalf("starting the conversation again published %d more events", n-2)
		}
	})
}
