package transport

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// POST runs a query or mutation sent as a JSON body (GraphQL over HTTP).
// Unlike gqlgen's own POST transport, a document refused before it runs
// (it does not parse, validate, or fit the limits) is answered with 400,
// whatever the client accepts, and a body that does not decode is never
// echoed (Refused, when set, counts it as "body_malformed"). ReadBodies
// must have read the body.
type POST struct {
	Refused func(limit string)
}

var _ graphql.Transport = POST{}

// Supports reports whether r is a POST of a JSON body that does not ask for
// an event stream.
func (POST) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" || IsEventStream(r) {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// Do runs the operation of r's body and writes its response.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	params, ok := bodyParams(r)
	if !ok {
		if t.Refused != nil {
			t.Refused("body_malformed")
		}
		WriteError(w, http.StatusBadRequest, "BAD_REQUEST", badBody)
		return
	}
	run(w, r, exec, params, func(op ast.Operation) bool {
		if op != ast.Subscription {
			return true
		}
		WriteError(w, http.StatusBadRequest, "BAD_REQUEST",
			"a subscription runs on an event stream: send it with Accept: text/event-stream")
		return false
	})
}

// run creates the operation of params and, when allowed accepts its type
// (allowed writes the refusal otherwise), runs it and writes its one
// response as JSON. A document refused before it runs gets 400.
func run(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, allowed func(ast.Operation) bool) {
	w.Header().Set("Content-Type", responseType(r))
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if !allowed(opCtx.Operation.Operation) {
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeJSON(w, responses(ctx))
}

// responseType is application/graphql-response+json for a client that
// accepts it, else application/json.
func responseType(r *http.Request) string {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "application/graphql-response+json") {
			return "application/graphql-response+json"
		}
	}
	return "application/json"
}

func writeJSON(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	_, _ = w.Write(b)
}
