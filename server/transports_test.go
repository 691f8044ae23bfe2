package main

// End-to-end tests of the transports clients bring besides SSE: queries
// over GET (urql's default), and subscriptions over Apollo's multipart HTTP
// protocol (Apollo Client's default HttpLink), with the same cursors and
// resume as every other transport.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestQueriesOverGET(t *testing.T) {
	p := startServer(t)
	token, _ := p.signUp(t, "alice")
	get := func(query string) (int, http.Header, string) {
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/graphql?"+url.Values{"query": {query}}.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/graphql-response+json, application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(body)
	}
	if status, h, body := get(`{ me { username } }`); status != http.StatusOK || !strings.Contains(body, `"username":"alice"`) ||
		h.Get("Content-Type") != "application/graphql-response+json" {
		t.Fatalf("query over GET: %d %s %s", status, h.Get("Content-Type"), body)
	}
	if status, h, body := get(`mutation { logOut }`); status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
		t.Fatalf("mutation over GET: %d, Allow %q, %s", status, h.Get("Allow"), body)
	}
	if status, _, body := get(`{ me { nope } }`); status != http.StatusBadRequest || !strings.Contains(body, "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("invalid query over GET: %d %s", status, body)
	}
	// The mutation did not run: the session is still live.
	if code := p.errorCode(t, token, `{ me { id } }`, nil); code != "" {
		t.Fatalf("after a refused mutation over GET: %s", code)
	}
}

// multipartStream is an Apollo multipart subscription read part by part.
type multipartStream struct {
	parts  chan string // the JSON of each part, heartbeats included
	ended  chan struct{}
	header http.Header
	status int
}

