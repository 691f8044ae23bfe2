package chat_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

func TestCreateMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
		conv := f.direct(t, alice, bob)

		t.Run("ConcurrentSeqsAreGapFree", func(t *testing.T) {
			const n = 50
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					from := alice
					if i%2 == 1 {
						from = bob
					}
					if _, err := f.svc.CreateMessage(ctx, from.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: fmt.Sprint("m", i)}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			var seqs []int64
			if err := db.Table("messages").Where("conversation_id = ?", conv.ID).Order("seq").Pluck("seq", &seqs).Error; err != nil {
				t.Fatal(err)
			}
			for i, s := range seqs {
				if s != int64(i+1) {
					t.Fatalf("seqs are not 1..%d: %v", n, seqs)
				}
			}
			if len(seqs) != n {
				t.Fatalf("got %d messages, want %d", len(seqs), n)
			}
			// Each user's stream: the conversation's creation, then the n messages.
			for _, u := range []*chat.User{alice, bob} {
				var eventSeqs []int64
				db.Table("user_events").Where("user_id = ?", u.ID).Order("seq").Pluck("seq", &eventSeqs)
				if len(eventSeqs) != n+1 || eventSeqs[0] != 1 || eventSeqs[n] != n+1 {
					t.Fatalf("%s: event seqs not 1..%d: %v", u.Username, n+1, eventSeqs)
				}
				var eventSeq int64
				db.Table("users").Where("id = ?", u.ID).Pluck("event_seq", &eventSeq)
				if eventSeq != n+1 {
					t.Fatalf("%s: users.event_seq = %d, want %d", u.Username, eventSeq, n+1)
				}
			}
			if got := len(f.pub.all()); got != 2*n+2 {
				t.Fatalf("published %d events, want %d", got, 2*n+2)
			}
			c, _ := f.svc.Conversation(ctx, alice.ID, conv.ID)
			if c.LastSeq != n || c.LastMessageID == nil {
				t.Fatalf("conversation: %+v", c)
			}
		})

		t.Run("SenderHasReadIt", func(t *testing.T) {
			m := f.send(t, bob, conv, "hello")
			c, _ := f.svc.Conversation(ctx, bob.ID, conv.ID)
			if c.LastReadSeq != m.Seq || c.UnreadCount() != 0 {
				t.Fatalf("sender: lastReadSeq %d unread %d", c.LastReadSeq, c.UnreadCount())
			}
			c, _ = f.svc.Conversation(ctx, alice.ID, conv.ID)
			if c.UnreadCount() == 0 {
				t.Fatal("receiver has nothing unread")
			}
		})

		t.Run("RetryWithClientMessageIDWritesOnce", func(t *testing.T) {
			before := f.count(t, "messages")
			published := len(f.pub.all())
			id := "client-1"
			in := chat.CreateMessageInput{ConversationID: conv.ID, Content: "once", ClientMessageID: &id}
			var wg sync.WaitGroup
			got := make([]*chat.Message, 5)
			for i := range got {
				wg.Go(func() {
					m, err := f.svc.CreateMessage(ctx, alice.ID, in)
					if err != nil {
						t.Error(err)
					}
					got[i] = m
				})
			}
			wg.Wait()
			for _, m := range got {
				if m == nil || m.ID != got[0].ID {
					t.Fatalf("retries returned different messages")
				}
			}
			if n := f.count(t, "messages"); n != before+1 {
				t.Fatalf("messages: %d rows, want %d", n, before+1)
			}
			if n := len(f.pub.all()); n != published+2 {
				t.Fatalf("published %d events, want 2", n-published)
			}
			in.Content = "something else"
			_, err := f.svc.CreateMessage(ctx, alice.ID, in)
			wantCode(t, err, chat.CodeConflict)
		})

		t.Run("OutsiderGetsNotFoundAndNothingIsWritten", func(t *testing.T) {
			messages, events := f.count(t, "messages"), f.count(t, "user_events")
			c, _ := f.svc.Conversation(ctx, alice.ID, conv.ID)
			_, err := f.svc.CreateMessage(ctx, carol.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: "hi"})
			wantCode(t, err, chat.CodeNotFound)
			_, err = f.svc.Conversation(ctx, carol.ID, conv.ID)
			wantCode(t, err, chat.CodeNotFound)
			_, err = f.svc.Messages(ctx, carol.ID, conv.ID, chat.PageArgs{})
			wantCode(t, err, chat.CodeNotFound)
			_, err = f.svc.MarkConversationAsRead(ctx, carol.ID, conv.ID, nil)
			wantCode(t, err, chat.CodeNotFound)
			for _, id := range []string{"not-an-id", "01900000-0000-7000-8000-000000000000"} {
				_, err = f.svc.CreateMessage(ctx, alice.ID, chat.CreateMessageInput{ConversationID: id, Content: "hi"})
				wantCode(t, err, chat.CodeNotFound)
			}
			if f.count(t, "messages") != messages || f.count(t, "user_events") != events {
				t.Fatal("a refused message was written")
			}
			after, _ := f.svc.Conversation(ctx, alice.ID, conv.ID)
			if after.LastSeq != c.LastSeq {
				t.Fatal("last_seq moved")
			}
			var carolRows int64
			db.Table("participants").Where("user_id = ?", carol.ID).Count(&carolRows)
			if carolRows != 0 {
				t.Fatal("outsider became a participant")
			}
		})

		t.Run("InvalidContent", func(t *testing.T) {
			long := "x"
			for name, in := range map[string]chat.CreateMessageInput{
				"Empty":        {ConversationID: conv.ID, Content: "  \n "},
				"TooLong":      {ConversationID: conv.ID, Content: strings.Repeat("é", 4001)},
				"NUL":          {ConversationID: conv.ID, Content: "a\x00b"},
				"InvalidUTF8":  {ConversationID: conv.ID, Content: "a\xffb"},
				"LongClientID": {ConversationID: conv.ID, Content: "a", ClientMessageID: ptr(strings.Repeat(long, 65))},
			} {
				t.Run(name, func(t *testing.T) {
					_, err := f.svc.CreateMessage(ctx, alice.ID, in)
					wantCode(t, err, chat.CodeBadUserInput)
				})
			}
			if _, err := f.svc.CreateMessage(ctx, alice.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: strings.Repeat("é", 4000)}); err != nil {
				t.Fatalf("4000 characters refused: %v", err)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }

func TestMarkConversationAsRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob := f.user(t, "alice"), f.user(t, "bob")
		conv := f.direct(t, alice, bob)
		for i := range 5 {
			f.send(t, alice, conv, fmt.Sprint(i))
		}
		steps := []struct {
			seq  *int64
			want int64
		}{
			{ptr[int64](2), 2},
			{ptr[int64](1), 2},  // never backwards
			{ptr[int64](99), 5}, // clamped
			{nil, 5},
		}
		for _, s := range steps {
			c, err := f.svc.MarkConversationAsRead(ctx, bob.ID, conv.ID, s.seq)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.svc.Conversation(ctx, bob.ID, conv.ID)
			if c.LastReadSeq != s.want || stored.LastReadSeq != s.want {
				t.Fatalf("after %v: lastReadSeq %d (stored %d), want %d", s.seq, c.LastReadSeq, stored.LastReadSeq, s.want)
			}
		}
		_, err := f.svc.MarkConversationAsRead(ctx, bob.ID, conv.ID, ptr[int64](-1))
		wantCode(t, err, chat.CodeBadUserInput)
	})
}

func TestMessagesPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob := f.user(t, "alice"), f.user(t, "bob")
		conv := f.direct(t, alice, bob)
		const total = 250
		for i := range total {
			f.send(t, alice, conv, fmt.Sprint("message ", i+1))
		}
		t.Run("BackwardVisitsEachOnceInOrder", func(t *testing.T) {
			var seen []int64
			var before *string
			for pages := 0; ; pages++ {
				if pages > total {
					t.Fatal("pagination does not end")
				}
				page, err := f.svc.Messages(ctx, bob.ID, conv.ID, chat.PageArgs{Last: ptr(40), Before: before})
				if err != nil {
					t.Fatal(err)
				}
				var seqs []int64
				for _, m := range page.Messages {
					seqs = append(seqs, m.Seq)
				}
				if !slices.IsSorted(seqs) {
					t.Fatalf("page not ascending: %v", seqs)
				}
				seen = append(seqs, seen...)
				if !page.HasPreviousPage {
					break
				}
				before = ptr(chat.MessageCursor(page.Messages[0].Seq))
			}
			if len(seen) != total {
				t.Fatalf("visited %d messages, want %d", len(seen), total)
			}
			for i, s := range seen {
				if s != int64(i+1) {
					t.Fatalf("visited out of order or twice at %d: %d", i, s)
				}
			}
		})
		t.Run("ForwardVisitsEachOnceInOrder", func(t *testing.T) {
			var seen int64
			var after *string
			for {
				page, err := f.svc.Messages(ctx, bob.ID, conv.ID, chat.PageArgs{First: ptr(100), After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range page.Messages {
					seen++
					if m.Seq != seen || m.Content != fmt.Sprint("message ", seen) {
						t.Fatalf("got seq %d %q, want %d", m.Seq, m.Content, seen)
					}
				}
				if !page.HasNextPage {
					break
				}
				after = ptr(chat.MessageCursor(page.Messages[len(page.Messages)-1].Seq))
			}
			if seen != total {
				t.Fatalf("visited %d", seen)
			}
		})
		t.Run("DefaultIsNewest", func(t *testing.T) {
			page, err := f.svc.Messages(ctx, bob.ID, conv.ID, chat.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Messages) != chat.DefaultMessagePageSize || page.Messages[len(page.Messages)-1].Seq != total || page.HasNextPage || !page.HasPreviousPage {
				t.Fatalf("default page: %d messages, next %v prev %v", len(page.Messages), page.HasNextPage, page.HasPreviousPage)
			}
		})
		t.Run("CursorPastTheEnd", func(t *testing.T) {
			page, err := f.svc.Messages(ctx, bob.ID, conv.ID, chat.PageArgs{First: ptr(10), After: ptr(chat.MessageCursor(math.MaxInt64))})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Messages) != 0 || page.HasNextPage || !page.HasPreviousPage {
				t.Fatalf("past the end: %d messages, next %v prev %v", len(page.Messages), page.HasNextPage, page.HasPreviousPage)
			}
		})
		t.Run("BadArguments", func(t *testing.T) {
			for name, args := range map[string]chat.PageArgs{
				"FirstAndLast": {First: ptr(1), Last: ptr(1)},
				"Zero":         {First: ptr(0)},
				"TooLarge":     {Last: ptr(101)},
				"BadCursor":    {After: ptr("garbage")},
				"OtherCursor":  {Before: ptr(chat.EventCursor(alice.ID, 3))},
			} {
				t.Run(name, func(t *testing.T) {
					_, err := f.svc.Messages(ctx, bob.ID, conv.ID, args)
					wantCode(t, err, chat.CodeBadUserInput)
				})
			}
		})
	})
}

func TestConversationsOrderAndPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		me := f.user(t, "myself")
		var convs []*chat.Conversation
		for i := range 5 {
			other := f.user(t, fmt.Sprint("friend", i))
			convs = append(convs, f.direct(t, me, other))
		}
		f.send(t, me, convs[2], "bump") // most recent activity
		var got []string
		var after *string
		for {
			page, err := f.svc.Conversations(ctx, me.ID, 2, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Conversations {
				got = append(got, c.ID)
			}
			if !page.HasNextPage {
				break
			}
			after = ptr(chat.ConversationCursor(page.Conversations[len(page.Conversations)-1]))
		}
		want := []string{convs[2].ID, convs[4].ID, convs[3].ID, convs[1].ID, convs[0].ID}
		if !slices.Equal(got, want) {
			t.Fatalf("order:\n got %v\nwant %v", got, want)
		}
		_, err := f.svc.Conversations(ctx, me.ID, 2, ptr("bad"))
		wantCode(t, err, chat.CodeBadUserInput)
	})
}

// TestCreateMessageBesideGroupCreation checks that sending does not wait on,
// nor deadlock with, a group being created with the same users: inserting
// participants takes KEY SHARE locks on their users, in any order.
func TestCreateMessageBesideGroupCreation(t *testing.T) {
	db := dbtest.Postgres(t)
	f := newFixture(db)
	ctx := context.Background()
	a, b := f.user(t, "alice"), f.user(t, "bob")
	if a.ID > b.ID {
		a, b = b, a
	}
	conv := f.direct(t, a, b)

	// A group creation in progress that has inserted the larger id only.
	tx := db.Begin()
	defer tx.Rollback()
	group := &chat.Conversation{ID: "01900000-0000-7000-8000-0000000000aa", Kind: chat.KindGroup, Title: ptr("g"),
		LastActivityAt: conv.CreatedAt, CreatedAt: conv.CreatedAt}
	if err := tx.Create(group).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(&chat.Participant{ConversationID: group.ID, UserID: b.ID, JoinedAt: conv.CreatedAt}).Error; err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := f.svc.CreateMessage(ctx, a.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: "hi"})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("createMessage waited for the group creation's participant locks")
	}
	if err := tx.Create(&chat.Participant{ConversationID: group.ID, UserID: a.ID, JoinedAt: conv.CreatedAt}).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
}
