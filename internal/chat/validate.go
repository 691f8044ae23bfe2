package chat

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// usernamePattern is what a stored username looks like: 3-32 of [a-z0-9_].
var usernamePattern = regexp.MustCompile(`^[a-z0-9_]{3,32}$`)

// validText reports whether s is valid UTF-8 without NUL characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
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
