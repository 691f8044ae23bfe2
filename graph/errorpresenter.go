package graph

import (
	"context"
	"errors"
	"log/slog"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/internal/chat"
)

// presentError turns err into the error a client sees: a chat.Error keeps
// its message and code, an error of the GraphQL layer itself (parsing,
// validation) is kept as it is (without suggestions of schema names in
// production), and anything else becomes a generic INTERNAL_SERVER_ERROR
// whose detail goes only to the log (at debug level when the client
// cancelled the request, else as an error).
func presentError(ctx context.Context, logger *slog.Logger, err error, production bool) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if e, ok := errors.AsType[*chat.Error](err); ok {
		gqlErr.Message = e.Message
		setCode(gqlErr, e.Code)
		return gqlErr
	}
	var own *gqlerror.Error
	if errors.As(err, &own) && own.Err == nil {
		if _, ok := gqlErr.Extensions["code"]; !ok {
			setCode(gqlErr, chat.CodeBadUserInput)
		}
		if production {
			gqlErr.Message = suggestion.ReplaceAllString(gqlErr.Message, "")
		}
		return gqlErr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The client went away (a stream closed while an event was being
		// resolved): nobody reads the answer, and nothing failed.
		logger.DebugContext(ctx, "graphql: cancelled by the client", "path", gqlErr.Path.String(), "err", err)
	} else {
		logger.ErrorContext(ctx, "graphql: unexpected error", "path", gqlErr.Path.String(), "err", err)
	}
	gqlErr.Message = "internal server error"
	gqlErr.Err = nil
	gqlErr.Extensions = map[string]any{"code": chat.CodeInternal}
	return gqlErr
}

// suggestion matches the "Did you mean …?" that validation appends to an
// error about an unknown name; in production it would reveal the schema.
var suggestion = regexp.MustCompile(` Did you mean [^?]*\?`)

// maxErrors is the most errors one response carries: a document may hold
// thousands of mistakes, and its answer must stay small.
const maxErrors = 20

// boundErrors keeps the first maxErrors errors and says how many it left out.
func boundErrors(errs gqlerror.List) gqlerror.List {
	if len(errs) <= maxErrors {
		return errs
	}
	rest := gqlerror.Errorf("%d more errors not shown", len(errs)-maxErrors+1)
	if code, ok := errs[0].Extensions["code"]; ok {
		rest.Extensions = map[string]any{"code": code}
	}
	return append(errs[:maxErrors-1:maxErrors-1], rest)
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}
