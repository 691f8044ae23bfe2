package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/messenger/messenger/graph"
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/pubsub"
)

// maxBodyBytes bounds a GraphQL request body.
const maxBodyBytes = 1 << 20

// routes returns the server's HTTP handler: the GraphQL endpoint at
// /graphql (access tokens from the Authorization header, stream tickets for
// the GET event stream), the IDE at /, health checks and Prometheus metrics,
// behind access logging.
func routes(logger *slog.Logger, db *database.DB, tokens *auth.Tokens, svc *chat.Service, hub *pubsub.Hub, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", http.MaxBytesHandler(auth.TicketMiddleware(svc.StreamTicketUser, tokens.Middleware(api)), maxBodyBytes))
	mux.Handle("GET /metrics", metricsHandler(hub))
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

// accessLog logs one line per request: method, path (never the query string,
// which may hold a stream ticket), status, duration and GraphQL operation names.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, ops := graph.WithOperationNames(r.Context())
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		attrs := []any{
			"method", r.Method,
			"path", r.URL.Path,
			"status", status,
			"duration", time.Since(start).Round(time.Microsecond).String(),
		}
		if names := ops.Names(); len(names) > 0 {
			attrs = append(attrs, "operation", strings.Join(names, ","))
		}
		logger.InfoContext(r.Context(), "http request", attrs...)
	})
}

// statusRecorder remembers the response status; it forwards Flush and
// exposes the writer beneath through Unwrap, so streaming keeps working.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Flush() { _ = w.FlushError() }

// FlushError flushes and reports a failed write (such as a passed deadline).
func (w *statusRecorder) FlushError() error {
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
