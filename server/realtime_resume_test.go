package main

// Resuming realtime streams: sessions cut in the middle of a burst resume
// from their cursors (POST after, GET Last-Event-ID) without gap or
// duplicate, including before their first event; bad cursors are refused.

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRealtimeResume: sessions cut in the middle of a burst resume, over
// POST with after and over GET with Last-Event-ID, with exactly the messages
// they missed; bad cursors are BAD_USER_INPUT.
func TestRealtimeResume(t *testing.T) {
	p := startServer(t)
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	post := p.subscribePOST(t, bob, nil)
	get := p.subscribeGET(t, bob, nil, "")
	p.waitSubscriptions(t, 2)

	// The sender goes on until both sessions are cut, and then some more.
	const postK, getK, more = 10, 25, 20
	cut := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			if _, err := p.send(alice, ab, fmt.Sprint("burst ", i)); err != nil {
				sent <- err
				return
			}
			select {
			case <-cut:
				for j := range more {
					if _, err := p.send(alice, ab, fmt.Sprint("after the cut ", j)); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
				return
			default:
			}
		}
	}()
	var postSeen, getSeen []received
	func() {
		defer close(cut)
		postSeen = post.messages(t, postK)
		post.Close()
		getSeen = get.messages(t, getK)
		get.Close()
	}()
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	for _, e := range getSeen {
		if e.SSEID != e.Cursor {
			t.Fatalf("GET event: id %q, cursor %q", e.SSEID, e.Cursor)
		}
	}
	stored := p.stored(t, bob, ab)
	if len(stored) < getK+more {
		t.Fatalf("%d messages stored, want at least %d", len(stored), getK+more)
	}
	sameMessages(t, "before the POST session was cut", postSeen, stored[:postK])
	sameMessages(t, "before the GET session was cut", getSeen, stored[:getK])

	t.Run("POST", func(t *testing.T) {
		s := p.subscribePOST(t, bob, map[string]any{"a": postSeen[postK-1].Cursor})
		sameMessages(t, "resumed", s.messages(t, len(stored)-postK), stored[postK:])
		expectQuiet(t, 300*time.Millisecond, s)
		// and it goes on live
		m, err := p.send(alice, ab, "live after the POST resume")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.message(t); got.message != m {
			t.Fatalf("live: got %+v, want %+v", got.message, m)
		}
		stored = append(stored, m)
	})
	t.Run("GET", func(t *testing.T) {
		// Last-Event-ID takes the place of the after argument in the URL,
		// which an EventSource keeps from its first connection.
		s := p.subscribeGET(t, bob, map[string]any{"a": getSeen[0].Cursor}, getSeen[getK-1].SSEID)
		got := s.messages(t, len(stored)-getK)
		sameMessages(t, "resumed", got, stored[getK:])
		for _, e := range got {
			if e.SSEID != e.Cursor {
				t.Fatalf("GET event: id %q, cursor %q", e.SSEID, e.Cursor)
			}
		}
		expectQuiet(t, 300*time.Millisecond, s)
		m, err := p.send(alice, ab, "live after the GET resume")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.message(t); got.message != m {
			t.Fatalf("live: got %+v, want %+v", got.message, m)
		}
	})
	t.Run("BadCursors", func(t *testing.T) {
		bobs := postSeen[0].Cursor
		for name, c := range map[string]string{"malformed": "not a cursor!", "base64 of something else": "bm90IGEgY3Vyc29y", "empty": ""} {
			t.Run(name, func(t *testing.T) {
				p.subscribePOST(t, bob, map[string]any{"a": c}).expectError(t, "BAD_USER_INPUT")
				if c != "" { // an empty Last-Event-ID is no Last-Event-ID
					p.subscribeGET(t, bob, nil, c).expectError(t, "BAD_USER_INPUT")
				}
			})
		}
		t.Run("another user's", func(t *testing.T) {
			p.subscribePOST(t, alice, map[string]any{"a": bobs}).expectError(t, "BAD_USER_INPUT")
			p.subscribeGET(t, alice, nil, bobs).expectError(t, "BAD_USER_INPUT")
		})
	})
}

// TestRealtimeResumeBeforeFirstEvent checks that a GET stream announces its
// starting point as an id-only frame, so that a browser that reconnects
// before any message arrived resumes from there, and that a cursor ahead of
// the stream is refused.
func TestRealtimeResumeBeforeFirstEvent(t *testing.T) {
	p := startServer(t)
	alice, _ := p.signUp(t, "alice")
	bob, bobID := p.signUp(t, "bob")
	conv := p.direct(t, alice, "bob")
	if _, err := p.send(alice, conv, "before the stream"); err != nil {
		t.Fatal(err)
	}
	ticket := p.ticket(t, bob)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // a guard, not a timing
	defer cancel()
	res, err := http.DefaultClient.Do(streamGETRequest(ctx, p.URL, ticket, `subscription { messageCreated { content } }`, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	start := ""
	sc := bufio.NewScanner(res.Body)
	for start == "" && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			start = id
		}
	}
	res.Body.Close() // the connection drops before any event
	if start == "" {
		t.Fatal("the stream announced no starting id")
	}

	if _, err := p.send(alice, conv, "while away"); err != nil {
		t.Fatal(err)
	}
	resumed := p.openGET(t, ticket, `subscription { messageCreated { content } }`, nil, start)
	ev := resumed.next(t, 15*time.Second)
	if !strings.Contains(ev.Data, "while away") {
		t.Fatalf("resumed with %q: %s", ev.Event, ev.Data)
	}

	ahead := base64.RawURLEncoding.EncodeToString([]byte("e:" + bobID + ":999"))
	s := p.openPOST(t, bob, `subscription($a: String) { messageCreated(after: $a) { content } }`, map[string]any{"a": ahead})
	ev = s.next(t, 15*time.Second)
	if !strings.Contains(ev.Data, "BAD_USER_INPUT") {
		t.Fatalf("a cursor ahead of the stream: %q %s", ev.Event, ev.Data)
	}
}
