package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/messenger/messenger/internal/metrics"
)

// documentCheck is the gqlgen extension that enforces DocumentLimits before
// gqlgen parses and validates a document it has not seen (accepted
// documents are in the query cache, and are not checked again).
type documentCheck struct {
	limits  DocumentLimits
	cache   graphql.Cache[*ast.QueryDocument]
	metrics *metrics.Metrics
}

var (
	_ graphql.HandlerExtension          = documentCheck{}
	_ graphql.OperationParameterMutator = documentCheck{}
)

func (documentCheck) ExtensionName() string                   { return "DocumentLimits" }
func (documentCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a document over the limits with a
// GRAPHQL_VALIDATION_FAILED error (GRAPHQL_PARSE_FAILED when it does not
// parse within the token limit).
func (c documentCheck) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := c.cache.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, c.limits.Tokens)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Errorf("the document does not parse")
		}
		if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
			c.metrics.Refused("query_tokens")
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	if limit, over := c.limits.check(doc); over {
		c.metrics.Refused("query_" + limit)
		gqlErr := gqlerror.Errorf("the document exceeds the limit on %s", strings.ReplaceAll(limit, "_", " "))
		errcode.Set(gqlErr, errcode.ValidationFailed)
		return gqlErr
	}
	return nil
}

// check returns the name of the first limit doc exceeds.
func (l DocumentLimits) check(doc *ast.QueryDocument) (limit string, over bool) {
	m := measure(doc)
	switch {
	case l.Aliases > 0 && m.aliases > l.Aliases:
		return "aliases", true
	case l.Directives > 0 && m.directives > l.Directives:
		return "directives", true
	case l.Fields > 0 && m.fields > l.Fields:
		return "fields", true
	case l.Depth > 0 && m.depth > l.Depth:
		return "depth", true
	case l.RootFields > 0 && m.rootFields > l.RootFields:
		return "root_fields", true
	}
	return "", false
}

// measures are a document's sizes: aliases and directives as written;
// fields, depth and root fields with fragments expanded (the largest over
// its operations for depth and root fields).
type measures struct {
	aliases, directives       int
	fields, depth, rootFields int
}

// saturate caps sums, so that fragments used many times over cannot
// overflow a count.
const saturate = 1 << 30

func measure(doc *ast.QueryDocument) measures {
	var m measures
	var written func(ast.SelectionSet)
	written = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != s.Name {
					m.aliases++
				}
				m.directives += len(s.Directives)
				written(s.SelectionSet)
			case *ast.InlineFragment:
				m.directives += len(s.Directives)
				written(s.SelectionSet)
			case *ast.FragmentSpread:
				m.directives += len(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		m.directives += len(op.Directives)
		written(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		m.directives += len(f.Directives)
		written(f.SelectionSet)
	}

	x := expander{doc: doc, fragments: map[string]expanded{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		e := x.set(op.SelectionSet)
		m.fields = min(m.fields+e.fields, saturate)
		m.depth = max(m.depth, e.depth)
		m.rootFields = max(m.rootFields, e.width)
	}
	return m
}

// expanded is what a selection set amounts to with its fragments expanded:
// its fields at every level, its depth, and its own fields (width).
type expanded struct{ fields, depth, width int }

// expander measures selection sets, each fragment once; a fragment that
// spreads itself (invalid, refused later by validation) counts as empty.
type expander struct {
	doc       *ast.QueryDocument
	fragments map[string]expanded
	visiting  map[string]bool
}

func (x *expander) set(set ast.SelectionSet) expanded {
	var e expanded
	add := func(c expanded) {
		e.fields = min(e.fields+c.fields, saturate)
		e.width = min(e.width+c.width, saturate)
		e.depth = max(e.depth, c.depth)
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			child := x.set(s.SelectionSet)
			depth := child.depth + 1
			if strings.HasPrefix(s.Name, "__") {
				depth = 0 // introspection is bounded by the schema itself
			}
			add(expanded{fields: child.fields + 1, width: 1, depth: depth})
		case *ast.InlineFragment:
			add(x.set(s.SelectionSet))
		case *ast.FragmentSpread:
			add(x.fragment(s.Name))
		}
	}
	return e
}

func (x *expander) fragment(name string) expanded {
	if e, ok := x.fragments[name]; ok {
		return e
	}
	def := x.doc.Fragments.ForName(name)
	if def == nil || x.visiting[name] {
		return expanded{}
	}
	x.visiting[name] = true
	e := x.set(def.SelectionSet)
	delete(x.visiting, name)
	x.fragments[name] = e
	return e
}
