package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Khan/genqlient/graphql"
)

// maxEventLine bounds one line of the event stream (a "data:" line holds a
// whole result).
const maxEventLine = 1 << 20

// ErrNoComplete is the cause of a [StreamError] when the event stream ended
// without a "complete" event: the connection dropped, or the server shut
// down. Resume with the error's Cursor.
var ErrNoComplete = errors.New("event stream ended without complete")

// ErrIdle is the cause of a [StreamError] when nothing, not even a keep-alive
// ping, arrived for [SSE.IdleTimeout].
var ErrIdle = errors.New("event stream idle")

// StreamError is why a subscription ended other than by "complete",
// Unsubscribe or Close. Cursor is that of the last event delivered on it, ""
// before the first: subscribe again with after: Cursor (or with the after it
// was started with, when Cursor is "") to get exactly the events it missed.
type StreamError struct {
	SubscriptionID string
	Cursor         string
	Err            error
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("subscription %s (cursor %q): %v", e.SubscriptionID, e.Cursor, e.Err)
}

func (e *StreamError) Unwrap() error { return e.Err }

// SSE runs genqlient's subscriptions over graphql-sse in its "distinct
// connections" mode: each subscription is one POST with Accept:
// text/event-stream and the Bearer token, whose "next" events go to the
// subscription's channel until a "complete" event. It implements
// [graphql.WebSocketClient], so the generated MessageCreated takes it.
//
// Every subscription has one goroutine, which owns its request and its
// channel: it closes the channel when the stream ends, and ends when the
// stream does, on Unsubscribe or Close, or when the context of Start is done.
// After the channel closed, Err and Cursor say why and where it ended, until
// Unsubscribe (which is then still needed to forget it) or Close.
type SSE struct {
	// IdleTimeout, when set (before the first Subscribe), ends a subscription on which
	// nothing arrived for that long with ErrIdle. The server pings every
	// MESSENGER_KEEPALIVE (15 s by default); give it some margin.
	IdleTimeout time.Duration

	endpoint, token string
	httpClient      *http.Client
	nextID          atomic.Uint64
	wg              sync.WaitGroup

	mu      sync.Mutex
	ctx     context.Context // nil until Start
	cancel  context.CancelFunc
	errs    chan error
	subs    map[string]*sseSubscription
	closing bool
}

type sseSubscription struct {
	cancel   context.CancelFunc
	done     chan struct{} // closed after the channel is
	stopping atomic.Bool   // Unsubscribe or Close ended it
	idle     *time.Timer   // nil without IdleTimeout
	idled    atomic.Bool   // the idle timer ended it
	cursor   string        // under SSE.mu
	err      error         // under SSE.mu
}

// NewSSE returns a subscription client for endpoint (the server's /graphql
// URL) that sends token as a Bearer token. httpClient must not have a
// Timeout, which would cut streams; nil means [http.DefaultClient].
func NewSSE(endpoint, token string, httpClient *http.Client) *SSE {
	return &SSE{endpoint: endpoint, token: token, httpClient: orDefault(httpClient), subs: map[string]*sseSubscription{}}
}

