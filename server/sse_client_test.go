package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// sseEvent is one event read from a stream.
type sseEvent struct {
	ID    string
	Event string
	Data  string
}

// payload is the GraphQL response inside a "next" event.
type payload struct {
	Data struct {
		MessageCreated *struct {
			ID             string `json:"id"`
			ConversationID string `json:"conversationId"`
			Seq            int    `json:"seq"`
			Content        string `json:"content"`
		} `json:"messageCreated"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cursor string `json:"cursor"`
	} `json:"extensions"`
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

// openPOSTStream subscribes over POST (graphql-sse, distinct connections).
func openPOSTStream(t testing.TB, baseURL, token, query string, vars map[string]any) *sseStream {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return startStream(t, req, cancel)
}

// openGETStream subscribes the way a browser's EventSource does.
func openGETStream(t testing.TB, baseURL, ticket, query string, vars map[string]any, lastEventID string) *sseStream {
	t.Helper()
	q := url.Values{"query": {query}}
	if ticket != "" {
		q.Set("ticket", ticket)
	}
	if vars != nil {
		v, _ := json.Marshal(vars)
		q.Set("variables", string(v))
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	return startStream(t, req, cancel)
}

func startStream(t testing.TB, req *http.Request, cancel context.CancelFunc) *sseStream {
	t.Helper()
	return startStreamWith(t, http.DefaultClient, req, cancel)
}

// startStreamWith sends req with client and reads the stream it opens.
func startStreamWith(t testing.TB, client *http.Client, req *http.Request, cancel context.CancelFunc) *sseStream {
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

// nextMessage returns the next "next" event's payload, failing on errors.
func (s *sseStream) nextMessage(t testing.TB, timeout time.Duration) (payload, sseEvent) {
	t.Helper()
	ev := s.next(t, timeout)
	if ev.Event != "next" {
		t.Fatalf("got event %q (%s), want next", ev.Event, ev.Data)
	}
	var p payload
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
		t.Fatalf("decode %s: %v", ev.Data, err)
	}
	if len(p.Errors) > 0 || p.Data.MessageCreated == nil {
		t.Fatalf("event with errors: %s", ev.Data)
	}
	return p, ev
}

// expectQuiet fails when an event arrives within wait.
func (s *sseStream) expectQuiet(t testing.TB, wait time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Fatalf("unexpected event %q: %s", ev.Event, ev.Data)
		}
	case <-time.After(wait):
	}
}
