package transport

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// GuardStreams wraps every event-stream request (an Accept of
// text/event-stream) in a streamWriter: writes after the handler returned
// are dropped (a keep-alive goroutine may still tick), each write must finish
// within writeTimeout or the stream is cut, and the stream is cut when
// shutdown is done or the subscription calls its StreamInfo's Cut. A cut
// stream ends without a "complete" event, so that clients reconnect and
// resume from their cursor.
func GuardStreams(shutdown context.Context, writeTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsEventStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		sw := &streamWriter{rw: w, rc: http.NewResponseController(w), timeout: writeTimeout, cancel: cancel}
		stop := context.AfterFunc(shutdown, sw.cut)
		defer stop()
		defer sw.finish()
		w.Header().Set("X-Accel-Buffering", "no")
		next.ServeHTTP(sw, r.WithContext(withStreamInfo(ctx, StreamInfo{Cut: sw.cut})))
	})
}

// streamWriter is the ResponseWriter of an event stream; it is safe for use
// by the transport and its keep-alive goroutine at once.
type streamWriter struct {
	rw      http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	cancel  context.CancelFunc

	mu     sync.Mutex  // serializes writes, and finish against them
	closed atomic.Bool // handler returned, or stream cut: drop every write
}

func (w *streamWriter) Header() http.Header { return w.rw.Header() }

func (w *streamWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed.Load() {
		w.rw.WriteHeader(code)
	}
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return len(b), nil
	}
	w.setDeadline()
	n, err := w.rw.Write(b)
	if err != nil {
		w.cut()
	}
	return n, err
}

// Flush sends what was written to the client, cutting the stream when the
// client does not take it within the write timeout.
func (w *streamWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return
	}
	w.setDeadline()
	if err := w.rc.Flush(); err != nil {
		w.cut()
	}
}

func (w *streamWriter) Unwrap() http.ResponseWriter { return w.rw }

func (w *streamWriter) setDeadline() {
	if w.timeout > 0 {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	}
}

// cut ends the stream at once: later writes are dropped, a write blocked on
// a stalled client fails now (its deadline is moved to the present), and the
// request's context is cancelled, which ends the subscription. It does not
// wait for the write lock, so shutdown never waits on a stalled client.
func (w *streamWriter) cut() {
	w.closed.Store(true)
	_ = w.rc.SetWriteDeadline(time.Now())
	w.cancel()
}

// finish drops every later write (under the write lock, so none is under way
// once it returns) and clears the write deadline of a stream that was not cut.
func (w *streamWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed.Swap(true) && w.timeout > 0 {
		_ = w.rc.SetWriteDeadline(time.Time{})
	}
}
