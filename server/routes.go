package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/ide"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/webapp"
)

// routes returns the server's HTTP handler: the GraphQL endpoint at
// /graphql (bodies read whole and bounded first, access tokens from the
// Authorization header, stream tickets for the GET event stream), the IDE at
// / unless configured off, the web app at /app/, health checks and Prometheus metrics, behind
// access logging and headers that every response carries.
func routes(cfg config, logger *slog.Logger, db *database.DB, tokens *auth.Tokens, sessions *auth.Sessions, svc *chat.Service, m *metrics.Metrics, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", transport.ReadBodies(cfg.MaxBodyBytes, cfg.BodyReadTimeout, m.Refused,
		auth.TicketMiddleware(svc.StreamTicketSession, transport.IsEventStreamGET, tokens.Middleware(sessions, api))))
	mux.Handle("GET /metrics", m.Handler())
	if cfg.ServeIDE() {
		ide.Register(mux, "/graphql")
	}
	webapp.Register(mux, "/graphql")
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
	return accessLog(logger, commonHeaders(cors(splitOrigins(cfg.CORSOrigins), m.Refused, mux)))
}

// commonHeaders sets the headers every response carries: no content-type
// sniffing by browsers.
func commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
