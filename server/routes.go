package main

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/ide"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
	"github.com/messenger/messenger/internal/ratelimit"
	"github.com/messenger/messenger/internal/webapp"
)

// eventSourceRetryHint is the reconnection delay the GET event stream asks
// browsers for.
const eventSourceRetryHint = 2 * time.Second

// wiring is what the HTTP handler is made of: the configuration, and the
// services run wires together.
type wiring struct {
	cfg      config
	logger   *slog.Logger
	db       *database.DB
	tokens   *auth.Tokens
	sessions *auth.SessionCache
	svc      *chat.Service
	hub      *pubsub.Hub
	metrics  *metrics.Metrics
	streams  *ratelimit.Slots // each user's open event streams
	// shutdown is done when shutdown begins: every open event stream is
	// cut, and its client resumes from its cursor elsewhere.
	shutdown context.Context
}

// handler returns the server's whole HTTP handler, written in the order a
// request goes through it once http.Server has read its header from the
// socket: the access log, the headers every response carries, the CORS
// allow-list, the routes; on /graphql the body read whole and bounded, a
// stream ticket (the GET event stream only), the Bearer token, the client
// address the limits per address key, the cap on each user's open event
// streams, the write guard of every event stream, then the gqlgen server,
// whose first transport that supports the request runs it through the
// document and rate limits to the resolvers.
func handler(w wiring) http.Handler {
	cfg, m := w.cfg, w.metrics
	mux := http.NewServeMux()
	root := through(
		// one line per request, with its GraphQL operation names
		func(next http.Handler) http.Handler { return accessLog(w.logger, next) },
		commonHeaders,
		// a browser's request from an origin not allowed: 403
		func(next http.Handler) http.Handler { return cors(splitOrigins(cfg.CORSOrigins), m.Refused, next) },
	).to(mux)

	mux.Handle("/graphql", through(
		// the body read whole, bounded in size and time (413, 408, 400)
		func(next http.Handler) http.Handler {
			return transport.ReadBodies(cfg.MaxBodyBytes, cfg.BodyReadTimeout, m.Refused, next)
		},
		// ?ticket= authenticates the GET event stream, and is refused anywhere else
		func(next http.Handler) http.Handler {
			return auth.TicketMiddleware(w.svc.StreamTicketSession, transport.IsEventStreamGET, next)
		},
		// Authorization: Bearer puts the user and session of a live token in the context
		func(next http.Handler) http.Handler { return w.tokens.Middleware(w.sessions, next) },
		// the client address, as the limits per address key it
		func(next http.Handler) http.Handler { return withClientAddress(cfg.RateLimits.ClientIPHeader, next) },
		// an event stream takes one of its user's slots, or gets 429
		transport.StreamLimit{
			Slots:    w.streams,
			Key:      func(r *http.Request) string { return auth.UserID(r.Context()) },
			Code:     chat.CodeRateLimited,
			OnRefuse: w.refuseStream,
		}.Wrap,
		// an event stream's writes have a deadline, and it is cut on shutdown
		func(next http.Handler) http.Handler {
			return transport.GuardStreams(w.shutdown, cmp.Or(cfg.StreamWriteTimeout, defaultStreamWriteTimeout), next)
		},
	).to(w.graphQL()))

	mux.Handle("GET /metrics", m.Handler())
	if cfg.ServeIDE() {
		ide.Register(mux, "/graphql")
	}
	webapp.Register(mux, "/graphql")
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := w.db.Ping(ctx); err != nil {
			w.logger.WarnContext(ctx, "readyz: database unreachable", "err", err)
			http.Error(rw, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = rw.Write([]byte("ready\n"))
	})
	return root
}

// graphQL returns the gqlgen server (graph.NewServer) with its transports,
// in the order it tries them: the first that supports a request runs it. A
// WebSocket connection authenticates by its connection_init payload, takes
// one of its user's stream slots and is closed when its session ends.
func (w wiring) graphQL() http.Handler {
	cfg := w.cfg
	keepAlive := cmp.Or(cfg.KeepAlive, defaultKeepAlive)
	srv := graph.NewServer(graph.ServerConfig{
		Resolver:    &graph.Resolver{Chat: w.svc, Hub: w.hub, TicketTTL: cfg.TicketTTL, Logger: w.logger},
		Logger:      w.logger,
		Documents:   cfg.Documents,
		Production:  cfg.Production(),
		Metrics:     w.metrics,
		OnOperation: recordOperation,
		RateLimits:  cfg.RateLimits.mutationLimits(w.metrics),
	})
	srv.AddTransport(gqltransport.Options{})
	srv.AddTransport(transport.WebSocket{
		KeepAlivePingInterval: keepAlive,
		Authenticate: func(ctx context.Context, authorization string) (context.Context, error) {
			return w.tokens.Authenticate(ctx, w.sessions, authorization)
		},
		Live: func(ctx context.Context) bool {
			live, err := w.sessions.Live(ctx, auth.SessionID(ctx))
			return live || err != nil // a failed check does not end a connection
		},
		Slots:    w.streams,
		Key:      auth.UserID,
		OnRefuse: w.refuseStream,
		Shutdown: w.shutdown,
	})
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: keepAlive}) // before POST, which would take it
	srv.AddTransport(transport.EventSource{KeepAlivePingInterval: keepAlive, RetryHint: eventSourceRetryHint})
	srv.AddTransport(transport.Multipart{KeepAlivePingInterval: keepAlive})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{Refused: w.metrics.Refused})
	return srv
}

// refuseStream counts a refused event stream.
func (w wiring) refuseStream() { w.metrics.Refused("streams_per_user") }

// middleware is one layer of the handler chain.
type middleware func(http.Handler) http.Handler

// layers are middleware in the order a request goes through them.
type layers []middleware

// through lists the layers a request goes through, outermost first.
func through(m ...middleware) layers { return m }

// to returns h behind the layers.
func (l layers) to(h http.Handler) http.Handler {
	for i := len(l) - 1; i >= 0; i-- {
		h = l[i](h)
	}
	return h
}

// commonHeaders sets the headers every response carries: no content-type
// sniffing by browsers.
func commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
