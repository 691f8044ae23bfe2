package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/metrics"
)

// maxBodyBytes bounds a GraphQL request body.
const maxBodyBytes = 1 << 20

// routes returns the server's HTTP handler: the GraphQL endpoint at
// /graphql (access tokens from the Authorization header, stream tickets for
// the GET event stream), the IDE at /, health checks and Prometheus metrics,
// behind access logging.
func routes(logger *slog.Logger, db *database.DB, tokens *auth.Tokens, svc *chat.Service, m *metrics.Metrics, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", http.MaxBytesHandler(auth.TicketMiddleware(svc.StreamTicketUser, transport.IsEventStreamGET, tokens.Middleware(api)), maxBodyBytes))
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /{$}", playground.Handler("messenger", "/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ping(ctx); err != nil {
			logger.WarnContext(ctx, "readyz: database unreachable", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return accessLog(logger, mux)
}
