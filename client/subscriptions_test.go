package client

// The graphql-sse adapter against scripted servers: parsing, delivery,
// cursors, drops, refusals, Unsubscribe, Close and the idle timeout. The
// whole client against the real server is tested in server/goclient_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"
	"go.uber.org/goleak"
)

// guard bounds every wait for something that must come.
const guard = 10 * time.Second

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// script serves one event stream per request, written by write.
func script(t *testing.T, write func(w http.ResponseWriter, r *http.Request, flush func())) (*SSE, chan error) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body) // the server reads no body once the headers are out
		r.Body = io.NopCloser(bytes.NewReader(raw))
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		flush := w.(http.Flusher).Flush
		flush()
		write(w, r, flush)
	}))
	hc := &http.Client{Transport: &http.Transport{}}
	s := NewSSE(srv.URL, "tok", hc)
	t.Cleanup(func() {
		_ = s.Close()
		srv.CloseClientConnections()
		srv.Close()
		hc.CloseIdleConnections()
	})
	errs, err := s.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, errs
}

func next(seq int, cursor string) string {
	return fmt.Sprintf("event: next\ndata: {\"data\":{\"messageCreated\":{\"id\":\"m%d\",\"seq\":%d,\"createdAt\":\"2025-01-02T03:04:05.123456Z\",\"sender\":{\"username\":\"alice\"}}},\"extensions\":{\"cursor\":%q}}\n\n", seq, seq, cursor)
}

// receive reads one event or fails.
func receive(t *testing.T, events chan MessageCreatedWsResponse) MessageCreatedWsResponse {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the channel closed")
		}
		return ev
	case <-time.After(guard):
		t.Fatal("no event")
	}
	panic("unreachable")
}

// closed waits until the channel is closed, failing on any event.
func closed(t *testing.T, events chan MessageCreatedWsResponse) {
	t.Helper()
	select {
	case ev, ok := <-events:
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
	case <-time.After(guard):
		t.Fatal("the channel stayed open")
	}
}

func TestSSEDeliversUntilComplete(t *testing.T) {
	var got struct {
		auth, accept, contentType string
		body                      graphql.Request
		vars                      map[string]any
	}
	s, errs := script(t, func(w http.ResponseWriter, r *http.Request, flush func()) {
		got.auth, got.accept, got.contentType = r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("Content-Type")
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			graphql.Request
			Variables map[string]any `json:"variables"`
		}
		_ = json.Unmarshal(raw, &body)
		got.body, got.vars = body.Request, body.Variables
		io.WriteString(w, ":\n\n"+next(1, "c1")+": ping\n\n")
		// One result over two data lines, then an event of another kind.
		io.WriteString(w, "event: next\ndata: {\"data\":{\"messageCreated\":{\"id\":\"m2\",\"seq\":2,\n")
		io.WriteString(w, "data: \"createdAt\":\"2025-01-02T03:04:05Z\"}},\"extensions\":{\"cursor\":\"c2\"}}\r\n\r\n")
		io.WriteString(w, "event: other\ndata: {}\n\n"+"event: complete\n\n")
		flush()
	})
	after := "c0"
	events, id, err := MessageCreated(context.Background(), s, nil, &after)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"c1", "c2"} {
		ev := receive(t, events)
		if ev.Data == nil || ev.Data.MessageCreated.Seq != i+1 || Cursor(ev.Extensions) != want {
			t.Fatalf("event %d: %+v, cursor %q", i, ev.Data, Cursor(ev.Extensions))
		}
	}
	closed(t, events)
	if err := s.Err(id); err != nil {
		t.Fatalf("Err after complete: %v", err)
	}
	if c := s.Cursor(id); c != "c2" {
		t.Fatalf("Cursor %q, want c2", c)
	}
	select {
	case err := <-errs:
		t.Fatalf("error reported after complete: %v", err)
	default:
	}
	if got.auth != "Bearer tok" || got.accept != "text/event-stream" || got.contentType != "application/json" {
		t.Fatalf("headers %+v", got)
	}
	if got.body.OpName != "MessageCreated" || got.body.Query != MessageCreated_Operation || got.vars["after"] != "c0" {
		t.Fatalf("body %+v %v", got.body, got.vars)
	}
	if _, ok := got.vars["conversationId"]; ok {
		t.Fatalf("a nil conversationId was sent: %v", got.vars)
	}
	if err := s.Unsubscribe(id); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(id); err == nil {
		t.Fatal("a second Unsubscribe succeeded")
	}
}

