package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// accessLog logs one line per request: method, path (never the query string,
// which may hold a stream ticket), status, duration and GraphQL operation names.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, ops := withOperationNames(r.Context())
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
		if names := ops.list(); len(names) > 0 {
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

// operationNames collects the names of the GraphQL operations one HTTP
// request ran, for its access log line.
type operationNames struct {
	mu    sync.Mutex
	names []string
}

type operationNamesKey struct{}

// withOperationNames returns a context in which recordOperation records
// operation names into the returned collector.
func withOperationNames(ctx context.Context) (context.Context, *operationNames) {
	names := &operationNames{}
	return context.WithValue(ctx, operationNamesKey{}, names), names
}

// recordOperation adds name to the collector of ctx's request, if any; the
// GraphQL handler calls it for every operation it runs.
func recordOperation(ctx context.Context, name string) {
	if n, ok := ctx.Value(operationNamesKey{}).(*operationNames); ok {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.names = append(n.names, name)
	}
}

// list returns the names recorded so far ("" for an anonymous operation).
func (n *operationNames) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.names...)
}