// Start makes the client ready: there is no connection to open, every
// subscription opens its own. ctx bounds every subscription. The error
// channel gets a *StreamError for each subscription that ends abnormally
// (dropped when nobody reads it and its buffer is full: Err keeps it); it is
// closed by Close.
func (s *SSE) Start(ctx context.Context) (chan error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx != nil || s.closing {
		return nil, errors.New("client: SSE already started")
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.errs = make(chan error, 16)
	return s.errs, nil
}

// Subscribe sends the subscription and waits for the response's headers: an
// error status or a response that is not an event stream is returned as an
// error (a *graphql.HTTPError when it holds GraphQL errors). interfaceChan
// must be a channel of the generated response type.
func (s *SSE) Subscribe(req *graphql.Request, interfaceChan any, forward graphql.ForwardDataFunction) (string, error) {
	ch := reflect.ValueOf(interfaceChan)
	if ch.Kind() != reflect.Chan || ch.Type().ChanDir() != reflect.BothDir {
		return "", fmt.Errorf("client: SSE.Subscribe needs a channel, got %T", interfaceChan)
	}
	s.mu.Lock()
	base := s.ctx
	s.mu.Unlock()
	if base == nil {
		return "", errors.New("client: SSE not started")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(base)
	sub := &sseSubscription{cancel: cancel, done: make(chan struct{})}
	if s.IdleTimeout > 0 { // from now on: the response's headers count
		sub.idle = time.AfterFunc(s.IdleTimeout, func() { sub.idled.Store(true); cancel() })
	}
	fail := func(err error) (string, error) {
		sub.stop()
		if sub.idled.Load() {
			err = ErrIdle
		}
		return "", err
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("Accept", "text/event-stream")
	if s.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := s.httpClient.Do(httpReq)
	if err != nil {
		return fail(err)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); res.StatusCode != http.StatusOK || mt != "text/event-stream" {
		defer res.Body.Close()
		return fail(refusal(res))
	}
	id := "sse-" + strconv.FormatUint(s.nextID.Add(1), 10)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		res.Body.Close()
		return fail(errors.New("client: SSE closed"))
	}
	s.subs[id] = sub
	s.wg.Add(1)
	s.mu.Unlock()
	go s.run(ctx, id, sub, res.Body, ch, forward)
	return id, nil
}

// stop ends the subscription's request and its idle timer.
func (sub *sseSubscription) stop() {
	if sub.idle != nil {
		sub.idle.Stop()
	}
	sub.cancel()
}

// refusal is the error of a response that is not an event stream.
func refusal(res *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(res.Body, maxEventLine))
	var r graphql.Response
	if json.Unmarshal(raw, &r) == nil && len(r.Errors) > 0 {
		return &graphql.HTTPError{StatusCode: res.StatusCode, Response: r}
	}
	return fmt.Errorf("client: subscription refused: %s, %s: %.200q", res.Status, res.Header.Get("Content-Type"), raw)
}

// run reads one subscription's stream until it ends, then records why,
// closes the subscription's channel and reports an abnormal end.
func (s *SSE) run(ctx context.Context, id string, sub *sseSubscription, body io.ReadCloser, ch reflect.Value, forward graphql.ForwardDataFunction) {
	defer s.wg.Done()
	defer close(sub.done)
	err := s.read(ctx, sub, body, ch, forward)
	sub.stop()
	body.Close()
	if sub.idled.Load() {
		err = ErrIdle
	}
	var report error
	s.mu.Lock()
	if err != nil && !sub.stopping.Load() {
		sub.err = &StreamError{SubscriptionID: id, Cursor: sub.cursor, Err: err}
		report = sub.err
	}
	s.mu.Unlock()
	ch.Close()
	if report != nil {
		select {
		case s.errs <- report:
		default:
		}
	}
}

// read parses the event stream: "next" events are delivered, "complete" ends
// it (nil), and so does nothing else (ErrNoComplete, or the read's error).
func (s *SSE) read(ctx context.Context, sub *sseSubscription, body io.Reader, ch reflect.Value, forward graphql.ForwardDataFunction) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 4096), maxEventLine)
	var event string
	var data []byte
	for sc.Scan() {
		if sub.idle != nil {
			sub.idle.Reset(s.IdleTimeout)
		}
		line := sc.Bytes()
		if len(line) == 0 { // the end of an event
			switch event {
			case "next":
				if err := s.deliver(ctx, sub, data, ch, forward); err != nil {
					return err
				}
			case "complete":
				return nil
			}
			event, data = "", data[:0]
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "": // a comment (keep-alive ping)
		case "event":
			event = string(value)
		case "data":
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, value...)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return ErrNoComplete
}

// deliver hands one result to the subscription's channel through the
// generated forward function, which blocks on an unbuffered send: it sends
// to a buffered twin instead, and the value goes on from there unless the
// subscription ends first, so no send ever outlives the subscription.
func (s *SSE) deliver(ctx context.Context, sub *sseSubscription, data []byte, ch reflect.Value, forward graphql.ForwardDataFunction) error {
	twin := reflect.MakeChan(ch.Type(), 1)
	if err := forward(twin.Interface(), json.RawMessage(data)); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	v, ok := twin.TryRecv()
	if !ok {
		return errors.New("decode event: no result")
	}
	var ext struct {
		Extensions struct {
			Cursor string `json:"cursor"`
		} `json:"extensions"`
	}
	_ = json.Unmarshal(data, &ext)
	chosen, _, _ := reflect.Select([]reflect.SelectCase{
		{Dir: reflect.SelectSend, Chan: ch, Send: v},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
	})
	if chosen == 1 {
		return ctx.Err()
	}
	if ext.Extensions.Cursor != "" {
		s.mu.Lock()
		sub.cursor = ext.Extensions.Cursor
		s.mu.Unlock()
	}
	return nil
}

// Cursor returns the cursor of the last event the subscription delivered,
// "" before the first or for an unknown id.
func (s *SSE) Cursor(subscriptionID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[subscriptionID]; sub != nil {
		return sub.cursor
	}
	return ""
}

// Err returns why the subscription ended once its channel is closed: nil
// after "complete", else a *StreamError. It is nil while the subscription
// runs, and for an unknown id.
func (s *SSE) Err(subscriptionID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[subscriptionID]; sub != nil {
		return sub.err
	}
	return nil
}

// Unsubscribe ends the subscription (closing its request), waits until its
// channel is closed, and forgets it.
func (s *SSE) Unsubscribe(subscriptionID string) error {
	s.mu.Lock()
	sub := s.subs[subscriptionID]
	delete(s.subs, subscriptionID)
	s.mu.Unlock()
	if sub == nil {
		return fmt.Errorf("client: unknown subscription %q", subscriptionID)
	}
	sub.stopping.Store(true)
	sub.cancel()
	<-sub.done
	return nil
}

// Close ends every subscription, waits for their goroutines and closes the
// error channel. The client cannot be used afterwards.
func (s *SSE) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	subs := s.subs
	s.subs = map[string]*sseSubscription{}
	s.mu.Unlock()
	for _, sub := range subs {
		sub.stopping.Store(true)
		sub.cancel()
	}
	s.wg.Wait()
	if s.cancel != nil {
		s.cancel()
		close(s.errs)
	}
	return nil
}

var _ graphql.WebSocketClient = (*SSE)(nil)
