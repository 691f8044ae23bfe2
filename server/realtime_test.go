package main

// End-to-end tests of realtime delivery (DESIGN.md section 4) against the
// real, race-built server binary over real HTTP: every device gets every
// message of its conversations once and in order, streams resume from their
// cursors without gap or duplicate, slow clients cost bounded memory and get
// cut, nothing leaks, tickets stay in their lane, and shutdown loses nothing.
//
// Timeouts below are guards against hanging, never assertions of speed.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rtSubscription is the subscription every realtime test uses.
const rtSubscription = `subscription($c: ID, $a: String) { messageCreated(conversationId: $c, after: $a) { id conversationId seq content } }`

// rtGuard bounds every wait for an event that must come.
const rtGuard = 30 * time.Second

// rtClient sends the tests' queries and mutations; it keeps enough idle
// connections for concurrent senders, so that bursts do not churn ports.
var rtClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}

// rtMetricsClient reads /metrics on a fresh connection each time, so that it
// holds no idle connection (and no server goroutine) between readings.
var rtMetricsClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// rtStart runs a server on a fresh SQLite file with env added.
func rtStart(t *testing.T, env ...string) *serverProcess {
	t.Helper()
	t.Cleanup(rtClient.CloseIdleConnections)
	return startServer(t, append([]string{"DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db")}, env...)...)
}

// rtDo posts one operation with rtClient; it is safe to call from any
// goroutine and reports transport failures as errors.
func rtDo(p *serverProcess, token, query string, vars map[string]any) (response, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := rtClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return response{}, fmt.Errorf("status %d, decode %q: %w", res.StatusCode, raw, err)
	}
	return r, nil
}

// rtSend creates a message; it is safe to call from any goroutine.
func rtSend(p *serverProcess, token, conversationID, content string) (rtMsg, error) {
	r, err := rtDo(p, token, `mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { id conversationId seq content } }`,
		map[string]any{"c": conversationID, "t": content})
	if err != nil {
		return rtMsg{}, err
	}
	if len(r.Errors) > 0 {
		return rtMsg{}, fmt.Errorf("createMessage: %s", r.Errors)
	}
	var out struct{ CreateMessage rtMsg }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		return rtMsg{}, err
	}
	return out.CreateMessage, nil
}

// rtMsg is a message as the tests compare them.
type rtMsg struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Seq            int    `json:"seq"`
	Content        string `json:"content"`
}

