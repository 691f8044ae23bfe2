package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/internal/chat"
)

// presentError turns err into the error a client sees: a chat.Error keeps
// its message and code, an error of the GraphQL layer itself (parsing,
// validation) is kept as it is, and anything else becomes a generic
// INTERNAL_SERVER_ERROR whose detail goes only to the log.
func presentError(ctx context.Context, logger *slog.Logger, err error) *gqlerror.Error {
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
		return gqlErr
	}
	logger.ErrorContext(ctx, "graphql: unexpected error", "path", gqlErr.Path.String(), "err", err)
	gqlErr.Message = "internal server error"
	gqlErr.Err = nil
	gqlErr.Extensions = map[string]any{"code": chat.CodeInternal}
	return gqlErr
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}
