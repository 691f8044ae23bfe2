package pubsub_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

// guard bounds every wait: a test that needs it has failed, it is not a timing.
const guard = 10 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// unavailable fails the test when a required service is unreachable on CI and
// skips it elsewhere.
func unavailable(t *testing.T, service string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s unreachable (required when CI is set): %v", service, err)
	}
	t.Skipf("%s unreachable, skipping: %v", service, err)
}

// newID returns a random ID, so tests sharing a server never see each other's users.
func newID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// event returns a message_created event for userID carrying a message of content.
func event(userID string, seq int64, content string) chat.Event {
	msg := &chat.Message{
		ID:             "m" + hex.EncodeToString([]byte{byte(seq)}),
		ConversationID: "c1",
		Seq:            seq,
		SenderID:       "sender",
		Content:        content,
		CreatedAt:      time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
	}
	return chat.Event{
		UserID:         userID,
		Seq:            seq,
		Kind:           chat.EventKindMessageCreated,
		ConversationID: msg.ConversationID,
		MessageID:      msg.ID,
		Message:        msg,
	}
}

// receive returns the next event of sub, failing the test if none comes.
func receive(t *testing.T, sub *pubsub.Subscription) chat.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatal("events channel closed")
		}
		return ev
	case <-time.After(guard):
		t.Fatal("no event received")
	}
	return chat.Event{}
}

// waitLagged fails the test unless sub is signalled as lagged.
func waitLagged(t *testing.T, sub *pubsub.Subscription) {
	t.Helper()
	select {
	case <-sub.Lagged():
	case <-time.After(guard):
		t.Fatal("subscription was not signalled as lagged")
	}
}

// assertEvent fails the test unless got and want encode identically.
func assertEvent(t *testing.T, got, want chat.Event) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("got event %s, want %s", g, w)
	}
}

// assertDeliversToEveryInstance publishes on busA (feeding hubA) and checks
// that the subscriptions of both hubs receive the events, in order.
func assertDeliversToEveryInstance(t *testing.T, busA pubsub.Bus, hubA, hubB *pubsub.Hub) {
	t.Helper()
	user := newID(t)
	subA, subB := hubA.Subscribe(user), hubB.Subscribe(user)
	defer subA.Close()
	defer subB.Close()

	events := []chat.Event{event(user, 1, "hello"), event(user, 2, "world")}
	busA.Publish(context.Background(), events)
	for _, sub := range []*pubsub.Subscription{subA, subB} {
		for _, want := range events {
			assertEvent(t, receive(t, sub), want)
		}
	}
}

// newKey returns the bus key derived from secret.
func newKey(t *testing.T, secret string) pubsub.Key {
	t.Helper()
	key, err := pubsub.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// refusedEvents returns how many bus events m has counted as not authentic.
func refusedEvents(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `messenger_refusals_total{limit="bus_unauthenticated"} `); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return n
		}
	}
	return 0
}

// instance is one process's side of a bus under test.
type instance struct {
	hub     *pubsub.Hub
	bus     pubsub.Bus
	key     pubsub.Key
	metrics *metrics.Metrics
}

// publish sends events through the instance's bus and returns once the bus's
// server has them, so that anything published afterwards, from any
// connection, reaches receivers after them.
func (in instance) publish(t *testing.T, events ...chat.Event) {
	t.Helper()
	in.bus.Publish(context.Background(), events)
	if f, ok := in.bus.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

// assertRefusesForgeries hands forged payloads about a fresh user to inject,
// which must put them on the bus's transport directly and return once its
// server has them; then it publishes an authentic event through in's bus.
// The subscription must receive the authentic event first and nothing else,
// and in's counter must have counted every forgery (other processes on a
// shared server may add to it, never take away).
func assertRefusesForgeries(t *testing.T, in instance, inject func(t *testing.T, user string, payloads [][]byte)) {
	t.Helper()
	user := newID(t)
	sub := in.hub.Subscribe(user)
	defer sub.Close()

	forged := event(user, 1, "forged")
	body, err := json.Marshal(forged)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := json.Marshal(event(user, 1, "authentic, whose MAC is reused"))
	otherSealed := pubsub.Seal(in.key, other)
	payloads := map[string][]byte{
		"no MAC":                          body,
		"empty":                           {},
		"MAC of another key":              pubsub.Seal(newKey(t, "another secret"), body),
		"MAC of another event":            append(otherSealed[:len(otherSealed)-len(other):len(otherSealed)-len(other)], body...),
		"authentic but truncated":         otherSealed[:len(otherSealed)-1],
		"MAC alone":                       otherSealed[:len(otherSealed)-len(other)],
		"authentic MAC of malformed JSON": pubsub.Seal(in.key, []byte(`{"userId":"`+user+`","seq":1,`)),
	}
	before := refusedEvents(t, in.metrics)
	for name, p := range payloads {
		t.Logf("injecting %s: %q", name, p)
		inject(t, user, [][]byte{p})
	}

	want := event(user, 1, "authentic")
	in.publish(t, want)
	assertEvent(t, receive(t, sub), want)
	select {
	case ev := <-sub.Events():
		t.Fatalf("received %+v after the authentic event", ev)
	default:
	}
	if got := refusedEvents(t, in.metrics) - before; got < float64(len(payloads)) {
		t.Fatalf("%v bus events counted as refused, want at least %d", got, len(payloads))
	}
}

// assertKeysSeparate checks that instances whose keys differ drop each
// other's events, counting them, and still receive their own.
func assertKeysSeparate(t *testing.T, a, b instance) {
	t.Helper()
	user := newID(t)
	subA, subB := a.hub.Subscribe(user), b.hub.Subscribe(user)
	defer subA.Close()
	defer subB.Close()

	a1, b1, a2 := event(user, 1, "from A"), event(user, 1, "from B"), event(user, 2, "from A again")
	refusedA, refusedB := refusedEvents(t, a.metrics), refusedEvents(t, b.metrics)
	a.publish(t, a1)
	b.publish(t, b1) // reaches A between a1 and a2
	a.publish(t, a2) // reaches B after b1
	assertEvent(t, receive(t, subA), a1)
	assertEvent(t, receive(t, subA), a2)
	assertEvent(t, receive(t, subB), b1)
	// A refused b1 before taking a2, and B refused a1 before taking b1.
	if got := refusedEvents(t, a.metrics) - refusedA; got < 1 {
		t.Errorf("A counted %v refused events, want at least 1", got)
	}
	if got := refusedEvents(t, b.metrics) - refusedB; got < 1 {
		t.Errorf("B counted %v refused events, want at least 1", got)
	}
}
