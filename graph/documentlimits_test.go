package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// repeated returns "{ " + n copies of field + " }", each copy made unique by
// a comment, as an attacker would to miss the query cache.
func repeated(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "%s #%d\n", field, i)
	}
	b.WriteString("}")
	return b.String()
}

// nested returns a query of the given depth: conversation(id:) { lastMessage
// { conversation { lastMessage { … { id } } } } }.
func nested(depth int) string {
	var open, close strings.Builder
	for i := range depth - 2 {
		if i%2 == 0 {
			open.WriteString("lastMessage { ")
		} else {
			open.WriteString("conversation { ")
		}
		close.WriteString("} ")
	}
	return `{ conversation(id: "x") { ` + open.String() + "id " + close.String() + "} }"
}

func TestDocumentLimits(t *testing.T) {
	db := dbtest.SQLite(t)
	a := newAPI(t, db)
	token, u := a.signUp("alice")
	a.signUp("bob")
	var conv struct{ StartDirectConversation struct{ ID string } }
	a.ok(token, `mutation { startDirectConversation(username: "bob") { id } }`, nil, &conv)
	messages := func() int64 {
		var n int64
		if err := db.Table("messages").Where("sender_id = ?", u.ID).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}

	refused := map[string]struct {
		query string
		code  string
	}{
		// Far over the token limit: the parse stops at the limit.
		"Tokens": {repeated(90000, "__typename"), "GRAPHQL_PARSE_FAILED"},
		"Fields": {repeated(600, "me { id }"), "GRAPHQL_VALIDATION_FAILED"},
		// A fragment spread many times over counts every time.
		"ExpandedFields": {`{ ...A ...A ...A ...A ...A ...A ...A ...A } fragment A on Query { ...B ...B ...B ...B ...B ...B ...B ...B }
fragment B on Query { ...C ...C ...C ...C ...C ...C ...C ...C } fragment C on Query { me { id username displayName } }`, "GRAPHQL_VALIDATION_FAILED"},
		"Aliases":    {repeatedAliases(51), "GRAPHQL_VALIDATION_FAILED"},
		"Directives": {`{ me { ` + strings.Repeat("id @include(if: true) ", 51) + `} }`, "GRAPHQL_VALIDATION_FAILED"},
		"Depth":      {nested(13), "GRAPHQL_VALIDATION_FAILED"},
		// Eleven aliased sends in one request: refused whole, none written.
		"RootFields": {sends(conv.StartDirectConversation.ID, 11), "GRAPHQL_VALIDATION_FAILED"},
		"Complexity": {`{ conversations(first: 100) { edges { node { messages(last: 100) { edges { node {
  conversation { messages(last: 100) { edges { node { content } } } } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			status, resp := a.status(token, c.query, nil)
			if status != http.StatusBadRequest || len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != c.code {
				t.Fatalf("status %d, errors %.300v; want 400 with %s", status, resp.Errors, c.code)
			}
			if resp.Data != nil && string(resp.Data) != "null" {
				t.Fatalf("refused, yet data: %s", resp.Data)
			}
		})
	}
	if n := messages(); n != 0 {
		t.Fatalf("%d messages written by refused documents", n)
	}

	t.Run("AtTheLimits", func(t *testing.T) {
		a.ok(token, sends(conv.StartDirectConversation.ID, 10), nil, nil)
		if n := messages(); n != 10 {
			t.Fatalf("%d messages written, want 10", n)
		}
		a.ok(token, repeatedAliases(50), nil, nil)
		status, resp := a.status(token, nested(12), nil)
		if status != http.StatusOK || len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "NOT_FOUND" {
			t.Fatalf("a document of depth 12: status %d, %+v; want it run (NOT_FOUND for the made-up id)", status, resp.Errors)
		}
	})
	t.Run("Introspection", func(t *testing.T) {
		// GraphiQL's introspection query nests TypeRef nine levels deep;
		// introspection fields do not count towards the depth.
		a.ok("", introspectionQuery, nil, nil)
	})
}

// sends returns a mutation of n aliased createMessage fields.
func sends(conversationID string, n int) string {
	var b strings.Builder
	b.WriteString("mutation { ")
	for i := range n {
		fmt.Fprintf(&b, `m%d: createMessage(input: {conversationId: %q, content: "hi %d"}) { id } `, i, conversationID, i)
	}
	b.WriteString("}")
	return b.String()
}

// repeatedAliases returns a query of n aliased fields of me.
func repeatedAliases(n int) string {
	var b strings.Builder
	b.WriteString("{ me { ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: id ", i)
	}
	b.WriteString("} }")
	return b.String()
}

func TestProductionMode(t *testing.T) {
	dev := newAPI(t, dbtest.SQLite(t))
	prod := newAPI(t, dbtest.SQLite(t), func(c *graph.ServerConfig) { c.Production = true })
	token, _ := prod.signUp("alice")
	devToken, _ := dev.signUp("alice")

	if resp := dev.do("", `{ __schema { queryType { name } } }`, nil); len(resp.Errors) != 0 {
		t.Fatalf("introspection in development: %+v", resp.Errors)
	}
	if resp := prod.do("", `{ __schema { queryType { name } } }`, nil); len(resp.Errors) == 0 {
		t.Fatalf("introspection in production answered: %s", resp.Data)
	}
	// Every kind of unknown name: field, argument, input field, enum value.
	mistakes := []string{
		`{ mee { id } }`,
		`{ me { usernam } }`,
		`{ searchUsers(quer: "a") { id } }`,
		`mutation { createGroupConversation(input: {titl: "x", usernames: []}) { id } }`,
		`{ conversations { edges { node { kind(x: DIRECTT) } } } }`,
		`query($k: ConversationKnd) { me { id } }`,
	}
	suggested := 0
	for _, q := range mistakes {
		for name, a := range map[string]struct {
			api   *api
			token string
		}{"development": {dev, devToken}, "production": {prod, token}} {
			resp := a.api.do(a.token, q, nil)
			if len(resp.Errors) == 0 {
				t.Fatalf("%s: %s accepted", name, q)
			}
			for _, e := range resp.Errors {
				if strings.Contains(e.Message, "Did you mean") {
					if name == "production" {
						t.Errorf("production suggests a name for %s: %q", q, e.Message)
					}
					suggested++
				}
			}
		}
	}
	if suggested == 0 {
		t.Fatal("development suggested nothing: the check above proves nothing")
	}
}

// introspectionQuery is the one GraphiQL sends.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
  kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`

// BenchmarkHostileDocument measures the refusal of a 1 MiB document of
// repeated fields, each made unique by a comment (the cost of one anonymous
// hostile request before the limits was seconds of CPU).
func BenchmarkHostileDocument(b *testing.B) {
	a := newAPI(b, dbtest.SQLite(b))
	query := repeated(70000, "__typename")
	for len(query) < 1<<20-100 {
		query += " "
	}
	b.SetBytes(int64(len(query)))
	for b.Loop() {
		status, _ := a.status("", query, nil)
		if status != http.StatusBadRequest {
			b.Fatalf("status %d", status)
		}
	}
}
