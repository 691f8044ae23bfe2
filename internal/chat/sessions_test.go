package chat_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// sessionOf returns the user and session of token, which must verify, and
// whether the session is live: what the Bearer middleware checks.
func (f *fixture) sessionOf(t *testing.T, token string) (userID, sessionID string, live bool) {
	t.Helper()
	claims, err := f.tokens.Verify(token)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	live, err = f.svc.SessionLive(context.Background(), claims.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	return claims.UserID, claims.SessionID, live
}

// authenticates returns the user and session of token, which must
// authenticate.
func (f *fixture) authenticates(t *testing.T, token string) (userID, sessionID string) {
	t.Helper()
	userID, sessionID, live := f.sessionOf(t, token)
	if !live {
		t.Fatal("the token's session is not live")
	}
	return userID, sessionID
}

// refused fails the test unless token's session has ended.
func (f *fixture) refused(t *testing.T, token string) {
	t.Helper()
	if _, _, live := f.sessionOf(t, token); live {
		t.Fatal("the token's session is still live")
	}
}

// endedSessions returns the sessions whose end was published.
func (f *fixture) endedSessions() []string {
	var ended []string
	for _, ev := range f.pub.all() {
		if p, ok := ev.Payload.(chat.SessionEnded); ok {
			ended = append(ended, p.SessionID)
		}
	}
	return ended
}

// TestSessionUseCases: signing up and logging in each start a session whose
// token authenticates the user until it expires with the tokens' lifetime;
// logging out ends only that session, and tells every instance.
func TestSessionUseCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		before := time.Now()
		signedUp, err := f.svc.SignUpAndLogIn(ctx, chat.SignUpInput{Username: " Alice ", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		if signedUp.User.Username != "alice" || signedUp.User.ID == "" {
			t.Fatalf("signed up %+v", signedUp.User)
		}
		after := time.Now()
		if e := signedUp.ExpiresAt; e.Before(before.Add(time.Hour-time.Second)) || e.After(after.Add(time.Hour)) {
			t.Fatalf("the session expires at %v, want the tokens' hour after %v", e, before)
		}
		user, first := f.authenticates(t, signedUp.Token)
		if user != signedUp.User.ID {
			t.Fatalf("the token authenticates %s, want %s", user, signedUp.User.ID)
		}

		loggedIn, err := f.svc.LogIn(ctx, "ALICE", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		user, second := f.authenticates(t, loggedIn.Token)
		if user != signedUp.User.ID || loggedIn.User.ID != user || second == first {
			t.Fatalf("log-in: user %s (%s), session %s after %s", user, loggedIn.User.ID, second, first)
		}
		if _, err := f.svc.LogIn(ctx, "alice", "wrong horse"); chat.ErrorCode(err) != chat.CodeUnauthenticated {
			t.Fatalf("wrong password: %v", err)
		}

		if err := f.svc.LogOut(ctx, user, first); err != nil {
			t.Fatal(err)
		}
		f.refused(t, signedUp.Token)
		f.authenticates(t, loggedIn.Token)
		if ended := f.endedSessions(); !slices.Equal(ended, []string{first}) {
			t.Fatalf("published the end of %v, want [%s]", ended, first)
		}
	})
}

// TestChangePassword: changing the password returns a new token of this
// session, with the session's expiry, that authenticates; every other
// session ends (and every instance is told); only the new password logs in.
func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(db)
		ctx := context.Background()
		this, err := f.svc.SignUpAndLogIn(ctx, chat.SignUpInput{Username: "alice", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.LogIn(ctx, "alice", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		user, session := f.authenticates(t, this.Token)
		_, otherSession := f.authenticates(t, other.Token)

		if _, err := f.svc.ChangePassword(ctx, user, session, "wrong horse", "battery staple"); chat.ErrorCode(err) != chat.CodeUnauthenticated {
			t.Fatalf("wrong current password: %v", err)
		}
		if _, err := f.svc.ChangePassword(ctx, user, session, "correct horse", "short"); chat.ErrorCode(err) != chat.CodeBadUserInput {
			t.Fatalf("invalid new password: %v", err)
		}
		f.authenticates(t, other.Token) // refusals end nothing

		changed, err := f.svc.ChangePassword(ctx, user, session, "correct horse", "battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if !changed.ExpiresAt.Equal(this.ExpiresAt) {
			t.Fatalf("the new token expires at %v, want the session's %v", changed.ExpiresAt, this.ExpiresAt)
		}
		if changed.User == nil || changed.User.ID != user || changed.User.Username != "alice" {
			t.Fatalf("user %+v", changed.User)
		}
		if u, s := f.authenticates(t, changed.Token); u != user || s != session {
			t.Fatalf("the new token authenticates %s in %s, want %s in %s", u, s, user, session)
		}
		f.authenticates(t, this.Token) // this session goes on
		f.refused(t, other.Token)
		if ended := f.endedSessions(); !slices.Equal(ended, []string{otherSession}) {
			t.Fatalf("published the end of %v, want [%s]", ended, otherSession)
		}
		if _, err := f.svc.LogIn(ctx, "alice", "correct horse"); chat.ErrorCode(err) != chat.CodeUnauthenticated {
			t.Fatalf("the old password: %v", err)
		}
		if _, err := f.svc.LogIn(ctx, "alice", "battery staple"); err != nil {
			t.Fatalf("the new password: %v", err)
		}

		// An ended session gets no token.
		if err := f.svc.LogOut(ctx, user, session); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ChangePassword(ctx, user, session, "battery staple", "correct horse"); chat.ErrorCode(err) != chat.CodeNotFound {
			t.Fatalf("change in an ended session: %v", err)
		}
	})
}
