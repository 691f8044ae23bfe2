package main

// Shutdown loses nothing: SIGTERM cuts open streams, and a new server on the
// same database resumes them from their cursors.

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestRealtimeGracefulShutdown: SIGTERM cuts open streams without a
// "complete" event and exits 0; a new server on the same database resumes
// them from their cursors and nothing is lost.
func TestRealtimeGracefulShutdown(t *testing.T) {
	dbEnv := "DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db")
	first := startServer(t, dbEnv)
	alice, _ := first.signUp(t, "alice")
	bob, _ := first.signUp(t, "bob")
	ab := first.direct(t, alice, "bob")
	ticket := first.ticket(t, bob) // reusable until it expires, across restarts
	post := first.subscribePOST(t, bob, nil)
	get := first.openGET(t, ticket, subscription, nil, "")
	if get.Status != http.StatusOK {
		t.Fatalf("GET stream: status %d", get.Status)
	}
	first.waitSubscriptions(t, 2)
	for i := range 3 {
		if _, err := first.send(alice, ab, fmt.Sprint("before ", i)); err != nil {
			t.Fatal(err)
		}
	}
	postSeen, getSeen := post.messages(t, 3), get.messages(t, 3)
	// Two more that the clients leave unprocessed: they resume from the third.
	for i := 3; i < 5; i++ {
		if _, err := first.send(alice, ab, fmt.Sprint("before ", i)); err != nil {
			t.Fatal(err)
		}
	}

	first.stop(t) // fails the test unless the server exits with status 0
	if t.Failed() {
		t.FailNow()
	}
	for name, s := range map[string]*sseStream{"POST": post, "GET": get} {
		select {
		case <-s.ended:
		case <-time.After(guard):
			t.Fatalf("%s stream still open after the server exited", name)
		}
		for ev := range s.events {
			if ev.Event != "next" {
				t.Fatalf("%s stream: event %q %s at shutdown, want none but next", name, ev.Event, ev.Data)
			}
		}
	}

	second := startServer(t, dbEnv)
	stored := second.stored(t, bob, ab)
	if len(stored) != 5 {
		t.Fatalf("%d messages stored, want 5", len(stored))
	}
	sameMessages(t, "POST before the shutdown", postSeen, stored[:3])
	sameMessages(t, "GET before the shutdown", getSeen, stored[:3])
	post = second.subscribePOST(t, bob, map[string]any{"a": postSeen[2].Cursor})
	get = second.openGET(t, ticket, subscription, nil, getSeen[2].SSEID)
	if get.Status != http.StatusOK {
		t.Fatalf("GET stream with the same ticket after the restart: status %d", get.Status)
	}
	sameMessages(t, "POST resumed", post.messages(t, 2), stored[3:])
	sameMessages(t, "GET resumed", get.messages(t, 2), stored[3:])
	m, err := second.send(alice, ab, "after the restart")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*sseStream{"POST": post, "GET": get} {
		if got := s.message(t); got.message != m {
			t.Fatalf("%s: got %+v, want %+v", name, got.message, m)
		}
	}
	expectQuiet(t, 300*time.Millisecond, post, get)
}