// rtStoredMessages returns every message of a conversation, oldest first, as
// the messages query pages through them (100 at a time).
func rtStoredMessages(t testing.TB, p *serverProcess, token, conversationID string) []rtMsg {
	t.Helper()
	var all []rtMsg
	var after any
	for {
		var out struct {
			Messages struct {
				Edges []struct {
					Node rtMsg
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		p.graphqlTB(t, token, `query($c: ID!, $a: String) { messages(conversationId: $c, first: 100, after: $a) {
  edges { node { id conversationId seq content } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"c": conversationID, "a": after}, &out)
		if t.Failed() {
			t.FailNow()
		}
		for _, e := range out.Messages.Edges {
			all = append(all, e.Node)
		}
		if !out.Messages.PageInfo.HasNextPage {
			return all
		}
		after = out.Messages.PageInfo.EndCursor
	}
}

// rtMetrics reads the server's unlabelled Prometheus samples.
func rtMetrics(t testing.TB, p *serverProcess) map[string]float64 {
	t.Helper()
	m, err := rtReadMetrics(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rtReadMetrics is rtMetrics for any goroutine.
func rtReadMetrics(p *serverProcess) (map[string]float64, error) {
	res, err := rtMetricsClient.Get(p.URL + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			m[name] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	return m, nil
}

// rtWaitMetrics polls /metrics until ok accepts a reading, failing the test
// with the last reading when that does not happen within rtGuard.
func rtWaitMetrics(t testing.TB, p *serverProcess, what string, ok func(m map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(rtGuard)
	for {
		m := rtMetrics(t, p)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v; last reading: subscriptions=%v users=%v goroutines=%v",
				what, rtGuard, m["messenger_subscriptions"], m["messenger_subscribed_users"], m["go_goroutines"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rtWaitSubscriptions waits until the hub holds exactly n subscriptions:
// streams opened before that point are registered, so that every message
// committed afterwards reaches them (the response headers of a stream come
// before its subscription is registered).
func rtWaitSubscriptions(t testing.TB, p *serverProcess, n int) {
	t.Helper()
	rtWaitMetrics(t, p, fmt.Sprintf("%d subscriptions", n), func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == float64(n)
	})
}

// rtOpenPOST opens a POST stream and checks that it is an event stream.
func rtOpenPOST(t testing.TB, p *serverProcess, token string, vars map[string]any) *sseStream {
	t.Helper()
	s := openPOSTStream(t, p.URL, token, rtSubscription, vars)
	if s.Status != http.StatusOK || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("POST stream: status %d, content type %q", s.Status, s.Header.Get("Content-Type"))
	}
	return s
}

// rtOpenGET opens a GET (EventSource) stream with a fresh ticket.
func rtOpenGET(t testing.TB, p *serverProcess, token string, vars map[string]any, lastEventID string) *sseStream {
	t.Helper()
	s := openGETStream(t, p.URL, p.ticket(t, token), rtSubscription, vars, lastEventID)
	if s.Status != http.StatusOK || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET stream: status %d, content type %q", s.Status, s.Header.Get("Content-Type"))
	}
	return s
}

// rtEvent is one message event as a stream delivered it.
type rtEvent struct {
	rtMsg
	Cursor string // extensions.cursor
	SSEID  string // the SSE id: line (GET only)
}

// rtNext returns the next message event, failing on anything else.
func rtNext(t testing.TB, s *sseStream) rtEvent {
	t.Helper()
	e, err := rtParse(s.next(t, rtGuard))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rtParse decodes a message event; anything else is an error.
func rtParse(ev sseEvent) (rtEvent, error) {
	if ev.Event != "next" {
		return rtEvent{}, fmt.Errorf("got event %q (%s), want next", ev.Event, ev.Data)
	}
	var p payload
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
		return rtEvent{}, fmt.Errorf("decode %s: %w", ev.Data, err)
	}
	m := p.Data.MessageCreated
	if len(p.Errors) > 0 || m == nil || p.Extensions.Cursor == "" {
		return rtEvent{}, fmt.Errorf("not a message event with a cursor: %s", ev.Data)
	}
	return rtEvent{rtMsg: rtMsg{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Content: m.Content}, Cursor: p.Extensions.Cursor, SSEID: ev.ID}, nil
}

// rtReader reads n message events of a stream in the background.
type rtReader struct {
	done   chan struct{}
	events []rtEvent
	err    error
}

// rtReadInBackground starts reading n message events from s; each must come
// within rtGuard of the one before.
func rtReadInBackground(s *sseStream, n int) *rtReader {
	r := &rtReader{done: make(chan struct{}), events: make([]rtEvent, 0, n)}
	go func() {
		defer close(r.done)
		for len(r.events) < n {
			select {
			case ev, ok := <-s.events:
				if !ok {
					r.err = fmt.Errorf("stream ended after %d of %d events", len(r.events), n)
					return
				}
				e, err := rtParse(ev)
				if err != nil {
					r.err = fmt.Errorf("event %d: %w", len(r.events), err)
					return
				}
				r.events = append(r.events, e)
			case <-time.After(rtGuard):
				r.err = fmt.Errorf("no event within %v after %d of %d events", rtGuard, len(r.events), n)
				return
			}
		}
	}()
	return r
}

// wait returns the events read, failing the test if the reader failed.
func (r *rtReader) wait(t testing.TB) []rtEvent {
	t.Helper()
	<-r.done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.events
}

// rtCollect reads n message events.
func rtCollect(t testing.TB, s *sseStream, n int) []rtEvent {
	t.Helper()
	out := make([]rtEvent, 0, n)
	for range n {
		out = append(out, rtNext(t, s))
	}
	return out
}

// rtErrorEvent reads the next event, which must be a "next" event carrying
// an error with code, followed by "complete".
func rtErrorEvent(t testing.TB, s *sseStream, code string) {
	t.Helper()
	ev := s.next(t, rtGuard)
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
	if ev := s.next(t, rtGuard); ev.Event != "complete" {
		t.Fatalf("after the error: event %q %s, want complete", ev.Event, ev.Data)
	}
}

// rtSameMessages fails unless got and want hold the same messages (id, seq,
// conversation) in the same order.
func rtSameMessages(t testing.TB, what string, got []rtEvent, want []rtMsg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i].rtMsg, want[i]
		if g.ID != w.ID || g.Seq != w.Seq || g.ConversationID != w.ConversationID {
			t.Fatalf("%s: message %d is %q, want %q", what, i, []string{g.ID, g.ConversationID, strconv.Itoa(g.Seq)}, []string{w.ID, w.ConversationID, strconv.Itoa(w.Seq)})
		}
	}
}

// TestRealtimeDevices: every device of the recipient and of the sender gets
// the message once; outsiders get nothing; the conversationId filter holds.
func TestRealtimeDevices(t *testing.T) {
	p := rtStart(t)
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	carol, _ := p.signUp(t, "carol")
	ab := p.direct(t, alice, "bob")
	bc := p.direct(t, bob, "carol")

	bob1 := rtOpenPOST(t, p, bob, nil)
	bob2 := rtOpenPOST(t, p, bob, nil)
	alice2 := rtOpenPOST(t, p, alice, nil)
	carolStream := rtOpenPOST(t, p, carol, nil)
	bobOnlyAB := rtOpenPOST(t, p, bob, map[string]any{"c": ab})
	rtWaitSubscriptions(t, p, 5)

	sent, err := rtSend(p, alice, ab, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*sseStream{"bob's first device": bob1, "bob's second device": bob2, "alice's second device": alice2, "bob's stream of the conversation": bobOnlyAB} {
		got := rtNext(t, s)
		if got.rtMsg != sent {
			t.Fatalf("%s got %+v, want %+v", name, got.rtMsg, sent)
		}
	}
	// Exactly once: nothing more arrives on any stream, and carol, who is
	// not in the conversation, got nothing at all.
	for _, s := range []*sseStream{bob1, bob2, alice2, carolStream, bobOnlyAB} {
		s.expectQuiet(t, 300*time.Millisecond)
	}

	t.Run("Filter", func(t *testing.T) {
		other, err := rtSend(p, carol, bc, "hello bob, from carol")
		if err != nil {
			t.Fatal(err)
		}
		again, err := rtSend(p, bob, ab, "hello alice")
		if err != nil {
			t.Fatal(err)
		}
		// The unfiltered streams of bob get both, in commit order; the
		// filtered one only the second, with bob's cursor moving past the first.
		var lastCursor string
		for _, s := range []*sseStream{bob1, bob2} {
			got := rtCollect(t, s, 2)
			if got[0].rtMsg != other || got[1].rtMsg != again {
				t.Fatalf("bob's device got %+v, want %+v then %+v", got, other, again)
			}
			lastCursor = got[1].Cursor
		}
		got := rtNext(t, bobOnlyAB)
		if got.rtMsg != again || got.Cursor != lastCursor {
			t.Fatalf("the filtered stream got %+v (cursor %s), want %+v (cursor %s)", got.rtMsg, got.Cursor, again, lastCursor)
		}
		if got := rtNext(t, carolStream); got.rtMsg != other {
			t.Fatalf("carol got %+v, want %+v", got.rtMsg, other)
		}
		if got := rtNext(t, alice2); got.rtMsg != again {
			t.Fatalf("alice got %+v, want %+v", got.rtMsg, again)
		}
		for _, s := range []*sseStream{bob1, bob2, alice2, carolStream, bobOnlyAB} {
			s.expectQuiet(t, 300*time.Millisecond)
		}
	})

	t.Run("NotInConversation", func(t *testing.T) {
		// bob-carol exists, but alice is not in it: NOT_FOUND, on both transports.
		rtErrorEvent(t, rtOpenPOST(t, p, alice, map[string]any{"c": bc}), "NOT_FOUND")
		rtErrorEvent(t, rtOpenGET(t, p, alice, map[string]any{"c": bc}, ""), "NOT_FOUND")
		// An id that does not exist at all looks the same.
		rtErrorEvent(t, rtOpenPOST(t, p, alice, map[string]any{"c": "0197a7e0-0000-7000-8000-000000000000"}), "NOT_FOUND")
	})
}

// rtBurst sends n messages to a conversation from workers goroutines at
// once, and returns the first error.
func rtBurst(p *serverProcess, token, conversationID string, n, workers int, content func(i int) string) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if _, err := rtSend(p, token, conversationID, content(i)); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// rtSmallWindowDialer dials TCP connections whose receive buffer is set
// small before connecting, so that the window they announce stays small:
// a client that reads slowly (or not at all) then backs the server's writes
// up after a few hundred KiB rather than several MiB.
var rtSmallWindowDialer = &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		// syscall.SetsockoptInt takes an int descriptor on Unix (a Handle on
		// Windows, where the buffer is left as it is).
		if set, ok := any(syscall.SetsockoptInt).(func(fd, level, opt, value int) error); ok {
			err = set(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		}
	}); cerr != nil {
		return cerr
	}
	return err
}}

// rtStuckPOST opens a POST event stream over a raw TCP connection whose
// client never reads: the server's writes back up into a small receive
// buffer and then block.
func rtStuckPOST(t testing.TB, p *serverProcess, token string, vars map[string]any) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(p.URL, "http://")
	conn, err := rtSmallWindowDialer.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body, _ := json.Marshal(map[string]any{"query": rtSubscription, "variables": vars})
	_, err = fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"+
		"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", host, token, len(body), body)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// rtThrottledConn is a client connection that, while slow is set, reads at
// most 1 KiB every 50 ms: far slower than a burst is sent, but never so slow
// that one write of the server waits anywhere near its write timeout.
type rtThrottledConn struct {
	net.Conn
	slow *atomic.Bool
}

func (c rtThrottledConn) Read(b []byte) (int, error) {
	if c.slow.Load() {
		time.Sleep(50 * time.Millisecond)
		b = b[:min(len(b), 1024)]
	}
	return c.Conn.Read(b)
}

// rtOpenThrottledPOST opens a POST stream over an rtThrottledConn; it reads
// the stream as startStream does.
func rtOpenThrottledPOST(t testing.TB, p *serverProcess, token string, vars map[string]any, slow *atomic.Bool) *sseStream {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := rtSmallWindowDialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return rtThrottledConn{conn, slow}, nil
		},
	}}
	body, _ := json.Marshal(map[string]any{"query": rtSubscription, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	s := startStreamWith(t, client, req, cancel)
	if s.Status != http.StatusOK {
		t.Fatalf("throttled POST stream: status %d", s.Status)
	}
	return s
}

// rtSlowContent is the length of each message of the slow-subscriber burst.
const rtSlowContent = 1000

// TestRealtimeSlowSubscriber: a session that never reads is cut after the
// write timeout (and its socket closed, without "complete"), while another
// session of the same user gets all of 10,000 messages and the server's live
// heap does not grow with them; the cut session then resumes from where it
// started and gets everything, complete and in order.
func TestRealtimeSlowSubscriber(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 10,000 messages")
	}
	const n = 10000
	p := rtStart(t, "MESSENGER_STREAM_WRITE_TIMEOUT=2s")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	reader := rtOpenPOST(t, p, bob, nil)
	rtWaitSubscriptions(t, p, 1)
	// The marker's cursor is where the stuck session starts: nothing else is
	// sent until the stuck session is subscribed.
	marker, err := rtSend(p, alice, ab, "marker")
	if err != nil {
		t.Fatal(err)
	}
	start := rtNext(t, reader)
	if start.rtMsg != marker {
		t.Fatalf("reader got %+v, want the marker %+v", start.rtMsg, marker)
	}
	stuck := rtStuckPOST(t, p, bob, nil)
	rtWaitSubscriptions(t, p, 2)

	// The live heap at the last collection is about half the collector's
	// next goal (GOGC=100), whatever the collector's timing: sample it
	// through the burst. The first collections drop the garbage of the
	// sign-ups (argon2id takes 64 MiB per password), so the baseline is the
	// goal after the second collection of the burst.
	type sample struct{ gcs, goal float64 }
	var (
		samples  []sample
		sampling = make(chan struct{})
		sampled  = make(chan struct{})
	)
	go func() {
		defer close(sampled)
		for {
			if m, err := rtReadMetrics(p); err == nil {
				samples = append(samples, sample{m["go_gc_duration_seconds_count"], m["go_memstats_next_gc_bytes"]})
			}
			select {
			case <-sampling:
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()

	padding := strings.Repeat("x", rtSlowContent)
	got := rtReadInBackground(reader, n)
	if err := rtBurst(p, alice, ab, n, 8, func(i int) string { return fmt.Sprintf("%d %s", i, padding) }); err != nil {
		t.Fatal(err)
	}
	events := got.wait(t)
	close(sampling)
	<-sampled

	stored := rtStoredMessages(t, p, bob, ab)
	if len(stored) != n+1 || stored[0] != marker {
		t.Fatalf("%d messages stored, want the marker and %d", len(stored), n)
	}
	rtSameMessages(t, "the reading session", events, stored[1:])
	reader.expectQuiet(t, 200*time.Millisecond)

	// The stuck stream was cut by the write timeout: only the reader remains.
	after := rtWaitMetrics(t, p, "the stuck stream cut", func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == 1 && m["messenger_subscribed_users"] == 1
	})

	// Memory: a server that kept something per message sent (for the stuck
	// session, or anywhere else) would have grown its live heap by about
	// n*rtSlowContent bytes at least; the noise measured here is a few MiB
	// less than half of that.
	base := -1.0
	peak := 0.0
	for _, s := range samples {
		if s.gcs >= samples[0].gcs+2 {
			if base < 0 {
				base = s.goal
			}
			peak = max(peak, s.goal)
		}
	}
	if base < 0 {
		t.Fatalf("fewer than two collections during a burst of %d messages: %v", n, samples)
	}
	peak = max(peak, after["go_memstats_next_gc_bytes"])
	t.Logf("heap goal: %.1f MiB at the start of the burst, %.1f MiB after two collections, peak %.1f MiB, %.1f MiB at the end; %d samples, %v collections",
		samples[0].goal/(1<<20), base/(1<<20), peak/(1<<20), after["go_memstats_next_gc_bytes"]/(1<<20), len(samples), after["go_gc_duration_seconds_count"]-samples[0].gcs)
	if growth, bound := (peak-base)/2, float64(n*rtSlowContent)/2; growth > bound {
		t.Errorf("the live heap grew by about %.1f MiB during the burst (bound %.1f MiB, half the content sent)", growth/(1<<20), bound/(1<<20))
	}

	// The server closed the stuck socket: reading it now ends (after what the
	// buffers held), and it never got a "complete" event.
	// (A larger receive window lets the server's kernel send what it holds.)
	if err := stuck.(*net.TCPConn).SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	if err := stuck.SetReadDeadline(time.Now().Add(rtGuard)); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(stuck)
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatalf("the stuck socket is still open after the stream was cut (%d bytes read)", len(raw))
	}
	if !bytes.HasPrefix(raw, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.Contains(raw, []byte("event: next")) || bytes.Contains(raw, []byte("event: complete")) {
		t.Fatalf("the stuck socket got %d bytes: %.200q ... %.200q", len(raw), raw, raw[max(0, len(raw)-200):])
	}
	t.Logf("the stuck socket held %d bytes (%d events) when it was cut; reading it ended with %v", len(raw), bytes.Count(raw, []byte("event: next")), err)

	// Resumed from where it started, the stuck session gets all n.
	resumed := rtOpenPOST(t, p, bob, map[string]any{"a": start.Cursor})
	rtSameMessages(t, "the resumed session", rtReadInBackground(resumed, n).wait(t), stored[1:])
	resumed.expectQuiet(t, 200*time.Millisecond)
}

// TestRealtimeLaggingSubscriber: a session that reads, but far slower than
// a burst comes, overflows its hub buffer (256 events): it must catch up from
// the database, without a gap or a duplicate, and it is not cut while it
// reads. (With a hub instrumented to print, it overflowed hundreds of times
// per run. The write timeout is long here because the kernel wakes a blocked
// writer only once half of its send buffer, MiBs on loopback, has drained,
// which at this pace takes far longer than 2s.)
func TestRealtimeLaggingSubscriber(t *testing.T) {
	// About 8 MB of events: more than the socket buffers (the kernel's send
	// buffer grows up to 4 MiB by default) and the hub buffer hold.
	const n = 2000
	p := rtStart(t, "MESSENGER_STREAM_WRITE_TIMEOUT=2m")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	var slow atomic.Bool
	slow.Store(true)
	lagging := rtOpenThrottledPOST(t, p, bob, nil, &slow)
	reader := rtOpenPOST(t, p, bob, nil)
	rtWaitSubscriptions(t, p, 2)

	padding := strings.Repeat("x", 3990) // the longest content is 4000 characters
	gotLagging := rtReadInBackground(lagging, n)
	got := rtReadInBackground(reader, n)
	err := rtBurst(p, alice, ab, n, 8, func(i int) string { return fmt.Sprintf("%d %s", i, padding) })
	slow.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	stored := rtStoredMessages(t, p, bob, ab)
	if len(stored) != n {
		t.Fatalf("%d messages stored, want %d", len(stored), n)
	}
	rtSameMessages(t, "the reading session", got.wait(t), stored)
	rtSameMessages(t, "the lagging session", gotLagging.wait(t), stored)
	rtQuiet(t, reader, lagging)
	rtWaitSubscriptions(t, p, 2)
}

// rtQuiet waits a moment, then fails if any of the streams holds an event:
// a check that nothing more than expected arrived.
func rtQuiet(t testing.TB, streams ...*sseStream) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
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

// TestRealtimeConcurrentSenders: 20 senders at once in four overlapping
// groups; every open session gets every message of its conversations
// exactly once, in seq order per conversation, and nothing else.
func TestRealtimeConcurrentSenders(t *testing.T) {
	const (
		users     = 12
		senders   = 20
		perSender = 50
	)
	p := rtStart(t)
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
			sessions = append(sessions, session{u, rtOpenGET(t, p, tokens[u], nil, "")})
		} else {
			sessions = append(sessions, session{u, rtOpenPOST(t, p, tokens[u], nil)})
		}
	}
	sessions = append(sessions, session{0, rtOpenGET(t, p, tokens[0], nil, "")}, session{1, rtOpenPOST(t, p, tokens[1], nil)})
	rtWaitSubscriptions(t, p, len(sessions))

	perGroup := senders / len(groups) * perSender
	readers := make([]*rtReader, len(sessions))
	for i, s := range sessions {
		readers[i] = rtReadInBackground(s.stream, len(groupsOf[s.user])*perGroup)
	}
	errs := make(chan error, senders)
	for k := range senders {
		g := k % len(groups)
		u := members[g][k/len(groups)]
		wg.Go(func() {
			for i := range perSender {
				if _, err := rtSend(p, tokens[u], groups[g], fmt.Sprintf("sender %d message %d", k, i)); err != nil {
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

	stored := map[string][]rtMsg{}
	for g, id := range groups {
		stored[id] = rtStoredMessages(t, p, tokens[members[g][0]], id)
		if len(stored[id]) != perGroup {
			t.Fatalf("group %d holds %d messages, want %d", g, len(stored[id]), perGroup)
		}
	}
	for i, s := range sessions {
		got := readers[i].wait(t)
		byConversation := map[string][]rtEvent{}
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
			rtSameMessages(t, fmt.Sprintf("session %d of user%02d, conversation %s", i, s.user, c), byConversation[c], stored[c])
		}
	}
	var all []*sseStream
	for _, s := range sessions {
		all = append(all, s.stream)
	}
	rtQuiet(t, all...)
}

// TestRealtimeResume: sessions cut in the middle of a burst resume, over
// POST with after and over GET with Last-Event-ID, with exactly the messages
// they missed; bad cursors are BAD_USER_INPUT.
func TestRealtimeResume(t *testing.T) {
	p := rtStart(t)
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	post := rtOpenPOST(t, p, bob, nil)
	get := rtOpenGET(t, p, bob, nil, "")
	rtWaitSubscriptions(t, p, 2)

	// The sender goes on until both sessions are cut, and then some more.
	const postK, getK, more = 10, 25, 20
	cut := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			if _, err := rtSend(p, alice, ab, fmt.Sprint("burst ", i)); err != nil {
				sent <- err
				return
			}
			select {
			case <-cut:
				for j := range more {
					if _, err := rtSend(p, alice, ab, fmt.Sprint("after the cut ", j)); err != nil {
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
	var postSeen, getSeen []rtEvent
	func() {
		defer close(cut)
		postSeen = rtCollect(t, post, postK)
		post.Close()
		getSeen = rtCollect(t, get, getK)
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
	stored := rtStoredMessages(t, p, bob, ab)
	if len(stored) < getK+more {
		t.Fatalf("%d messages stored, want at least %d", len(stored), getK+more)
	}
	rtSameMessages(t, "before the POST session was cut", postSeen, stored[:postK])
	rtSameMessages(t, "before the GET session was cut", getSeen, stored[:getK])

	t.Run("POST", func(t *testing.T) {
		s := rtOpenPOST(t, p, bob, map[string]any{"a": postSeen[postK-1].Cursor})
		rtSameMessages(t, "resumed", rtCollect(t, s, len(stored)-postK), stored[postK:])
		s.expectQuiet(t, 300*time.Millisecond)
		// and it goes on live
		m, err := rtSend(p, alice, ab, "live after the POST resume")
		if err != nil {
			t.Fatal(err)
		}
		if got := rtNext(t, s); got.rtMsg != m {
			t.Fatalf("live: got %+v, want %+v", got.rtMsg, m)
		}
		stored = append(stored, m)
	})
	t.Run("GET", func(t *testing.T) {
		// Last-Event-ID takes the place of the after argument in the URL,
		// which an EventSource keeps from its first connection.
		s := rtOpenGET(t, p, bob, map[string]any{"a": getSeen[0].Cursor}, getSeen[getK-1].SSEID)
		got := rtCollect(t, s, len(stored)-getK)
		rtSameMessages(t, "resumed", got, stored[getK:])
		for _, e := range got {
			if e.SSEID != e.Cursor {
				t.Fatalf("GET event: id %q, cursor %q", e.SSEID, e.Cursor)
			}
		}
		s.expectQuiet(t, 300*time.Millisecond)
		m, err := rtSend(p, alice, ab, "live after the GET resume")
		if err != nil {
			t.Fatal(err)
		}
		if got := rtNext(t, s); got.rtMsg != m {
			t.Fatalf("live: got %+v, want %+v", got.rtMsg, m)
		}
	})
	t.Run("BadCursors", func(t *testing.T) {
		bobs := postSeen[0].Cursor
		for name, c := range map[string]string{"malformed": "not a cursor!", "base64 of something else": "bm90IGEgY3Vyc29y", "empty": ""} {
			t.Run(name, func(t *testing.T) {
				rtErrorEvent(t, rtOpenPOST(t, p, bob, map[string]any{"a": c}), "BAD_USER_INPUT")
				if c != "" { // an empty Last-Event-ID is no Last-Event-ID
					rtErrorEvent(t, rtOpenGET(t, p, bob, nil, c), "BAD_USER_INPUT")
				}
			})
		}
		t.Run("another user's", func(t *testing.T) {
			rtErrorEvent(t, rtOpenPOST(t, p, alice, map[string]any{"a": bobs}), "BAD_USER_INPUT")
			rtErrorEvent(t, rtOpenGET(t, p, alice, nil, bobs), "BAD_USER_INPUT")
		})
	})
}

// rtCycle opens one short stream and ends it from the client's side: kind 0
// right after the response headers, kind 1 (POST) and 2 (GET) after the
// first event replayed from cursor, kind 3 after the error event of a
// malformed cursor. It is safe to call from any goroutine.
func rtCycle(p *serverProcess, kind int, token, ticket, cursor string) error {
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
		body, _ := json.Marshal(map[string]any{"query": rtSubscription, "variables": vars})
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
	case 2:
		q := url.Values{"query": {rtSubscription}, "ticket": {ticket}}
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/graphql?"+q.Encode(), nil)
		req.Header.Set("Last-Event-ID", cursor)
	}
	req.Header.Set("Accept", "text/event-stream")
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
	timer := time.AfterFunc(rtGuard, cancel)
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
	p := rtStart(t, "MESSENGER_KEEPALIVE=10ms")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")
	first := rtOpenPOST(t, p, bob, nil)
	rtWaitSubscriptions(t, p, 1)
	for _, text := range []string{"one", "two"} {
		if _, err := rtSend(p, alice, ab, text); err != nil {
			t.Fatal(err)
		}
	}
	cursor := rtCollect(t, first, 2)[0].Cursor // replays "two"
	first.Close()
	ticket := p.ticket(t, bob)

	run := func(n int) {
		t.Helper()
		next := make(chan int)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					if err := rtCycle(p, i%4, bob, ticket, cursor); err != nil {
						errs <- err
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	// idle: no stream, and no idle connection of ours holding a server goroutine
	idle := func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == 0 && m["messenger_subscribed_users"] == 0
	}
	closeIdle := func() {
		rtClient.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
	}

	run(4 * workers) // warm up whatever the server starts lazily
	closeIdle()
	rtWaitMetrics(t, p, "no subscriptions after the warm-up", idle)
	// The baseline: the same goroutine count twice in a row, a moment apart.
	var baseline float64
	rtWaitMetrics(t, p, "a steady goroutine count", func(m map[string]float64) bool {
		prev := baseline
		baseline = m["go_goroutines"]
		time.Sleep(200 * time.Millisecond)
		return prev == baseline
	})

	run(cycles)
	closeIdle()
	// Exactly the baseline, no slack (the reading's own connection is
	// counted in both): that has held steadily so far.
	m := rtWaitMetrics(t, p, fmt.Sprintf("back to %v goroutines and no subscriptions", baseline), func(m map[string]float64) bool {
		return idle(m) && m["go_goroutines"] <= baseline
	})
	t.Logf("goroutines: %v before, %v after %d cycles", baseline, m["go_goroutines"], cycles)
}

// TestRealtimeKeepAlive: idle streams get ping comments.
func TestRealtimeKeepAlive(t *testing.T) {
	p := rtStart(t, "MESSENGER_KEEPALIVE=200ms")
	alice, _ := p.signUp(t, "alice")
	streams := map[string]*sseStream{"POST": rtOpenPOST(t, p, alice, nil), "GET": rtOpenGET(t, p, alice, nil, "")}
	deadline := time.Now().Add(rtGuard)
	for name, s := range streams {
		for s.pings.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no ping within %v", name, rtGuard)
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
	p := rtStart(t, "MESSENGER_KEEPALIVE=1ms")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")
	first := rtOpenPOST(t, p, bob, nil)
	rtWaitSubscriptions(t, p, 1)
	for _, text := range []string{"one", "two"} {
		if _, err := rtSend(p, alice, ab, text); err != nil {
			t.Fatal(err)
		}
	}
	cursor := rtCollect(t, first, 2)[0].Cursor
	ticket := p.ticket(t, bob)

	// More ways to end at once: an operation that fails validation, and a
	// GET of a query (the GET stream runs subscriptions only).
	extra := func(i int) error {
		var req *http.Request
		if i%2 == 0 {
			body, _ := json.Marshal(map[string]any{"query": `subscription { messageCreated { nope } }`})
			req, _ = http.NewRequest(http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+bob)
		} else {
			q := url.Values{"query": {`{ me { id } }`}, "ticket": {ticket}}
			req, _ = http.NewRequest(http.MethodGet, p.URL+"/graphql?"+q.Encode(), nil)
		}
		req.Header.Set("Accept", "text/event-stream")
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
	next := make(chan int)
	errs := make(chan error, streams)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				var err error
				if kind := i % 5; kind < 4 {
					err = rtCycle(p, kind, bob, ticket, cursor)
				} else {
					err = extra(i / 5)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range streams {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Still alive and serving, the long-lived stream included.
	m, err := rtSend(p, alice, ab, "still there")
	if err != nil {
		t.Fatalf("after the short streams: %v\n%s", err, p.Logs())
	}
	if got := rtNext(t, first); got.rtMsg != m {
		t.Fatalf("the long-lived stream got %+v, want %+v", got.rtMsg, m)
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

// rtRequestStatus sends a request and returns its status and body.
func rtRequestStatus(t testing.TB, method, target, accept string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rtGuard)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	// An event stream that was (wrongly) opened would not end: read a bit.
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return res.StatusCode, string(raw)
}

// TestRealtimeTickets: stream tickets open the GET event stream and nothing
// else, only until they expire; access tokens in URLs authenticate nothing;
// neither reaches the log.
func TestRealtimeTickets(t *testing.T) {
	p := rtStart(t, "MESSENGER_TICKET_TTL=2s")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")
	var secrets []string // what must never be logged
	secrets = append(secrets, alice, bob)
	streamURL := func(ticket string, extra ...string) string {
		q := url.Values{"query": {rtSubscription}}
		if ticket != "" {
			q.Set("ticket", ticket)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return p.URL + "/graphql?" + q.Encode()
	}
	newTicket := func() (string, time.Time) {
		var out struct {
			CreateStreamTicket struct {
				Ticket    string
				ExpiresAt time.Time
			}
		}
		p.graphqlTB(t, alice, `mutation { createStreamTicket { ticket expiresAt } }`, nil, &out)
		if t.Failed() {
			t.FailNow()
		}
		secrets = append(secrets, out.CreateStreamTicket.Ticket)
		return out.CreateStreamTicket.Ticket, out.CreateStreamTicket.ExpiresAt
	}

	// A valid ticket opens the GET stream, which outlives the ticket.
	ticket, expires := newTicket()
	s := openGETStream(t, p.URL, ticket, rtSubscription, nil, "")
	if s.Status != http.StatusOK {
		t.Fatalf("GET stream with a valid ticket: status %d", s.Status)
	}
	rtWaitSubscriptions(t, p, 1)

	t.Run("OnlyTheGETStream", func(t *testing.T) {
		query := `{"query":"{ me { id } }"}`
		for name, try := range map[string]func() (int, string){
			"POST query": func() (int, string) {
				return rtRequestStatus(t, "POST", p.URL+"/graphql?ticket="+ticket, "", strings.NewReader(query))
			},
			"POST event stream": func() (int, string) {
				return rtRequestStatus(t, "POST", p.URL+"/graphql?ticket="+ticket, "text/event-stream", strings.NewReader(`{"query":"subscription { messageCreated { id } }"}`))
			},
			"GET query": func() (int, string) {
				return rtRequestStatus(t, "GET", p.URL+"/graphql?query=%7Bme%7Bid%7D%7D&ticket="+ticket, "application/json", nil)
			},
			"GET without Accept": func() (int, string) { return rtRequestStatus(t, "GET", streamURL(ticket), "", nil) },
		} {
			if status, body := try(); status != http.StatusUnauthorized {
				t.Errorf("%s with a valid ticket: status %d, want 401 (%.200s)", name, status, body)
			}
		}
	})
	t.Run("Forged", func(t *testing.T) {
		for _, forged := range []string{"forged", ticket[:len(ticket)-1] + "A", strings.Repeat("A", len(ticket))} {
			if forged == ticket {
				continue
			}
			if status, body := rtRequestStatus(t, "GET", streamURL(forged), "text/event-stream", nil); status != http.StatusUnauthorized {
				t.Errorf("forged ticket %q: status %d, want 401 (%.200s)", forged, status, body)
			}
		}
	})
	t.Run("TokenInURL", func(t *testing.T) {
		for _, param := range []string{"access_token", "token"} {
			status, body := rtRequestStatus(t, "GET", streamURL("", param, alice), "text/event-stream", nil)
			if status != http.StatusOK || !strings.Contains(body, `"UNAUTHENTICATED"`) || strings.Contains(body, `"messageCreated":{`) {
				t.Errorf("GET stream with ?%s=: status %d, %.300s; want UNAUTHENTICATED", param, status, body)
			}
			status, body = rtRequestStatus(t, "POST", p.URL+"/graphql?"+param+"="+alice, "", strings.NewReader(`{"query":"{ me { id } }"}`))
			if !strings.Contains(body, `"UNAUTHENTICATED"`) {
				t.Errorf("POST with ?%s=: status %d, %.300s; want UNAUTHENTICATED", param, status, body)
			}
		}
	})
	t.Run("Expired", func(t *testing.T) {
		// Past its expiry (the server's clock is this machine's), the ticket
		// no longer opens a stream; the stream it opened goes on.
		time.Sleep(time.Until(expires) + 100*time.Millisecond)
		if status, body := rtRequestStatus(t, "GET", streamURL(ticket), "text/event-stream", nil); status != http.StatusUnauthorized {
			t.Errorf("expired ticket: status %d, want 401 (%.200s)", status, body)
		}
		m, err := rtSend(p, bob, ab, "after the ticket expired")
		if err != nil {
			t.Fatal(err)
		}
		if got := rtNext(t, s); got.rtMsg != m {
			t.Fatalf("the ticket's stream got %+v, want %+v", got.rtMsg, m)
		}
	})
	t.Run("Logs", func(t *testing.T) {
		logs := p.Logs()
		for _, secret := range secrets {
			if strings.Contains(logs, secret) {
				t.Fatalf("a ticket or token reached the log:\n%s", logs)
			}
		}
		if !strings.Contains(logs, "status=401") {
			t.Fatalf("no refused request in the access log:\n%s", logs)
		}
	})
}

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
	post := rtOpenPOST(t, first, bob, nil)
	get := openGETStream(t, first.URL, ticket, rtSubscription, nil, "")
	if get.Status != http.StatusOK {
		t.Fatalf("GET stream: status %d", get.Status)
	}
	rtWaitSubscriptions(t, first, 2)
	for i := range 3 {
		if _, err := rtSend(first, alice, ab, fmt.Sprint("before ", i)); err != nil {
			t.Fatal(err)
		}
	}
	postSeen, getSeen := rtCollect(t, post, 3), rtCollect(t, get, 3)
	// Two more that the clients leave unprocessed: they resume from the third.
	for i := 3; i < 5; i++ {
		if _, err := rtSend(first, alice, ab, fmt.Sprint("before ", i)); err != nil {
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
		case <-time.After(rtGuard):
			t.Fatalf("%s stream still open after the server exited", name)
		}
		for ev := range s.events {
			if ev.Event != "next" {
				t.Fatalf("%s stream: event %q %s at shutdown, want none but next", name, ev.Event, ev.Data)
			}
		}
	}

	second := startServer(t, dbEnv)
	stored := rtStoredMessages(t, second, bob, ab)
	if len(stored) != 5 {
		t.Fatalf("%d messages stored, want 5", len(stored))
	}
	rtSameMessages(t, "POST before the shutdown", postSeen, stored[:3])
	rtSameMessages(t, "GET before the shutdown", getSeen, stored[:3])
	post = rtOpenPOST(t, second, bob, map[string]any{"a": postSeen[2].Cursor})
	get = openGETStream(t, second.URL, ticket, rtSubscription, nil, getSeen[2].SSEID)
	if get.Status != http.StatusOK {
		t.Fatalf("GET stream with the same ticket after the restart: status %d", get.Status)
	}
	rtSameMessages(t, "POST resumed", rtCollect(t, post, 2), stored[3:])
	rtSameMessages(t, "GET resumed", rtCollect(t, get, 2), stored[3:])
	m, err := rtSend(second, alice, ab, "after the restart")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*sseStream{"POST": post, "GET": get} {
		if got := rtNext(t, s); got.rtMsg != m {
			t.Fatalf("%s: got %+v, want %+v", name, got.rtMsg, m)
		}
	}
	rtQuiet(t, post, get)
}

// TestRealtimeResumeBeforeFirstEvent checks that a GET stream announces its
// starting point as an id-only frame, so that a browser that reconnects
// before any message arrived resumes from there, and that a cursor ahead of
// the stream is refused.
func TestRealtimeResumeBeforeFirstEvent(t *testing.T) {
	p := startServer(t, "DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	alice, _ := p.signUp(t, "alice")
	bob, bobID := p.signUp(t, "bob")
	conv := p.direct(t, alice, "bob")
	p.send(t, alice, conv, "before the stream")
	ticket := p.ticket(t, bob)

	q := url.Values{"query": {`subscription { messageCreated { content } }`}, "ticket": {ticket}}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // a guard, not a timing
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
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

	p.send(t, alice, conv, "while away")
	resumed := openGETStream(t, p.URL, ticket, `subscription { messageCreated { content } }`, nil, start)
	ev := resumed.next(t, 15*time.Second)
	if !strings.Contains(ev.Data, "while away") {
		t.Fatalf("resumed with %q: %s", ev.Event, ev.Data)
	}

	ahead := base64.RawURLEncoding.EncodeToString([]byte("e:" + bobID + ":999"))
	s := openPOSTStream(t, p.URL, bob, `subscription($a: String) { messageCreated(after: $a) { content } }`, map[string]any{"a": ahead})
	ev = s.next(t, 15*time.Second)
	if !strings.Contains(ev.Data, "BAD_USER_INPUT") {
		t.Fatalf("a cursor ahead of the stream: %q %s", ev.Event, ev.Data)
	}
}
