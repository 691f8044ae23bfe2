package chat

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
)

// usernamePattern is what a stored username looks like: 3-32 of [a-z0-9_].
var usernamePattern = regexp.MustCompile(`^[a-z0-9_]{3,32}$`)

// validText reports whether s is valid UTF-8 without NUL characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// validPassword returns BAD_USER_INPUT unless password is 8 to 256
// characters of valid UTF-8.
func validPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < 8 || n > 256 || !utf8.ValidString(password) {
		return errBadInput("password must be 8 to 256 characters")
	}
	return nil
}

// cleanName returns a display name or a title as stored: trimmed and in
// Unicode normal form C, so that one name has one spelling. ok is false for
// text that is not valid, or that holds a control character or a
// bidirectional formatting character (which can make a name display as
// another, or reorder what follows it).
func cleanName(s string) (name string, ok bool) {
	if !validText(s) {
		return "", false
	}
	name = norm.NFC.String(strings.TrimSpace(s))
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "", false
		}
	}
	return name, true
}

// validID reports whether id has the form of an id this service hands out;
// anything else cannot name a row and is reported as not found.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// keepValidIDs returns the ids that have the form of an id, in order.
func keepValidIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if validID(id) {
			out = append(out, id)
		}
	}
	return out
}

// escapeLike escapes LIKE's wildcards so that s matches only itself.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