func TestSSEDropReportsTheCursor(t *testing.T) {
	s, errs := script(t, func(w http.ResponseWriter, r *http.Request, flush func()) {
		io.WriteString(w, next(1, "c1")+next(2, "c2"))
		flush() // and return: the stream ends without complete
	})
	events, id, err := MessageCreated(context.Background(), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, events)
	receive(t, events)
	closed(t, events)
	var se *StreamError
	if err := s.Err(id); !errors.As(err, &se) || !errors.Is(err, ErrNoComplete) || se.Cursor != "c2" || se.SubscriptionID != id {
		t.Fatalf("Err: %v", err)
	}
	select {
	case err := <-errs:
		if !errors.As(err, &se) || se.Cursor != "c2" {
			t.Fatalf("reported %v", err)
		}
	case <-time.After(guard):
		t.Fatal("the drop was not reported")
	}
}

func TestSSEUnsubscribeEndsTheRequest(t *testing.T) {
	ended := make(chan struct{})
	s, errs := script(t, func(w http.ResponseWriter, r *http.Request, flush func()) {
		defer close(ended)
		for i := 1; ; i++ { // more than anyone reads
			if _, err := io.WriteString(w, next(i, fmt.Sprint("c", i))); err != nil {
				return
			}
			flush()
			select {
			case <-r.Context().Done():
				return
			default:
			}
		}
	})
	events, id, err := MessageCreated(context.Background(), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, events)
	// The reader is blocked handing over the next event; nobody reads.
	if err := s.Unsubscribe(id); err != nil {
		t.Fatal(err)
	}
	for range events { // closed by the time Unsubscribe returned
		t.Fatal("an event after Unsubscribe")
	}
	select {
	case <-ended:
	case <-time.After(guard):
		t.Fatal("the server's request did not end")
	}
	select {
	case err := <-errs:
		t.Fatalf("Unsubscribe reported %v", err)
	default:
	}
}

func TestSSECloseEndsEverything(t *testing.T) {
	s, errs := script(t, func(w http.ResponseWriter, r *http.Request, flush func()) {
		io.WriteString(w, next(1, "c1"))
		flush()
		<-r.Context().Done()
	})
	var all []chan MessageCreatedWsResponse
	for range 3 {
		events, _, err := MessageCreated(context.Background(), s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, events)
	}
	receive(t, all[0])
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, events := range all {
		for range events {
		}
	}
	if _, ok := <-errs; ok {
		t.Fatal("Close reported an error")
	}
	if _, _, err := MessageCreated(context.Background(), s, nil, nil); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
}

func TestSSERefusals(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		httpErr     bool
	}{
		{"429", http.StatusTooManyRequests, "application/json", `{"errors":[{"message":"too many streams","extensions":{"code":"RATE_LIMITED"}}]}`, true},
		{"not a stream", http.StatusOK, "application/json", `{"errors":[{"message":"bad"}]}`, true},
		{"not GraphQL", http.StatusBadGateway, "text/html", `<html>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			hc := &http.Client{Transport: &http.Transport{}}
			defer hc.CloseIdleConnections()
			s := NewSSE(srv.URL, "", hc)
			defer s.Close()
			if _, err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, _, err := MessageCreated(context.Background(), s, nil, nil)
			var he *graphql.HTTPError
			if err == nil || errors.As(err, &he) != tc.httpErr || (he != nil && he.StatusCode != tc.status) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestSSEIdleTimeout(t *testing.T) {
	s, _ := script(t, func(w http.ResponseWriter, r *http.Request, flush func()) {
		io.WriteString(w, next(1, "c1"))
		flush()
		<-r.Context().Done() // and never a ping
	})
	s.IdleTimeout = 100 * time.Millisecond
	events, id, err := MessageCreated(context.Background(), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, events)
	closed(t, events)
	var se *StreamError
	if err := s.Err(id); !errors.As(err, &se) || !errors.Is(err, ErrIdle) || se.Cursor != "c1" {
		t.Fatalf("Err: %v", err)
	}
}

func TestSSENeedsStart(t *testing.T) {
	s := NewSSE("http://127.0.0.1:1", "", nil)
	if _, _, err := MessageCreated(context.Background(), s, nil, nil); err == nil {
		t.Fatal("Subscribe before Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
