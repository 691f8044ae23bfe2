package graph

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/metrics"
)

// Streaming defaults.
const (
	DefaultKeepAlive          = 15 * time.Second
	DefaultStreamWriteTimeout = 30 * time.Second
	eventSourceRetryHint      = 2 * time.Second
)

// HandlerConfig is what NewHandler needs.
type HandlerConfig struct {
	Resolver *Resolver
	Logger   *slog.Logger
	// KeepAlive is the interval of the ping comments on event streams
	// (DefaultKeepAlive when zero).
	KeepAlive time.Duration
	// StreamWriteTimeout cuts an event stream whose client takes no data for
	// that long (DefaultStreamWriteTimeout when zero).
	StreamWriteTimeout time.Duration
	// Shutdown, once done, cuts every open event stream so that its client
	// resumes elsewhere (nil: never).
	Shutdown context.Context
	// Documents bound each document before it is validated or run
	// (DefaultDocumentLimits when zero).
	Documents DocumentLimits
	// Production turns introspection off and keeps every error free of
	// "Did you mean" suggestions of schema names.
	Production bool
	// Metrics counts refusals (nil: none).
	Metrics *metrics.Metrics
	// Authenticate and SessionLive authenticate WebSocket connections by
	// their connection_init payload and tell when their session has ended
	// (nil Authenticate: no WebSocket transport).
	Authenticate func(ctx context.Context, authorization string) (context.Context, error)
	SessionLive  func(ctx context.Context) bool
	// OnOperation, when set, is called with the name of every operation the
	// handler runs ("" for an anonymous one), in the request's context.
	OnOperation func(ctx context.Context, name string)
	// RateLimits are the rate limits of mutations and the cap on each
	// user's open event streams (nil: none).
	RateLimits *RateLimits
}

// NewHandler returns the GraphQL endpoint: its transports (SSE over POST,
// EventSource over GET, plain POST), the per-operation loaders, limits, the
// stream cursor in each event's extensions, and the error presenter that
// shows only chat.Error text and logs every other error.
func NewHandler(cfg HandlerConfig) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	keepAlive := cmp.Or(cfg.KeepAlive, DefaultKeepAlive)
	writeTimeout := cmp.Or(cfg.StreamWriteTimeout, DefaultStreamWriteTimeout)
	shutdown := cfg.Shutdown
	if shutdown == nil {
		shutdown = context.Background()
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: cfg.Resolver, Complexity: complexity()}))
	srv.AddTransport(gqltransport.Options{})
	if cfg.Authenticate != nil {
		srv.AddTransport(cfg.RateLimits.webSocket(transport.WebSocket{
			KeepAlivePingInterval: keepAlive,
			Authenticate:          cfg.Authenticate,
			Live:                  cfg.SessionLive,
			Shutdown:              shutdown,
		}))
	}
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: keepAlive}) // before POST, which would take it
	srv.AddTransport(transport.EventSource{KeepAlivePingInterval: keepAlive, RetryHint: eventSourceRetryHint})
	srv.AddTransport(transport.Multipart{KeepAlivePingInterval: keepAlive})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{Refused: cfg.Metrics.Refused})

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
	return cfg.RateLimits.limitStreams(transport.GuardStreams(shutdown, writeTimeout, srv))
}
