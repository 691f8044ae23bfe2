package chat_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// TestReplayShowsWhatWasPublished runs every use case that writes an event
// and checks, for every member, that the event log replays each stored event
// as it was published: the same seq, kind, conversation, time, message and
// payload (the message as it is now: a message edited later replays with
// its new content).
func TestReplayShowsWhatWasPublished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
		g := f.group(t, alice, "Team", "bob")
		f.send(t, bob, g, "first")
		edited := f.send(t, alice, g, "second")
		if _, err := f.svc.EditMessage(ctx, alice.ID, edited.ID, "second, edited"); err != nil {
			t.Fatal(err)
		}
		deleted := f.send(t, bob, g, "third")
		if _, err := f.svc.DeleteMessage(ctx, bob.ID, deleted.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MarkConversationAsRead(ctx, alice.ID, g.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddParticipants(ctx, bob.ID, g.ID, []string{"carol"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RenameConversation(ctx, alice.ID, g.ID, "Crew"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SendTyping(ctx, carol.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.LeaveConversation(ctx, carol.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		now := map[string]*chat.Message{}
		for _, m := range f.stored(t, alice, g) {
			now[m.ID] = m
		}
		published := func(u *chat.User) []chat.Event {
			var out []chat.Event
			for _, ev := range f.pub.all() {
				if ev.UserID == u.ID && !ev.Ephemeral() {
					out = append(out, ev)
				}
			}
			return out
		}
		// Carol left: her replay keeps only the event that removed her.
		if got, all := f.stream(t, carol.ID), published(carol); len(got) != 1 || !got[0].EndsMembership() || !sameEvent(got[0], all[len(all)-1]) {
			t.Errorf("carol replays %+v, want only %+v", got, all[len(all)-1])
		}
		kinds := map[chat.EventKind]bool{}
		for _, u := range []*chat.User{alice, bob} {
			published := published(u)
			replayed := f.stream(t, u.ID)
			if len(replayed) != len(published) {
				t.Fatalf("%s: %d events replayed, %d published", u.Username, len(replayed), len(published))
			}
			for i, want := range published {
				got := replayed[i]
				kinds[got.Kind] = true
				if want.Message != nil {
					want.Message = now[want.MessageID]
				}
				if !sameEvent(got, want) {
					t.Errorf("%s's event %d:\nreplayed  %s\npublished %s", u.Username, got.Seq, show(got), show(want))
				}
				if got.At.IsZero() {
					t.Errorf("%s's event %d has no time", u.Username, got.Seq)
				}
			}
		}
		for _, k := range []chat.EventKind{chat.EventKindMessageCreated, chat.EventKindMessageEdited, chat.EventKindMessageDeleted,
			chat.EventKindReadMarkerMoved, chat.EventKindParticipantsChanged, chat.EventKindConversationRenamed} {
			if !kinds[k] {
				t.Errorf("no %s event was replayed", k)
			}
		}
	})
}

// sameEvent reports whether a and b are the same event, their messages
// compared by value without their senders (which the replay reads too).
func sameEvent(a, b chat.Event) bool {
	am, bm := a.Message, b.Message
	a.Message, b.Message = nil, nil
	if !a.At.Equal(b.At) {
		return false
	}
	a.At, b.At = time.Time{}, time.Time{}
	if !reflect.DeepEqual(a, b) || (am == nil) != (bm == nil) {
		return false
	}
	if am == nil {
		return true
	}
	ac, bc := *am, *bm
	ac.Sender, bc.Sender = nil, nil
	return ac.ID == bc.ID && ac.Content == bc.Content && ac.Seq == bc.Seq && (ac.DeletedAt == nil) == (bc.DeletedAt == nil) &&
		(ac.EditedAt == nil) == (bc.EditedAt == nil)
}

func show(ev chat.Event) string {
	b, _ := json.Marshal(ev)
	return string(b)
}

// TestEventsTravelAsJSON encodes an event of every kind as the buses carry it
// and decodes it back unchanged, payload included.
func TestEventsTravelAsJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 8, 9, 10, 0, time.UTC)
	msg := &chat.Message{ID: "m", ConversationID: "c", Seq: 3, SenderID: "s", Content: "hi", CreatedAt: at,
		Sender: &chat.User{ID: "s", Username: "sam", DisplayName: "Sam", CreatedAt: at}}
	for _, ev := range []chat.Event{
		{Kind: chat.EventKindMessageCreated, MessageID: "m", Message: msg},
		{Kind: chat.EventKindMessageEdited, MessageID: "m", Message: msg},
		{Kind: chat.EventKindMessageDeleted, MessageID: "m", Stripped: true}, // carried without its message
		{Kind: chat.EventKindReadMarkerMoved, Payload: chat.ReadMarkerMoved{ReaderID: "r", LastReadSeq: 4, UnreadCount: 2}},
		{Kind: chat.EventKindParticipantsChanged, Payload: chat.ParticipantsChanged{ByID: "a", Added: []string{"b"}, Removed: []string{"c"}}},
		{Kind: chat.EventKindConversationRenamed, Payload: chat.ConversationRenamed{ByID: "a", Title: "Crew"}},
		{Kind: chat.EventKindTyping, Payload: chat.Typing{TypistID: "a", ExpiresAt: at.Add(5 * time.Second)}},
		{Kind: chat.EventKindSessionEnded, Payload: chat.SessionEnded{SessionID: "x"}},
	} {
		ev.UserID, ev.Seq, ev.ConversationID, ev.At = "u", 7, "c", at
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := chat.DecodeEvent(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, ev) {
			t.Errorf("%s came back as %+v", b, got)
		}
	}
	if _, err := chat.DecodeEvent([]byte(`{"userId":"u","seq":1,"kind":"no_such_kind"}`)); err == nil {
		t.Error("an unknown kind was accepted")
	}
}
