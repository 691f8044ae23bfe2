package transport

import (
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
	params, err := urlParams(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return
	}
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
