package chat_test

import (
	"context"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

func TestReadMarkerEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
		g := f.group(t, alice, "Team", "bob", "carol")
		for range 4 {
			f.send(t, alice, g, "hi")
		}
		if _, err := f.svc.MarkConversationAsRead(ctx, bob.ID, g.ID, ptr[int64](3)); err != nil {
			t.Fatal(err)
		}
		unread := map[string]int64{}
		for _, u := range []*chat.User{alice, bob, carol} {
			events := f.stream(t, u.ID)
			ev := events[len(events)-1]
			p, ok := ev.Payload.(chat.ReadMarkerMoved)
			if !ok || p.ReaderID != bob.ID || p.LastReadSeq != 3 {
				t.Fatalf("%s's last event: %+v %+v", u.Username, ev, ev.Payload)
			}
			unread[u.Username] = p.UnreadCount
		}
		if unread["alice"] != 0 || unread["bob"] != 1 || unread["carol"] != 4 {
			t.Fatalf("unread counts in the events: %v", unread)
		}
		// Not forward: nothing written.
		seq, _ := f.svc.LastEventSeq(ctx, carol.ID)
		if _, err := f.svc.MarkConversationAsRead(ctx, bob.ID, g.ID, ptr[int64](2)); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.svc.LastEventSeq(ctx, carol.ID); again != seq {
			t.Fatal("a marker that did not move wrote an event")
		}
		markers, err := f.svc.ReadMarkersByConversationIDs(ctx, []string{g.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, m := range markers[g.ID] {
			got[m.UserID] = m.LastReadSeq
		}
		if got[alice.ID] != 4 || got[bob.ID] != 3 || got[carol.ID] != 0 || len(got) != 3 {
			t.Fatalf("markers %v", got)
		}
	})
}

func TestSendTyping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
		g := f.group(t, alice, "Team", "bob")
		published, stored := len(f.pub.all()), f.count(t, "user_events") // the group's creation
		if err := f.svc.SendTyping(ctx, alice.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		events := f.pub.all()[published:]
		if len(events) != 1 || events[0].UserID != bob.ID || !events[0].Ephemeral() ||
			events[0].Payload.(chat.Typing).TypistID != alice.ID || events[0].Payload.(chat.Typing).ExpiresAt.Sub(events[0].At) != chat.TypingTTL {
			t.Fatalf("published %+v", events)
		}
		if f.count(t, "user_events") != stored {
			t.Fatal("a typing event was stored")
		}
		wantCode(t, f.svc.SendTyping(ctx, carol.ID, g.ID), chat.CodeNotFound)
	})
}
