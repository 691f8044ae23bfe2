// Package scalar holds the messenger's own marshalling of GraphQL's built-in
// scalars, bound in gqlgen.yml.
package scalar

import (
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/messenger/messenger/internal/chat"
)

// MarshalString writes a String as gqlgen does.
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString reads a String argument as gqlgen does, and refuses text
// that is not valid UTF-8 or holds a NUL character with BAD_USER_INPUT, so
// that no such text reaches the domain or the database (PostgreSQL refuses
// NUL in text).
func UnmarshalString(v any) (string, error) {
	s, err := graphql.UnmarshalString(v)
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", chat.Errorf(chat.CodeBadUserInput, "text must be valid UTF-8 without NUL characters")
	}
	return s, nil
}
