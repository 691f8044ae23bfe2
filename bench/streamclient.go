package main

// The lean event-stream client: one TCP connection and one goroutine per
// stream, graphql-sse "distinct connections" mode (POST /graphql with
// Accept: text/event-stream, one subscription per request).
//
// What it costs the client: per open stream one goroutine (a few KiB of
// stack), a 512-byte connection buffer and a 2 KiB line buffer, so 15,000
// idle streams take ~150 MiB and no CPU; per received event one read, one
// line scan and a substring search for the bench's content tag (no JSON
// decoding). Measured on the 2-core machine (each run reports its own
// "bench" cores): the realistic mix's ~20,000 events/s and 1,000 sends/s
// over HTTP take the whole bench ~0.15–0.25 of a core, against 0.5–1 for
// the server and 0.3–1.4 for PostgreSQL's backends.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Selections of messageCreated: the lean one, and the one a chat client asks for.
const (
	selectionLean = `{ id seq content conversationId }`
	selectionChat = `{ id seq content conversationId createdAt sender { id username displayName } }`
)

// subscriptionBody returns the request body of a messageCreated subscription.
func subscriptionBody(selection string) []byte {
	b, _ := json.Marshal(map[string]any{"query": "subscription { messageCreated " + selection + " }"})
	return b
}

// sourceIPs are the loopback source addresses streams are dialled from
// (127.0.0.2 … 127.0.0.60), so that no single source address runs short of
// ephemeral ports.
var sourceIPs = func() []net.IP {
	var ips []net.IP
	for i := 2; i <= 60; i++ {
		ips = append(ips, net.IPv4(127, 0, 0, byte(i)))
	}
	return ips
}()

// onData is called from a stream's goroutine with each data line of a "next"
// event (without "data: ") and the time the line was read.
type onData func(line []byte, at time.Duration)

// stream is one open event stream.
type stream struct {
	conn   net.Conn
	done   chan struct{}
	closed atomic.Bool
	events atomic.Int64
	errs   atomic.Int64 // "next" events that carried errors
	ended  error        // why reading stopped (set before done closes)
}

// streamStats counts the streams that ended by themselves (not closed by
// the bench) over the whole run.
var streamsEndedEarly atomic.Int64

// openStream dials addr from source address src, subscribes with body and
// token, checks the response is an event stream, and reads it in its own
// goroutine, calling fn for each "next" event's data line.
func openStream(ctx context.Context, addr string, src net.IP, token string, body []byte, fn onData) (*stream, error) {
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: src}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n", addr, len(body))
	if token != "" {
		fmt.Fprintf(&req, "Authorization: Bearer %s\r\n", token)
	}
	req.WriteString("\r\n")
	req.Write(body)
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write(req.Bytes()); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 512)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("stream response: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		conn.Close()
		return nil, fmt.Errorf("stream refused: status %d: %s", res.StatusCode, b)
	}
	_ = conn.SetDeadline(time.Time{})
	s := &stream{conn: conn, done: make(chan struct{})}
	go s.read(bufio.NewReaderSize(res.Body, 2048), fn)
	return s, nil
}

// read parses the SSE lines of the stream until it ends.
func (s *stream) read(r *bufio.Reader, fn onData) {
	defer close(s.done)
	var event []byte
	var long []byte // a line longer than the buffer, assembled
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if err != nil {
			s.ended = err
			if !s.closed.Load() {
				streamsEndedEarly.Add(1)
			}
			return
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			event = event[:0]
		case line[0] == ':': // comment: the opening ":" and keep-alive pings
		case bytes.HasPrefix(line, []byte("event: ")):
			event = append(event[:0], line[7:]...)
		case bytes.HasPrefix(line, []byte("data: ")) && string(event) == "next":
			s.events.Add(1)
			data := line[6:]
			if bytes.Contains(data, []byte(`"errors"`)) {
				s.errs.Add(1)
			}
			if fn != nil {
				fn(data, since())
			}
		}
	}
}

// Close ends the stream from the client's side and waits for its reader.
func (s *stream) Close() {
	s.closed.Store(true)
	s.conn.Close()
	<-s.done
}

