package chat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// The text rules, as the API promises them. A name (a group title, a display
// name) is stored trimmed and in Unicode normal form C, and refused when it
// is not valid UTF-8 or holds NUL, a control character or a bidirectional
// formatting character (which can make a name display as another one, or
// reorder the text that follows it). Message content is stored trimmed and
// must be valid text. Usernames are ASCII.

// spelledName returns the stored form of a name and whether it is allowed,
// whatever its length.
func spelledName(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	name := norm.NFC.String(strings.TrimSpace(s))
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "", false
		}
	}
	return name, true
}

// checkStoredName fails unless name is the stored form of a name.
func checkStoredName(t *testing.T, what, input, name string) {
	t.Helper()
	switch {
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		t.Fatalf("%s %q stored as %q: not valid text", what, input, name)
	case strings.TrimSpace(name) != name:
		t.Fatalf("%s %q stored as %q: not trimmed", what, input, name)
	case !norm.NFC.IsNormalString(name):
		t.Fatalf("%s %q stored as %q: not in NFC", what, input, name)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) >= 0:
		t.Fatalf("%s %q stored as %q: holds a control or bidirectional formatting character", what, input, name)
	}
	if again, ok := spelledName(name); !ok || again != name {
		t.Fatalf("%s %q stored as %q: cleaning it again gives %q (allowed: %v)", what, input, name, again, ok)
	}
}

// validUsername reports whether s is 3-32 of a-z, 0-9 and _.
func validUsername(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return 3 <= len(s) && len(s) <= 32
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
}

// FuzzTextInput sends arbitrary text as what clients write: a group title,
// message content and clientMessageId, a username, password and display
// name. Every write runs on SQLite in a transaction that is rolled back, so
// that the database stays as set up. Text the rules refuse is BAD_USER_INPUT
// and nothing is written; text they allow is stored in its cleaned form, and
// storing that form again changes nothing. Sign-ups the rules allow are not
// run (a password hash takes far too long for a fuzz input); refusals are.
//
// On the branch this target was written on (0396ac3), names were only
// trimmed: a title or display name with a bidirectional override (U+202E),
// a control character or text not in NFC was stored as given. The seeds
// below fail there until names are cleaned (cleanName, in progress).
func FuzzTextInput(f *testing.F) {
	db := dbtest.SQLite(f)
	ctx := context.Background()
	svc := NewService(db, nil)
	alice, err := svc.SignUp(ctx, SignUpInput{Username: "alice", Password: "correct horse"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := svc.SignUp(ctx, SignUpInput{Username: "bob", Password: "correct horse"}); err != nil {
		f.Fatal(err)
	}

	for _, s := range []string{
		"Team", "  Team  ", "\tTeam\n", "", " ", "\u00a0", "\u3000x\u3000",
		"Ame\u0301lie", "Am\u00e9lie", "\u212b", "e\u0301\u0301", "\u0301", "x \u0301",
		"evil\u202egnp.exe", "\u2066x\u2069", "\u200fRTL", "\u061c", "a\u200bb", "\ufeffbom",
		"a\x00b", "a\x01b", "\x1b[31mred", "a\x7fb", "a\u0085b", "line\nbreak", "tab\tin",
		"\xff", "a\xc3", "\xed\xa0\x80", strings.Repeat("é", 100), strings.Repeat("e\u0301", 100),
		strings.Repeat("x", 101), strings.Repeat("😀", 64), strings.Repeat("😀", 65),
	} {
		f.Add(s, s, "correct horse", true)
	}
	f.Add("ALICE", "Alice", "short", false)
	f.Add(" bob_2 ", "", "\xffpassword", true)
	f.Add("\u212aelvin", "\u212aelvin", "1234567", true)
	f.Add("ab", "a\u202e", strings.Repeat("p", 257), true)

	ok := func(n, lo, hi int) bool { return lo <= n && n <= hi }
	f.Fuzz(func(t *testing.T, text, username, password string, withName bool) {
		tx := db.Begin()
		if tx.Error != nil {
			t.Fatal(tx.Error)
		}
		defer tx.Rollback()
		s := NewService(&database.DB{DB: tx, Dialect: db.Dialect}, nil) // every statement in tx

		// Group titles: 1-100 characters once cleaned.
		title, allowed := spelledName(text)
		allowed = allowed && ok(utf8.RuneCountInString(title), 1, 100)
		conv, err := s.CreateGroupConversation(ctx, alice.ID, CreateGroupInput{Title: text, Usernames: []string{"bob"}})
		switch {
		case err != nil && allowed:
			t.Fatalf("title %q (stored as %q) refused: %v", text, title, err)
		case err != nil:
			wantCode(t, "title "+text, err, CodeBadUserInput)
		case !allowed:
			t.Fatalf("title %q accepted and stored as %q", text, *conv.Title)
		default:
			checkStoredName(t, "title", text, *conv.Title)
			if *conv.Title != title {
				t.Fatalf("title %q stored as %q, want %q", text, *conv.Title, title)
			}
			again, err := s.CreateGroupConversation(ctx, alice.ID, CreateGroupInput{Title: *conv.Title, Usernames: []string{"bob"}})
			if err != nil || *again.Title != *conv.Title {
				t.Fatalf("title %q stored as %q, which is then refused or changed: %v, %v", text, *conv.Title, again, err)
			}
		}

		// Messages: 1-4000 characters once trimmed; a clientMessageId of at
		// most 64. The conversation id names no conversation, so what the
		// rules allow gets NOT_FOUND.
		content := strings.TrimSpace(text)
		contentOK := utf8.ValidString(content) && !strings.ContainsRune(content, 0) && ok(utf8.RuneCountInString(content), 1, MaxContentLength)
		clientOK := utf8.ValidString(username) && !strings.ContainsRune(username, 0) && utf8.RuneCountInString(username) <= MaxClientMessageIDLength
		_, err = s.CreateMessage(ctx, alice.ID, CreateMessageInput{ConversationID: "no such id", Content: text, ClientMessageID: &username})
		if contentOK && clientOK {
			wantCode(t, "message "+text+" with clientMessageId "+username, err, CodeNotFound)
		} else {
			wantCode(t, "message "+text+" with clientMessageId "+username, err, CodeBadUserInput)
		}

		// Sign-up: the username is ASCII once lowercased and trimmed, the
		// password 8-256 characters of valid UTF-8, the display name a name
		// of at most 64 characters ("" for the username).
		in := SignUpInput{Username: username, Password: password}
		nameOK := true
		if withName {
			in.DisplayName = &text
			name, allowed := spelledName(text)
			nameOK = allowed && utf8.RuneCountInString(name) <= 64
		}
		valid := validUsername(strings.ToLower(strings.TrimSpace(username))) &&
			utf8.ValidString(password) && ok(utf8.RuneCountInString(password), 8, 256) && nameOK
		if !valid {
			u, err := s.SignUp(ctx, in)
			if err == nil {
				t.Fatalf("sign-up of %q with display name %q accepted as %q, %q", username, text, u.Username, u.DisplayName)
			}
			wantCode(t, "sign-up of "+username, err, CodeBadUserInput)
		}
	})
}
