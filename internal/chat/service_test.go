package chat_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// recorder is a chat.Publisher that keeps what it was given.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
}

func (r *recorder) Publish(_ context.Context, events []chat.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
}

func (r *recorder) all() []chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chat.Event(nil), r.events...)
}

type fixture struct {
	db     *database.DB
	svc    *chat.Service
	pub    *recorder
	tokens *auth.Tokens
}

func newFixture(db *database.DB) *fixture {
	pub := &recorder{}
	tokens := auth.NewTokens([]byte("a test secret that is long enough!!"), time.Hour)
	return &fixture{db: db, svc: chat.NewService(db, pub, chat.WithTokens(tokens)), pub: pub, tokens: tokens}
}

func (f *fixture) user(t *testing.T, name string) *chat.User {
	t.Helper()
	u, err := f.svc.SignUp(context.Background(), chat.SignUpInput{Username: name, Password: "correct horse"})
	if err != nil {
		t.Fatalf("sign up %s: %v", name, err)
	}
	return u
}

func (f *fixture) direct(t *testing.T, a, b *chat.User) *chat.Conversation {
	t.Helper()
	c, err := f.svc.StartDirectConversation(context.Background(), a.ID, b.Username)
	if err != nil {
		t.Fatalf("start direct: %v", err)
	}
	return c
}

func (f *fixture) send(t *testing.T, from *chat.User, conv *chat.Conversation, content string) *chat.Message {
	t.Helper()
	m, err := f.svc.CreateMessage(context.Background(), from.ID, chat.CreateMessageInput{ConversationID: conv.ID, Content: content})
	if err != nil {
		t.Fatalf("create message: %v", err)
	}
	return m
}

func (f *fixture) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := f.db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var e *chat.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got error %v (code %s), want %s", err, chat.ErrorCode(err), code)
	}
}

func TestSignUpAndLogIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		t.Run("OK", func(t *testing.T) {
			u, err := f.svc.SignUp(ctx, chat.SignUpInput{Username: "Alice_1", Password: "password1"})
			if err != nil {
				t.Fatal(err)
			}
			if u.Username != "alice_1" || u.DisplayName != "alice_1" {
				t.Fatalf("got %q/%q, want lowercase username as display name", u.Username, u.DisplayName)
			}
			got, err := f.svc.LogIn(ctx, "ALICE_1", "password1")
			if err != nil || got.User.ID != u.ID {
				t.Fatalf("log in: %v %v", got, err)
			}
		})
		t.Run("Taken", func(t *testing.T) {
			_, err := f.svc.SignUp(ctx, chat.SignUpInput{Username: "alice_1", Password: "password1"})
			wantCode(t, err, chat.CodeConflict)
		})
		t.Run("WrongPasswordAndUnknownUserLookAlike", func(t *testing.T) {
			_, err1 := f.svc.LogIn(ctx, "alice_1", "wrong password")
			_, err2 := f.svc.LogIn(ctx, "nobody", "password1")
			wantCode(t, err1, chat.CodeUnauthenticated)
			wantCode(t, err2, chat.CodeUnauthenticated)
			if err1.Error() != err2.Error() {
				t.Fatalf("errors differ: %q vs %q", err1, err2)
			}
		})
		t.Run("Invalid", func(t *testing.T) {
			long := string(make([]byte, 65))
			for name, in := range map[string]chat.SignUpInput{
				"ShortName":    {Username: "ab", Password: "password1"},
				"BadChars":     {Username: "a-b-c", Password: "password1"},
				"ShortPass":    {Username: "bob", Password: "short"},
				"LongDisplay":  {Username: "bob", Password: "password1", DisplayName: &long},
				"LongUsername": {Username: "abcdefghijabcdefghijabcdefghijabc", Password: "password1"},
			} {
				t.Run(name, func(t *testing.T) {
					_, err := f.svc.SignUp(ctx, in)
					wantCode(t, err, chat.CodeBadUserInput)
				})
			}
			if n := f.count(t, "users"); n != 1 {
				t.Fatalf("users: %d rows, want 1", n)
			}
		})
		t.Run("Search", func(t *testing.T) {
			f.user(t, "alpha_b")
			f.user(t, "bravo")
			got, err := f.svc.SearchUsers(ctx, "AL", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Username != "alice_1" || got[1].Username != "alpha_b" {
				t.Fatalf("search: %v", got)
			}
			got, _ = f.svc.SearchUsers(ctx, "al%", 10)
			if len(got) != 0 {
				t.Fatalf("wildcard must match itself only: %v", got)
			}
		})
	})
}

func TestStartDirectConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice, bob := f.user(t, "alice"), f.user(t, "bob")
		t.Run("ConcurrentFromBothSidesYieldOne", func(t *testing.T) {
			const n = 20
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					me, other := alice, bob
					if i%2 == 1 {
						me, other = bob, alice
					}
					c, err := f.svc.StartDirectConversation(ctx, me.ID, other.Username)
					if err != nil {
						t.Error(err)
						return
					}
					ids[i] = c.ID
				})
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("got several conversations: %v", ids)
				}
			}
			if n := f.count(t, "conversations"); n != 1 {
				t.Fatalf("conversations: %d rows", n)
			}
			if n := f.count(t, "participants"); n != 2 {
				t.Fatalf("participants: %d rows", n)
			}
		})
		t.Run("WithYourself", func(t *testing.T) {
			_, err := f.svc.StartDirectConversation(ctx, alice.ID, "alice")
			wantCode(t, err, chat.CodeBadUserInput)
		})
		t.Run("UnknownUser", func(t *testing.T) {
			_, err := f.svc.StartDirectConversation(ctx, alice.ID, "nobody")
			wantCode(t, err, chat.CodeNotFound)
		})
	})
}

func TestCreateGroupConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		alice := f.user(t, "alice")
		f.user(t, "bob")
		f.user(t, "carol")
		t.Run("OK", func(t *testing.T) {
			c, err := f.svc.CreateGroupConversation(ctx, alice.ID, chat.CreateGroupInput{Title: " Team ", Usernames: []string{"bob", "Carol", "bob", "alice"}})
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != chat.KindGroup || *c.Title != "Team" {
				t.Fatalf("got %+v", c)
			}
			members, err := f.svc.ParticipantsByConversationIDs(ctx, []string{c.ID})
			if err != nil || len(members[c.ID]) != 3 {
				t.Fatalf("members: %v %v", members, err)
			}
		})
		for name, in := range map[string]chat.CreateGroupInput{
			"NoTitle":      {Title: "  ", Usernames: []string{"bob"}},
			"LongTitle":    {Title: string(make([]rune, 101)), Usernames: []string{"bob"}},
			"OnlyCreator":  {Title: "x", Usernames: []string{"alice"}},
			"UnknownUser":  {Title: "x", Usernames: []string{"bob", "nobody"}},
			"TooManyUsers": {Title: "x", Usernames: manyNames(256)},
		} {
			t.Run(name, func(t *testing.T) {
				before := f.count(t, "conversations")
				_, err := f.svc.CreateGroupConversation(ctx, alice.ID, in)
				wantCode(t, err, chat.CodeBadUserInput)
				if f.count(t, "conversations") != before {
					t.Fatal("a conversation was written")
				}
			})
		}
	})
}

func manyNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("user%03d", i)
	}
	return names
}
