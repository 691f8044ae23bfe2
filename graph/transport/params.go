package transport

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

// bodyParams returns the operation of r's JSON body (read whole by
// ReadBodies); ok is false when the body is not one GraphQL request.
func bodyParams(r *http.Request) (params *graphql.RawParams, ok bool) {
	start := graphql.Now()
	req, ok := decodeRequest(r.Body)
	if !ok {
		return nil, false
	}
	return &graphql.RawParams{
		Query:         req.Query,
		OperationName: req.OperationName,
		Variables:     req.Variables,
		Extensions:    req.Extensions,
		Headers:       r.Header,
		ReadTime:      graphql.TraceTiming{Start: start, End: graphql.Now()},
	}, true
}

// urlParams returns the operation of r's URL (query, variables,
// operationName, extensions); the error names a parameter that is not a
// JSON object.
func urlParams(r *http.Request) (*graphql.RawParams, error) {
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
				return nil, fmt.Errorf("the %s parameter is not a JSON object", name)
			}
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return params, nil
}

// badBody is the refusal of a body that is not a GraphQL request.
const badBody = `the request body is not a GraphQL request: want a JSON object with a "query" string`
