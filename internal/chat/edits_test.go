package chat_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

func TestEditAndDeleteMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob := f.user(t, "alice"), f.user(t, "bob")
		conv := f.direct(t, alice, bob)
		first := f.send(t, alice, conv, "helo")
		last := f.send(t, alice, conv, "bye")

		t.Run("Edit", func(t *testing.T) {
			m, err := f.svc.EditMessage(ctx, alice.ID, first.ID, " hello ")
			if err != nil || m.Content != "hello" || m.EditedAt == nil || m.Seq != first.Seq {
				t.Fatalf("%+v %v", m, err)
			}
			seq, _ := f.svc.LastEventSeq(ctx, bob.ID)
			if _, err := f.svc.EditMessage(ctx, alice.ID, first.ID, "hello"); err != nil {
				t.Fatal(err)
			}
			if again, _ := f.svc.LastEventSeq(ctx, bob.ID); again != seq {
				t.Fatal("a retried edit wrote an event")
			}
			_, err = f.svc.EditMessage(ctx, bob.ID, first.ID, "mine now")
			wantCode(t, err, chat.CodeForbidden)
			_, err = f.svc.EditMessage(ctx, alice.ID, first.ID, " ")
			wantCode(t, err, chat.CodeBadUserInput)
			_, err = f.svc.EditMessage(ctx, alice.ID, "00000000-0000-7000-8000-000000000000", "x")
			wantCode(t, err, chat.CodeNotFound)
			carol := f.user(t, "carol")
			_, err = f.svc.EditMessage(ctx, carol.ID, first.ID, "x")
			wantCode(t, err, chat.CodeNotFound)
		})

		t.Run("Delete", func(t *testing.T) {
			m, err := f.svc.DeleteMessage(ctx, alice.ID, last.ID)
			if err != nil || m.Content != "" || m.DeletedAt == nil || m.Seq != last.Seq {
				t.Fatalf("%+v %v", m, err)
			}
			seq, _ := f.svc.LastEventSeq(ctx, bob.ID)
			again, err := f.svc.DeleteMessage(ctx, alice.ID, last.ID)
			if err != nil || again.DeletedAt == nil || !again.DeletedAt.Equal(*m.DeletedAt) {
				t.Fatalf("retried delete: %+v %v", again, err)
			}
			if now, _ := f.svc.LastEventSeq(ctx, bob.ID); now != seq {
				t.Fatal("a retried delete wrote an event")
			}
			_, err = f.svc.EditMessage(ctx, alice.ID, last.ID, "back")
			wantCode(t, err, chat.CodeBadUserInput)
			_, err = f.svc.DeleteMessage(ctx, bob.ID, first.ID)
			wantCode(t, err, chat.CodeForbidden)
			c, _ := f.svc.Conversation(ctx, bob.ID, conv.ID)
			if c.LastMessageID == nil || *c.LastMessageID != last.ID || c.LastSeq != 2 {
				t.Fatalf("last message %v, lastSeq %d", c.LastMessageID, c.LastSeq)
			}
		})

		t.Run("ReplayInOrder", func(t *testing.T) {
			var got []string
			for _, ev := range f.stream(t, bob.ID) {
				if ev.Message == nil {
					continue // the conversation's creation
				}
				got = append(got, fmt.Sprintf("%s %d %q", ev.Kind, ev.Message.Seq, ev.Message.Content))
			}
			want := []string{`message_created 1 "hello"`, `message_created 2 ""`, `message_edited 1 "hello"`, `message_deleted 2 ""`}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("bob replays %q, want %q (each with the message as it is now)", got, want)
			}
		})

		t.Run("ConcurrentEdits", func(t *testing.T) {
			m := f.send(t, alice, conv, "draft")
			before, _ := f.svc.LastEventSeq(ctx, bob.ID)
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() { _, errs[i] = f.svc.EditMessage(ctx, alice.ID, m.ID, fmt.Sprintf("version %d", i)) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			events, err := f.svc.EventsAfter(ctx, bob.ID, before, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != n {
				t.Fatalf("%d events for %d edits", len(events), n)
			}
			final := f.stored(t, bob, conv)
			winner := final[len(final)-1].Content
			if events[n-1].Message.Content != winner {
				t.Fatalf("the last event shows %q, the message %q", events[n-1].Message.Content, winner)
			}
			var published int
			for _, ev := range f.pub.all() {
				if ev.Kind == chat.EventKindMessageEdited && ev.MessageID == m.ID && ev.UserID == bob.ID {
					published++
				}
			}
			if published != n {
				t.Fatalf("published %d edits to bob, want %d", published, n)
			}
		})
	})
}
