package graph

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/internal/metrics"
)

// ServerConfig is what NewServer needs.
type ServerConfig struct {
	Resolver *Resolver
	Logger   *slog.Logger
	// Documents bound each document before it is validated or run
	// (DefaultDocumentLimits when zero).
	Documents DocumentLimits
	// Production turns introspection off and keeps every error free of
	// "Did you mean" suggestions of schema names.
	Production bool
	// Metrics counts refusals (nil: none).
	Metrics *metrics.Metrics
	// OnOperation, when set, is called with the name of every operation the
	// server runs ("" for an anonymous one), in the request's context.
	OnOperation func(ctx context.Context, name string)
	// RateLimits are the rate limits of mutations (nil: none).
	RateLimits *RateLimits
}

// NewServer returns the gqlgen server of the messenger's schema, without
// transports (the caller adds those it serves): the query caches, the
// document limits, complexity and rate limits, the per-operation loaders,
// the stream cursor in each event's extensions, and the error presenter that
// shows only chat.Error text and logs every other error.
func NewServer(cfg ServerConfig) *handler.Server {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: cfg.Resolver, Complexity: complexity()}))

	limits := cfg.Documents
	if limits == (DocumentLimits{}) {
		limits = DefaultDocumentLimits
	}
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(limits.Tokens)
	srv.SetDisableSuggestion(cfg.Production)
	if !cfg.Production {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(documentCheck{limits: limits, cache: queries, metrics: cfg.Metrics})
	srv.Use(complexityLimit(cfg.Metrics))
	cfg.RateLimits.use(srv)

	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if cfg.OnOperation != nil {
			oc := graphql.GetOperationContext(ctx)
			name := oc.OperationName
			if name == "" && oc.Operation != nil {
				name = oc.Operation.Name
			}
			cfg.OnOperation(ctx, name)
		}
		if graphql.GetOperationContext(ctx).Operation.Operation == ast.Subscription {
			return next(ctx) // a stream outlives any cache: its fields load afresh per event
		}
		return next(withLoaders(ctx, NewLoaders(ctx, cfg.Resolver.Chat)))
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil {
			resp.Errors = boundErrors(resp.Errors)
		}
		if cursor, ok := cursorFrom(ctx); ok && resp != nil {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["cursor"] = cursor
		}
		return resp
	})
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "graphql: panic", "panic", p, "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", p)
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, logger, err, cfg.Production)
	})
	return srv
}
