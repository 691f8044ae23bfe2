package main

// Nothing leaks: subscribe/disconnect cycles return the server's goroutines
// and hub entries to where they were, idle streams get pings, and hundreds of
// short streams with fast pings neither bring the server down nor stop it
// from exiting cleanly.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// shortStreamSetup prepares what shortStream needs: alice sends "one" and
// "two" to bob, whose long-lived first stream reads both; the cursor of "one"
// replays "two".
func (p *serverProcess) shortStreamSetup(t testing.TB) (alice, bob, ab string, first *sseStream, cursor string) {
	t.Helper()
	alice, _ = p.signUp(t, "alice")
	bob, _ = p.signUp(t, "bob")
	ab = p.direct(t, alice, "bob")
	first = p.subscribePOST(t, bob, nil)
	p.waitSubscriptions(t, 1)
	for _, text := range []string{"one", "two"} {
		if _, err := p.send(alice, ab, text); err != nil {
			t.Fatal(err)
		}
	}
	return alice, bob, ab, first, first.messages(t, 2)[0].Cursor
}

// shortStream opens one short stream and ends it from the client's side:
// kind 0 right after the response headers, kind 1 (POST) and 2 (GET) after
// the first event replayed from cursor, kind 3 after the error event of a
// malformed cursor. It is safe to call from any goroutine.
func (p *serverProcess) shortStream(kind int, token, ticket, cursor string) error {
	var req *http.Request
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	switch kind {
	case 0, 1, 3:
		vars := map[string]any{}
		if kind == 1 {
			vars["a"] = cursor
		} else if kind == 3 {
			vars["a"] = "malformed"
		}
		req = streamPOSTRequest(ctx, p.URL, token, subscription, vars)
	case 2:
		req = streamGETRequest(ctx, p.URL, ticket, subscription, nil, cursor)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("kind %d: status %s", kind, res.Status)
	}
	if kind == 0 {
		return nil
	}
	timer := time.AfterFunc(guard, cancel)
	defer timer.Stop()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if kind == 3 && !strings.Contains(data, "BAD_USER_INPUT") || kind != 3 && !strings.Contains(data, `"messageCreated":{`) {
				return fmt.Errorf("kind %d: unexpected event %s", kind, data)
			}
			return nil
		}
	}
	return fmt.Errorf("kind %d: stream ended without an event: %v", kind, sc.Err())
}

// TestRealtimeNoLeaks: after 1,000 subscribe/disconnect cycles the server's
// goroutines and hub entries return to where they were.
func TestRealtimeNoLeaks(t *testing.T) {
	const cycles, workers = 1000, 8
	// Frequent pings exercise the keep-alive goroutines' exits too.
	p := startServer(t, "MESSENGER_KEEPALIVE=10ms")
	_, bob, _, first, cursor := p.shortStreamSetup(t)
	first.Close()
	ticket := p.ticket(t, bob)

	run := func(n int) {
		t.Helper()
		for _, err := range inParallel(n, workers, func(i int) error { return p.shortStream(i%4, bob, ticket, cursor) }) {
			t.Fatal(err)
		}
	}
	// idle: no stream, and no idle connection of ours holding a server goroutine
	idle := func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == 0 && m["messenger_subscribed_users"] == 0
	}
	closeIdle := func() {
		apiClient.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
	}

	run(4 * workers) // warm up whatever the server starts lazily
	closeIdle()
	p.waitMetrics(t, "no subscriptions after the warm-up", idle)
	// The baseline: the same goroutine count twice in a row, a moment apart.
	var baseline float64
	p.waitMetrics(t, "a steady goroutine count", func(m map[string]float64) bool {
		prev := baseline
		baseline = m["go_goroutines"]
		time.Sleep(200 * time.Millisecond)
		return prev == baseline
	})

	run(cycles)
	closeIdle()
	// Exactly the baseline, no slack (the reading's own connection is
	// counted in both): that has held steadily so far.
	m := p.waitMetrics(t, fmt.Sprintf("back to %v goroutines and no subscriptions", baseline), func(m map[string]float64) bool {
		return idle(m) && m["go_goroutines"] <= baseline
	})
	t.Logf("goroutines: %v before, %v after %d cycles", baseline, m["go_goroutines"], cycles)
}

// TestRealtimeKeepAlive: idle streams get ping comments.
func TestRealtimeKeepAlive(t *testing.T) {
	p := startServer(t, "MESSENGER_KEEPALIVE=200ms")
	alice, _ := p.signUp(t, "alice")
	streams := map[string]*sseStream{"POST": p.subscribePOST(t, alice, nil), "GET": p.subscribeGET(t, alice, nil, "")}
	deadline := time.Now().Add(guard)
	for name, s := range streams {
		for s.pings.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no ping within %v", name, guard)
			}
			time.Sleep(50 * time.Millisecond)
		}
		select {
		case ev := <-s.events:
			t.Fatalf("%s: idle stream got event %q %s", name, ev.Event, ev.Data)
		default:
		}
	}
}

// TestRealtimeShortStreamsWithFastPings: with a ping every millisecond,
// hundreds of short streams, ending every way there is, in parallel do not
// bring the server down, and it still exits cleanly on SIGTERM.
func TestRealtimeShortStreamsWithFastPings(t *testing.T) {
	const streams, workers = 400, 16
	p := startServer(t, "MESSENGER_KEEPALIVE=1ms")
	alice, bob, ab, first, cursor := p.shortStreamSetup(t)
	ticket := p.ticket(t, bob)

	// More ways to end at once: an operation that fails validation, and a
	// GET of a query (the GET stream runs subscriptions only).
	extra := func(i int) error {
		var req *http.Request
		if i%2 == 0 {
			req = streamPOSTRequest(context.Background(), p.URL, bob, `subscription { messageCreated { nope } }`, nil)
		} else {
			req = streamGETRequest(context.Background(), p.URL, ticket, `{ me { id } }`, nil, "")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		if req.Method == http.MethodGet {
			// Errors known before the GET stream starts are a plain 400, so
			// that a browser's EventSource stops instead of retrying.
			if res.StatusCode != http.StatusBadRequest || !bytes.Contains(raw, []byte(`"errors"`)) {
				return fmt.Errorf("status %d, body %q: want 400 with errors", res.StatusCode, raw)
			}
			return nil
		}
		if !bytes.Contains(raw, []byte(`"errors"`)) || !bytes.Contains(raw, []byte("event: complete")) {
			return fmt.Errorf("status %d, body %q: want an error event and complete", res.StatusCode, raw)
		}
		return nil
	}
	errs := inParallel(streams, workers, func(i int) error {
		if kind := i % 5; kind < 4 {
			return p.shortStream(kind, bob, ticket, cursor)
		}
		return extra(i / 5)
	})
	for _, err := range errs {
		t.Error(err)
	}

	// Still alive and serving, the long-lived stream included.
	m, err := p.send(alice, ab, "still there")
	if err != nil {
		t.Fatalf("after the short streams: %v\n%s", err, p.Logs())
	}
	if got := first.message(t); got.message != m {
		t.Fatalf("the long-lived stream got %+v, want %+v", got.message, m)
	}
	if first.pings.Load() == 0 {
		t.Fatal("no ping on the long-lived stream")
	}
	p.stop(t) // fails the test unless the server exits with status 0
	if t.Failed() {
		t.FailNow()
	}
	if logs := p.Logs(); strings.Contains(logs, "panic") {
		t.Fatalf("the server panicked:\n%s", logs)
	}
}
