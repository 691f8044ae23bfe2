package main

// End-to-end tests of realtime delivery (DESIGN.md section 4) against the
// real, race-built server binary over real HTTP: every device gets every
// message of its conversations once and in order, whoever sends them and
// however many send at once. The other realtime_*_test.go files cover
// resuming, tickets, slow and lagging readers, leaks and shutdown.
//
// Timeouts in these tests are guards against hanging, never assertions of
// speed.

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestRealtimeDevices: every device of the recipient and of the sender gets
// the message once; outsiders get nothing; the conversationId filter holds.
func TestRealtimeDevices(t *testing.T) {
	p := startServer(t)
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	carol, _ := p.signUp(t, "carol")
	ab := p.direct(t, alice, "bob")
	bc := p.direct(t, bob, "carol")

	bob1 := p.subscribePOST(t, bob, nil)
	bob2 := p.subscribePOST(t, bob, nil)
	alice2 := p.subscribePOST(t, alice, nil)
	carolStream := p.subscribePOST(t, carol, nil)
	bobOnlyAB := p.subscribePOST(t, bob, map[string]any{"c": ab})
	p.waitSubscriptions(t, 5)

	sent, err := p.send(alice, ab, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*sseStream{"bob's first device": bob1, "bob's second device": bob2, "alice's second device": alice2, "bob's stream of the conversation": bobOnlyAB} {
		got := s.message(t)
		if got.message != sent {
			t.Fatalf("%s got %+v, want %+v", name, got.message, sent)
		}
	}
	// Exactly once: nothing more arrives on any stream, and carol, who is
	// not in the conversation, got nothing at all.
	for _, s := range []*sseStream{bob1, bob2, alice2, carolStream, bobOnlyAB} {
		expectQuiet(t, 300*time.Millisecond, s)
	}

	t.Run("Filter", func(t *testing.T) {
		other, err := p.send(carol, bc, "hello bob, from carol")
		if err != nil {
			t.Fatal(err)
		}
		again, err := p.send(bob, ab, "hello alice")
		if err != nil {
			t.Fatal(err)
		}
		// The unfiltered streams of bob get both, in commit order; the
		// filtered one only the second, with bob's cursor moving past the first.
		var lastCursor string
		for _, s := range []*sseStream{bob1, bob2} {
			got := s.messages(t, 2)
			if got[0].message != other || got[1].message != again {
				t.Fatalf("bob's device got %+v, want %+v then %+v", got, other, again)
			}
			lastCursor = got[1].Cursor
		}
		got := bobOnlyAB.message(t)
		if got.message != again || got.Cursor != lastCursor {
			t.Fatalf("the filtered stream got %+v (cursor %s), want %+v (cursor %s)", got.message, got.Cursor, again, lastCursor)
		}
		if got := carolStream.message(t); got.message != other {
			t.Fatalf("carol got %+v, want %+v", got.message, other)
		}
		if got := alice2.message(t); got.message != again {
			t.Fatalf("alice got %+v, want %+v", got.message, again)
		}
		for _, s := range []*sseStream{bob1, bob2, alice2, carolStream, bobOnlyAB} {
			expectQuiet(t, 300*time.Millisecond, s)
		}
	})

	t.Run("NotInConversation", func(t *testing.T) {
		// bob-carol exists, but alice is not in it: NOT_FOUND, on both transports.
		p.subscribePOST(t, alice, map[string]any{"c": bc}).expectError(t, "NOT_FOUND")
		p.subscribeGET(t, alice, map[string]any{"c": bc}, "").expectError(t, "NOT_FOUND")
		// An id that does not exist at all looks the same.
		p.subscribePOST(t, alice, map[string]any{"c": "0197a7e0-0000-7000-8000-000000000000"}).expectError(t, "NOT_FOUND")
	})
}

// TestRealtimeConcurrentSenders: 20 senders at once in four overlapping
// groups; every open session gets every message of its conversations
// exactly once, in seq order per conversation, and nothing else.
func TestRealtimeConcurrentSenders(t *testing.T) {
	const (
		users     = 12
		senders   = 20
		perSender = 50
	)
	p := startServer(t)
	tokens := make([]string, users)
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() { tokens[u], _ = p.signUp(t, fmt.Sprintf("user%02d", u)) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Every user is in two of the four groups of six.
	members := [][]int{{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11}, {0, 2, 4, 6, 8, 10}, {1, 3, 5, 7, 9, 11}}
	groups := make([]string, len(members))
	for g, m := range members {
		var others []string
		for _, u := range m[1:] {
			others = append(others, fmt.Sprintf("user%02d", u))
		}
		groups[g] = p.group(t, tokens[m[0]], fmt.Sprintf("group %d", g), others...)
	}
	groupsOf := make([][]string, users)
	for g, m := range members {
		for _, u := range m {
			groupsOf[u] = append(groupsOf[u], groups[g])
		}
	}

	// One session per user, every fourth over GET, and a second device for
	// user00 (GET) and user01 (POST).
	type session struct {
		user   int
		stream *sseStream
	}
	var sessions []session
	for u := range users {
		if u%4 == 3 {
			sessions = append(sessions, session{u, p.subscribeGET(t, tokens[u], nil, "")})
		} else {
			sessions = append(sessions, session{u, p.subscribePOST(t, tokens[u], nil)})
		}
	}
	sessions = append(sessions, session{0, p.subscribeGET(t, tokens[0], nil, "")}, session{1, p.subscribePOST(t, tokens[1], nil)})
	p.waitSubscriptions(t, len(sessions))

	perGroup := senders / len(groups) * perSender
	readers := make([]*backgroundReader, len(sessions))
	for i, s := range sessions {
		readers[i] = s.stream.readInBackground(len(groupsOf[s.user]) * perGroup)
	}
	errs := make(chan error, senders)
	for k := range senders {
		g := k % len(groups)
		u := members[g][k/len(groups)]
		wg.Go(func() {
			for i := range perSender {
				if _, err := p.send(tokens[u], groups[g], fmt.Sprintf("sender %d message %d", k, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	stored := map[string][]message{}
	for g, id := range groups {
		stored[id] = p.stored(t, tokens[members[g][0]], id)
		if len(stored[id]) != perGroup {
			t.Fatalf("group %d holds %d messages, want %d", g, len(stored[id]), perGroup)
		}
	}
	for i, s := range sessions {
		got := readers[i].wait(t)
		byConversation := map[string][]received{}
		seen := map[string]bool{}
		for _, e := range got {
			if seen[e.ID] {
				t.Fatalf("session %d of user%02d got message %s twice", i, s.user, e.ID)
			}
			seen[e.ID] = true
			if e.SSEID != "" && e.SSEID != e.Cursor {
				t.Fatalf("session %d: SSE id %q differs from the cursor %q", i, e.SSEID, e.Cursor)
			}
			byConversation[e.ConversationID] = append(byConversation[e.ConversationID], e)
		}
		if len(byConversation) != len(groupsOf[s.user]) {
			t.Fatalf("session %d of user%02d got messages of %d conversations, want its %d", i, s.user, len(byConversation), len(groupsOf[s.user]))
		}
		for _, c := range groupsOf[s.user] {
			sameMessages(t, fmt.Sprintf("session %d of user%02d, conversation %s", i, s.user, c), byConversation[c], stored[c])
		}
	}
	var all []*sseStream
	for _, s := range sessions {
		all = append(all, s.stream)
	}
	expectQuiet(t, 300*time.Millisecond, all...)
}