// streamSpec is one stream to open: whose, and what it calls per event.
type streamSpec struct {
	Token string
	Body  []byte
	Fn    onData
}

// openStreams opens every spec against addr with workers concurrent dials,
// source addresses taken round robin, reporting progress every 2,000.
func openStreams(ctx context.Context, addr string, specs []streamSpec, workers int, what string) ([]*stream, error) {
	out := make([]*stream, len(specs))
	var next, opened atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(specs) || ctx.Err() != nil {
					return
				}
				var s *stream
				var err error
				for attempt := 0; attempt < 3; attempt++ { // a dial can fail transiently under load
					s, err = openStream(ctx, addr, sourceIPs[i%len(sourceIPs)], specs[i].Token, specs[i].Body, specs[i].Fn)
					if err == nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("open stream %d of %d: %w", i, len(specs), err)
					}
					mu.Unlock()
					return
				}
				out[i] = s
				if n := opened.Add(1); n%2000 == 0 {
					logf("  %s: %d/%d streams open", what, n, len(specs))
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		closeStreams(out)
		return nil, firstErr
	}
	return out, nil
}

// closeStreams closes every stream (nil ones skipped) concurrently.
func closeStreams(ss []*stream) {
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ss); i += workers {
				if ss[i] != nil {
					ss[i].Close()
				}
			}
		})
	}
	wg.Wait()
}

// waitSubscribed waits until the server's hub counts exactly n live
// subscriptions (messenger_subscriptions): after opening, so that sends
// start only once every stream will see them; after closing, so that the
// next measurement does not count streams the server is still tearing down.
func waitSubscribed(p *process, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	got := -1.0
	for time.Now().Before(deadline) {
		if err := p.Alive(); err != nil {
			return err
		}
		m, err := p.Metrics("messenger_subscriptions")
		if err == nil {
			got = m["messenger_subscriptions"]
			if got == float64(n) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s: %v live subscriptions after %v, want %d", p.Name, got, timeout, n)
}

// openCounted opens specs against p (see openStreams) and waits until the
// server counts them live on top of the streams the bench already holds
// open on it.
func openCounted(ctx context.Context, p *process, specs []streamSpec, what string) ([]*stream, error) {
	ss, err := openStreams(ctx, p.Addr, specs, 64, what)
	if err != nil {
		return nil, err
	}
	want := p.open.Add(int64(len(ss)))
	if err := waitSubscribed(p, int(want), 60*time.Second); err != nil {
		closeCounted(p, ss)
		return nil, err
	}
	return ss, nil
}

// closeCounted closes streams opened with openCounted and waits (at most
// 30 s, logging when it gives up) until the server has let them go.
func closeCounted(p *process, ss []*stream) {
	closeStreams(ss)
	want := p.open.Add(-int64(len(ss)))
	if p.Alive() != nil {
		return
	}
	if err := waitSubscribed(p, int(want), 30*time.Second); err != nil {
		logf("  warning: %v", err)
	}
}

// contentTag is the prefix of every message the bench sends:
// "bench|RUN|INDEX|UNIXNANO".
var contentTag = []byte(`"content":"bench|`)

// parseContent finds the bench's run id and send index in an event's data.
func parseContent(data []byte) (run, idx int, ok bool) {
	i := bytes.Index(data, contentTag)
	if i < 0 {
		return 0, 0, false
	}
	rest := data[i+len(contentTag):]
	a := bytes.IndexByte(rest, '|')
	if a < 0 {
		return 0, 0, false
	}
	b := bytes.IndexByte(rest[a+1:], '|')
	if b < 0 {
		return 0, 0, false
	}
	r, err1 := strconv.Atoi(string(rest[:a]))
	x, err2 := strconv.Atoi(string(rest[a+1 : a+1+b]))
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return r, x, true
}

// content returns the content of send idx of run.
func content(run, idx int) string {
	return fmt.Sprintf("bench|%d|%d|%d", run, idx, time.Now().UnixNano())
}
