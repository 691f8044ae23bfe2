package main

// The event-stream side of the harness: opening subscriptions over POST
// (graphql-sse) and GET (EventSource), and reading their events and the
// messages they carry.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// subscription is the subscription the tests open: every message of the
// viewer, or of one conversation ($c), from now or from a cursor ($a) on.
const subscription = `subscription($c: ID, $a: String) { messageCreated(conversationId: $c, after: $a) { id conversationId seq content } }`

// sseEvent is one event read from a stream.
type sseEvent struct {
	ID    string
	Event string
	Data  string
}

// payload is the GraphQL response inside a "next" event.
type payload struct {
	Data struct {
		MessageCreated *message `json:"messageCreated"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cursor string `json:"cursor"`
	} `json:"extensions"`
}

// received is one message event as a stream delivered it.
type received struct {
	message
	Cursor string // extensions.cursor
	SSEID  string // the SSE id: line (GET only)
}

// sseStream is a live event stream read with a plain http.Client and a line
// reader; events and comment pings arrive on channels until it ends.
type sseStream struct {
	Status int
	Header http.Header
	events chan sseEvent
	pings  atomic.Int64
	ended  chan struct{}
	cancel context.CancelFunc
}

// streamPOSTRequest is the request of a POST event stream (graphql-sse).
func streamPOSTRequest(ctx context.Context, baseURL, token, query string, vars map[string]any) *http.Request {
	req := postRequest(ctx, baseURL, token, query, vars)
	req.Header.Set("Accept", "text/event-stream")
	return req
}

// streamGETRequest is the request of a GET event stream, as a browser's
// EventSource sends it.
func streamGETRequest(ctx context.Context, baseURL, ticket, query string, vars map[string]any, lastEventID string) *http.Request {
	q := url.Values{"query": {query}}
	if ticket != "" {
		q.Set("ticket", ticket)
	}
	if vars != nil {
		v, _ := json.Marshal(vars)
		q.Set("variables", string(v))
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	return req
}

// openPOST subscribes with query over POST (graphql-sse, distinct
// connections).
func (p *serverProcess) openPOST(t testing.TB, token, query string, vars map[string]any) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	return startStream(t, http.DefaultClient, streamPOSTRequest(ctx, p.URL, token, query, vars), cancel)
}

// openGET subscribes with query the way a browser's EventSource does.
func (p *serverProcess) openGET(t testing.TB, ticket, query string, vars map[string]any, lastEventID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	return startStream(t, http.DefaultClient, streamGETRequest(ctx, p.URL, ticket, query, vars, lastEventID), cancel)
}

// subscribePOST opens a POST stream of the tests' subscription and checks
// that it is an event stream.
func (p *serverProcess) subscribePOST(t testing.TB, token string, vars map[string]any) *sseStream {
	t.Helper()
	s := p.openPOST(t, token, subscription, vars)
	if s.Status != http.StatusOK || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("POST stream: status %d, content type %q", s.Status, s.Header.Get("Content-Type"))
	}
	return s
}

// subscribeGET opens a GET (EventSource) stream of the tests' subscription
// with a fresh ticket and checks that it is an event stream.
func (p *serverProcess) subscribeGET(t testing.TB, token string, vars map[string]any, lastEventID string) *sseStream {
	t.Helper()
	s := p.openGET(t, p.ticket(t, token), subscription, vars, lastEventID)
	if s.Status != http.StatusOK || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET stream: status %d, content type %q", s.Status, s.Header.Get("Content-Type"))
	}
	return s
}

// startStream sends req with client and reads the stream it opens.
func startStream(t testing.TB, client *http.Client, req *http.Request, cancel context.CancelFunc) *sseStream {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	s := &sseStream{Status: res.StatusCode, Header: res.Header, events: make(chan sseEvent, 4096), ended: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.ended)
		defer close(s.events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event == "cursor" { // the GET stream's starting point
					ev, data = sseEvent{}, nil
					continue
				}
				if ev.Event != "" || len(data) > 0 {
					ev.Data = strings.Join(data, "\n")
					s.events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, ":"):
				if strings.Contains(line, "ping") {
					s.pings.Add(1)
				}
			default:
				field, value, _ := strings.Cut(line, ":")
				value = strings.TrimPrefix(value, " ")
				switch field {
				case "id":
					ev.ID = value
				case "event":
					ev.Event = value
				case "data":
					data = append(data, value)
				}
			}
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Close ends the stream from the client's side and waits for the reader.
func (s *sseStream) Close() {
	s.cancel()
	<-s.ended
}

// next returns the next event, failing the test when none comes within
// timeout (a guard against hanging, not a timing assertion).
func (s *sseStream) next(t testing.TB, timeout time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return sseEvent{}
}

// message decodes a message event; anything else is an error.
func (ev sseEvent) message() (received, error) {
	if ev.Event != "next" {
		return received{}, fmt.Errorf("got event %q (%s), want next", ev.Event, ev.Data)
	}
	var p payload
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
		return received{}, fmt.Errorf("decode %s: %w", ev.Data, err)
	}
	m := p.Data.MessageCreated
	if len(p.Errors) > 0 || m == nil || p.Extensions.Cursor == "" {
		return received{}, fmt.Errorf("not a message event with a cursor: %s", ev.Data)
	}
	return received{message: *m, Cursor: p.Extensions.Cursor, SSEID: ev.ID}, nil
}

// message returns the next message event, failing on anything else.
func (s *sseStream) message(t testing.TB) received {
	t.Helper()
	m, err := s.next(t, guard).message()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// messages reads n message events.
func (s *sseStream) messages(t testing.TB, n int) []received {
	t.Helper()
	out := make([]received, 0, n)
	for range n {
		out = append(out, s.message(t))
	}
	return out
}

// expect reads the next message event and fails unless it is content in
// conversationID.
func (s *sseStream) expect(t testing.TB, conversationID, content string) received {
	t.Helper()
	m := s.message(t)
	if m.Content != content || m.ConversationID != conversationID || m.Cursor == "" {
		t.Fatalf("received %+v, want %q in conversation %s with a cursor", m, content, conversationID)
	}
	return m
}

// expectError reads the next event, which must be a "next" event carrying
// an error with code, followed by "complete".
func (s *sseStream) expectError(t testing.TB, code string) {
	t.Helper()
	ev := s.next(t, guard)
	var p payload
	if err := json.Unmarshal([]byte(ev.Data), &p); ev.Event != "next" || err != nil {
		t.Fatalf("got event %q %s (%v), want an error", ev.Event, ev.Data, err)
	}
	if len(p.Errors) == 0 || p.Errors[0].Extensions["code"] != code {
		t.Fatalf("got %s, want an error with code %s", ev.Data, code)
	}
	if p.Data.MessageCreated != nil {
		t.Fatalf("error event with a message: %s", ev.Data)
	}
	if ev := s.next(t, guard); ev.Event != "complete" {
		t.Fatalf("after the error: event %q %s, want complete", ev.Event, ev.Data)
	}
}

// expectQuiet waits for wait, then fails if any of the streams holds an
// event: a check that nothing more than expected arrived.
func expectQuiet(t testing.TB, wait time.Duration, streams ...*sseStream) {
	t.Helper()
	time.Sleep(wait)
	for i, s := range streams {
		select {
		case ev, ok := <-s.events:
			if ok {
				t.Fatalf("stream %d: unexpected event %q: %s", i, ev.Event, ev.Data)
			}
		default:
		}
	}
}

// backgroundReader reads message events of a stream in the background.
type backgroundReader struct {
	done   chan struct{}
	events []received
	err    error
}

// readInBackground starts reading n message events from s; each must come
// within guard of the one before.
func (s *sseStream) readInBackground(n int) *backgroundReader {
	r := &backgroundReader{done: make(chan struct{}), events: make([]received, 0, n)}
	go func() {
		defer close(r.done)
		for len(r.events) < n {
			select {
			case ev, ok := <-s.events:
				if !ok {
					r.err = fmt.Errorf("stream ended after %d of %d events", len(r.events), n)
					return
				}
				e, err := ev.message()
				if err != nil {
					r.err = fmt.Errorf("event %d: %w", len(r.events), err)
					return
				}
				r.events = append(r.events, e)
			case <-time.After(guard):
				r.err = fmt.Errorf("no event within %v after %d of %d events", guard, len(r.events), n)
				return
			}
		}
	}()
	return r
}

// wait returns the events read, failing the test if the reader failed.
func (r *backgroundReader) wait(t testing.TB) []received {
	t.Helper()
	<-r.done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.events
}
