package graph_test

import (
	"strings"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// TestTextHygiene: text that is not valid UTF-8 or holds NUL never reaches
// the database, on either dialect (PostgreSQL refuses NUL with an error that
// used to surface as INTERNAL_SERVER_ERROR and an ERROR log line), and
// display names are stored in one normal form without control or
// bidirectional formatting characters.
func TestTextHygiene(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newAPI(t, db)
		token, _ := a.signUp("alice")
		nul := map[string]any{"s": "bo\x00b"}
		for name, c := range map[string]struct {
			token, query string
		}{
			"user":                    {token, `query($s: String!) { user(username: $s) { id } }`},
			"searchUsers":             {token, `query($s: String!) { searchUsers(query: $s) { id } }`},
			"logIn":                   {"", `mutation($s: String!) { logIn(input: {username: $s, password: "password1"}) { token } }`},
			"startDirectConversation": {token, `mutation($s: String!) { startDirectConversation(username: $s) { id } }`},
			"inline literal":          {token, `{ user(username: "bo\u0000b") { id } }`},
		} {
			t.Run(name, func(t *testing.T) {
				if code := a.code(c.token, c.query, nul); code != chat.CodeBadUserInput {
					t.Fatalf("code %s, want BAD_USER_INPUT", code)
				}
			})
		}
		if strings.Contains(a.logs.String(), "level=ERROR") {
			t.Fatalf("bad text logged an error:\n%s", a.logs.String())
		}

		signUp := `mutation($u: String!, $d: String) { signUp(input: {username: $u, password: "password1", displayName: $d}) { user { displayName } } }`
		for name, display := range map[string]string{
			"control":            "Mallory\x07",
			"newline":            "Mal\nlory",
			"right-to-left mark": "Mallory\u200f",
			"override":           "\u202eyrollaM",
			"isolate":            "\u2067Mallory\u2069",
		} {
			t.Run("refused "+name, func(t *testing.T) {
				if code := a.code("", signUp, map[string]any{"u": "mallory", "d": display}); code != chat.CodeBadUserInput {
					t.Fatalf("code %s", code)
				}
			})
		}
		var out struct {
			SignUp struct{ User struct{ DisplayName string } }
		}
		// "é" as e + combining acute is stored as the one precomposed rune;
		// a joiner inside an emoji sequence is kept.
		a.ok("", signUp, map[string]any{"u": "zoe", "d": "  Zoe\u0301 👩\u200d💻 "}, &out)
		if got := out.SignUp.User.DisplayName; got != "Zo\u00e9 👩\u200d💻" {
			t.Fatalf("display name stored as %q", got)
		}
	})
}
