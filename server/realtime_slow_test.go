package main

// Slow clients cost bounded memory: a session that never reads is cut after
// the write timeout and resumes from its cursor, and one that reads far
// slower than a burst comes catches up from the database without gap or
// duplicate.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// smallWindowDialer dials TCP connections whose receive buffer is set
// small before connecting, so that the window they announce stays small:
// a client that reads slowly (or not at all) then backs the server's writes
// up after a few hundred KiB rather than several MiB.
var smallWindowDialer = &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
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

// stuckPOST opens a POST event stream over a raw TCP connection whose
// client never reads: the server's writes back up into a small receive
// buffer and then block.
func (p *serverProcess) stuckPOST(t testing.TB, token string, vars map[string]any) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(p.URL, "http://")
	conn, err := smallWindowDialer.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body, _ := json.Marshal(map[string]any{"query": subscription, "variables": vars})
	_, err = fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"+
		"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", host, token, len(body), body)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// throttledConn is a client connection that, while slow is set, reads at
// most 1 KiB every 50 ms: far slower than a burst is sent, but never so slow
// that one write of the server waits anywhere near its write timeout.
type throttledConn struct {
	net.Conn
	slow *atomic.Bool
}

func (c throttledConn) Read(b []byte) (int, error) {
	if c.slow.Load() {
		time.Sleep(50 * time.Millisecond)
		b = b[:min(len(b), 1024)]
	}
	return c.Conn.Read(b)
}

// subscribeThrottled opens a POST stream over a throttledConn, read as
// every other stream is.
func (p *serverProcess) subscribeThrottled(t testing.TB, token string, vars map[string]any, slow *atomic.Bool) *sseStream {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := smallWindowDialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return throttledConn{conn, slow}, nil
		},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	s := startStream(t, client, streamPOSTRequest(ctx, p.URL, token, subscription, vars), cancel)
	if s.Status != http.StatusOK {
		t.Fatalf("throttled POST stream: status %d", s.Status)
	}
	return s
}

// slowContent is the length of each message of the slow-subscriber burst.
const slowContent = 1000

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
	p := startServer(t, "MESSENGER_STREAM_WRITE_TIMEOUT=2s")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	reader := p.subscribePOST(t, bob, nil)
	p.waitSubscriptions(t, 1)
	// The marker's cursor is where the stuck session starts: nothing else is
	// sent until the stuck session is subscribed.
	marker, err := p.send(alice, ab, "marker")
	if err != nil {
		t.Fatal(err)
	}
	start := reader.message(t)
	if start.message != marker {
		t.Fatalf("reader got %+v, want the marker %+v", start.message, marker)
	}
	stuck := p.stuckPOST(t, bob, nil)
	p.waitSubscriptions(t, 2)

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
			if m, err := p.readMetrics(); err == nil {
				samples = append(samples, sample{m["go_gc_duration_seconds_count"], m["go_memstats_next_gc_bytes"]})
			}
			select {
			case <-sampling:
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()

	padding := strings.Repeat("x", slowContent)
	got := reader.readInBackground(n)
	if err := p.burst(alice, ab, n, 8, func(i int) string { return fmt.Sprintf("%d %s", i, padding) }); err != nil {
		t.Fatal(err)
	}
	events := got.wait(t)
	close(sampling)
	<-sampled

	stored := p.stored(t, bob, ab)
	if len(stored) != n+1 || stored[0] != marker {
		t.Fatalf("%d messages stored, want the marker and %d", len(stored), n)
	}
	sameMessages(t, "the reading session", events, stored[1:])
	expectQuiet(t, 200*time.Millisecond, reader)

	// The stuck stream was cut by the write timeout: only the reader remains.
	after := p.waitMetrics(t, "the stuck stream cut", func(m map[string]float64) bool {
		return m["messenger_subscriptions"] == 1 && m["messenger_subscribed_users"] == 1
	})

	// Memory: a server that kept something per message sent (for the stuck
	// session, or anywhere else) would have grown its live heap by about
	// n*slowContent bytes at least; the noise measured here is a few MiB
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
	if growth, bound := (peak-base)/2, float64(n*slowContent)/2; growth > bound {
		t.Errorf("the live heap grew by about %.1f MiB during the burst (bound %.1f MiB, half the content sent)", growth/(1<<20), bound/(1<<20))
	}

	// The server closed the stuck socket: reading it now ends (after what the
	// buffers held), and it never got a "complete" event.
	// (A larger receive window lets the server's kernel send what it holds.)
	if err := stuck.(*net.TCPConn).SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	if err := stuck.SetReadDeadline(time.Now().Add(guard)); err != nil {
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
	resumed := p.subscribePOST(t, bob, map[string]any{"a": start.Cursor})
	sameMessages(t, "the resumed session", resumed.readInBackground(n).wait(t), stored[1:])
	expectQuiet(t, 200*time.Millisecond, resumed)
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
	p := startServer(t, "MESSENGER_STREAM_WRITE_TIMEOUT=2m")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")

	var slow atomic.Bool
	slow.Store(true)
	lagging := p.subscribeThrottled(t, bob, nil, &slow)
	reader := p.subscribePOST(t, bob, nil)
	p.waitSubscriptions(t, 2)

	padding := strings.Repeat("x", 3990) // the longest content is 4000 characters
	gotLagging := lagging.readInBackground(n)
	got := reader.readInBackground(n)
	err := p.burst(alice, ab, n, 8, func(i int) string { return fmt.Sprintf("%d %s", i, padding) })
	slow.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	stored := p.stored(t, bob, ab)
	if len(stored) != n {
		t.Fatalf("%d messages stored, want %d", len(stored), n)
	}
	sameMessages(t, "the reading session", got.wait(t), stored)
	sameMessages(t, "the lagging session", gotLagging.wait(t), stored)
	expectQuiet(t, 300*time.Millisecond, reader, lagging)
	p.waitSubscriptions(t, 2)
}
