package transport

import (
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// GET runs a query sent in the URL (GraphQL over HTTP: query, variables,
// operationName, extensions), as urql and other clients send queries by
// default. A mutation or a subscription over GET is refused with 405 and
// "Allow: POST" before it runs; a document refused before it runs gets 400,
// as over POST. Event streams over GET are EventSource's.
type GET struct{}

var _ graphql.Transport = GET{}

// Supports reports whether r is a GET that does not ask for an event stream
// or a WebSocket.
func (GET) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == "" && !IsEventStream(r)
}

// Do runs the query of r's URL and writes its response.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	q := r.URL.Query()
	params := &graphql.RawParams{
		Query:         q.Get("query"),
		OperationName: q.Get("operationName"),
		Headers:       r.Header,
	}
	for name, into := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		if raw := q.Get(name); raw != "" {
			if err := json.Unmarshal([]byte(raw), into); err != nil {
				WriteError(w, http.StatusBadRequest, "BAD_REQUEST", "the "+name+" parameter is not a JSON object")
				return
			}
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	run(w, r, exec, params, func(op ast.Operation) bool {
		if op == ast.Query {
			return true
		}
		w.Header().Set("Allow", http.MethodPost)
		WriteError(w, http.StatusMethodNotAllowed, "BAD_REQUEST",
			"only queries run over GET: send mutations with POST, and subscriptions on an event stream")
		return false
	})
}