// openMultipart subscribes as Apollo Client's HttpLink does.
func (p *serverProcess) openMultipart(t *testing.T, token, query string, vars map[string]any) *multipartStream {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", `multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json`)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &multipartStream{parts: make(chan string, 1024), ended: make(chan struct{}), header: res.Header, status: res.StatusCode}
	go func() {
		defer close(s.ended)
		defer close(s.parts)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Split(splitParts)
		for sc.Scan() {
			if part := sc.Text(); part != "" {
				s.parts <- part
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-s.ended
	})
	return s
}

// splitParts splits a multipart/mixed body at its boundaries and yields the
// JSON of each part (the text after its header's blank line).
func splitParts(data []byte, atEOF bool) (int, []byte, error) {
	const boundary = "\r\n--graphql"
	i := bytes.Index(data, []byte(boundary))
	if i < 0 {
		if atEOF {
			return len(data), nil, bufio.ErrFinalToken
		}
		return 0, nil, nil
	}
	part := data[:i]
	if j := bytes.Index(part, []byte("\r\n\r\n")); j >= 0 {
		part = part[j+4:]
	} else {
		part = nil // the preamble
	}
	// A token, empty for the preamble: a nil one at EOF would end the scan
	// before the parts that are already read.
	token := bytes.TrimSpace(part)
	if token == nil {
		token = []byte{}
	}
	return i + len(boundary), token, nil
}

// next returns the next part that is not a heartbeat, decoded.
func (s *multipartStream) next(t *testing.T) (heartbeats int, payload map[string]any) {
	t.Helper()
	for {
		var part string
		var ok bool
		select {
		case part, ok = <-s.parts:
		case <-timeAfterGuard():
			t.Fatal("no part within the guard")
		}
		if !ok {
			t.Fatal("the multipart stream ended")
		}
		if part == "{}" {
			heartbeats++
			continue
		}
		var msg struct {
			Payload map[string]any `json:"payload"`
		}
		if err := json.Unmarshal([]byte(part), &msg); err != nil || msg.Payload == nil {
			t.Fatalf("part %q: %v", part, err)
		}
		return heartbeats, msg.Payload
	}
}

func TestMultipartSubscriptions(t *testing.T) {
	p := startServer(t, "MESSENGER_KEEPALIVE=100ms")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	conv := p.direct(t, alice, "bob")
	query := `subscription($a: String) { messageCreated(after: $a) { id seq content } }`

	s := p.openMultipart(t, bob, query, nil)
	if s.status != http.StatusOK || !strings.HasPrefix(s.header.Get("Content-Type"), `multipart/mixed;boundary="graphql";subscriptionSpec="1.0"`) {
		t.Fatalf("status %d, content type %q", s.status, s.header.Get("Content-Type"))
	}
	p.waitSubscriptions(t, 1)
	var sent []message
	for _, text := range []string{"one", "two", "three"} {
		m, err := p.send(alice, conv, text)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	var cursor string
	heartbeats := 0
	for i := range 2 {
		n, payload := s.next(t)
		heartbeats += n
		got := payload["data"].(map[string]any)["messageCreated"].(map[string]any)
		if got["id"] != sent[i].ID {
			t.Fatalf("part %d: %v, want %s", i, got, sent[i].ID)
		}
		cursor, _ = payload["extensions"].(map[string]any)["cursor"].(string)
		if cursor == "" {
			t.Fatalf("part %d without a cursor: %v", i, payload)
		}
	}
	// Heartbeats keep the stream alive while nothing happens.
	for heartbeats == 0 {
		select {
		case part := <-s.parts:
			if part == "{}" {
				heartbeats++
			}
		case <-timeAfterGuard():
			t.Fatal("no heartbeat")
		}
	}

	// Dropped after the second message, resumed with its cursor: exactly
	// the third, then live.
	resumed := p.openMultipart(t, bob, query, map[string]any{"a": cursor})
	_, payload := resumed.next(t)
	if got := payload["data"].(map[string]any)["messageCreated"].(map[string]any); got["id"] != sent[2].ID {
		t.Fatalf("resumed with %v, want %s", got, sent[2].ID)
	}
	four, err := p.send(alice, conv, "four")
	if err != nil {
		t.Fatal(err)
	}
	_, payload = resumed.next(t)
	if got := payload["data"].(map[string]any)["messageCreated"].(map[string]any); got["id"] != four.ID {
		t.Fatalf("live after the resume: %v, want %s", got, four.ID)
	}

	t.Run("RefusedBeforeItStarts", func(t *testing.T) {
		s := p.openMultipart(t, bob, `subscription { messageCreated { nope } }`, nil)
		if s.status != http.StatusBadRequest {
			t.Fatalf("status %d", s.status)
		}
	})
	t.Run("ErrorThenEnd", func(t *testing.T) {
		s := p.openMultipart(t, bob, `subscription { messageCreated(after: "nonsense") { id } }`, nil)
		_, payload := s.next(t)
		if !strings.Contains(string(mustJSON(t, payload)), "BAD_USER_INPUT") {
			t.Fatalf("got %v", payload)
		}
		select {
		case <-s.ended:
		case <-timeAfterGuard():
			t.Fatal("the stream did not end after its error")
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// timeAfterGuard fires when a wait has lasted the guard: a failure, not a timing.
func timeAfterGuard() <-chan time.Time { return time.After(guard) }

func TestCORS(t *testing.T) {
	const front = "http://localhost:5173"
	p := startServer(t, "MESSENGER_CORS_ORIGINS=https://app.example, "+front)
	token, _ := p.signUp(t, "alice")
	send := func(method, origin string, header map[string]string, body string) *http.Response {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, p.URL+"/graphql", rd)
		req.Header.Set("Origin", origin)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
	res := send(http.MethodOptions, front, preflight, "")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != front ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Fatalf("preflight from an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	auth := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	res = send(http.MethodPost, front, auth, `{"query":"{ me { username } }"}`)
	if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != front {
		t.Fatalf("POST from an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	// A stream from an allowed origin opens; from another it is refused
	// before it starts.
	stream := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "text/event-stream"}
	res = send(http.MethodPost, front, stream, `{"query":"subscription { messageCreated { id } }"}`)
	if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != front {
		t.Fatalf("stream from an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	p.waitSubscriptions(t, 1)
	for _, method := range []string{http.MethodOptions, http.MethodPost} {
		res = send(method, "https://evil.example", map[string]string{"Access-Control-Request-Method": "POST", "Authorization": "Bearer " + token,
			"Content-Type": "application/json", "Accept": "text/event-stream"}, `{"query":"subscription { messageCreated { id } }"}`)
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s from another origin: %d %v", method, res.StatusCode, res.Header)
		}
	}
	p.waitSubscriptions(t, 1)
	// The server's own pages (the IDE) are not cross-origin.
	res = send(http.MethodPost, p.URL, auth, `{"query":"{ me { username } }"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST from the server's own origin: %d", res.StatusCode)
	}
	if m := p.metrics(t); m[refused("cors_origin")] != 2 {
		t.Fatalf("%v CORS refusals counted, want 2", m[refused("cors_origin")])
	}
}
