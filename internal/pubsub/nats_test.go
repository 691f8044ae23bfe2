package pubsub_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/proxytest"
	"github.com/messenger/messenger/internal/pubsub"
)

// natsURL returns the test NATS server's URL, failing on CI and skipping
// elsewhere when it is unreachable.
func natsURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("MESSENGER_TEST_NATS")
	if u == "" {
		u = "nats://127.0.0.1:4222"
	}
	conn, err := net.DialTimeout("tcp", natsHost(t, u), guard)
	if err != nil {
		unavailable(t, "nats", err)
	}
	_ = conn.Close()
	return u
}

// natsHost returns the host:port of a nats:// URL.
func natsHost(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatalf("parse NATS URL %q: %v", u, err)
	}
	return parsed.Host
}

// testSecret is the token secret shared by the instances of a test.
const testSecret = "pubsub-test-secret-0123456789abcdef"

// newNATSInstance returns a hub and the NATS bus feeding it, keyed with
// testSecret and closed with the test.
func newNATSInstance(t *testing.T, url string) (*pubsub.Hub, *pubsub.NATSBus) {
	t.Helper()
	in := newNATSInstanceWith(t, url, pubsub.NATSOptions{}, testSecret)
	return in.hub, in.bus.(*pubsub.NATSBus)
}

// newNATSInstanceWith returns an instance on a NATS bus connected to url
// with opts and keyed with secret, closed with the test.
func newNATSInstanceWith(t *testing.T, url string, opts pubsub.NATSOptions, secret string) instance {
	t.Helper()
	in := instance{hub: pubsub.NewHub(0), key: newKey(t, secret), metrics: metrics.New()}
	bus, err := pubsub.NewNATSBus(url, opts, in.key, in.hub, in.metrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	in.bus = bus
	return in
}

func TestNATSBusDeliversToEveryInstance(t *testing.T) {
	url := natsURL(t)
	hubA, busA := newNATSInstance(t, url)
	hubB, _ := newNATSInstance(t, url)
	assertDeliversToEveryInstance(t, busA, hubA, hubB)
}

func TestNATSBusRoutesUserIDsThatAreNotSubjectTokens(t *testing.T) {
	url := natsURL(t)
	hub, bus := newNATSInstance(t, url)
	user := "a.b*" + newID(t)
	sub := hub.Subscribe(user)
	defer sub.Close()

	want := event(user, 1, "hello")
	bus.Publish(context.Background(), []chat.Event{want})
	assertEvent(t, receive(t, sub), want)
}

func TestNATSBusReconnectsResyncsAndFlushesBufferedPublishes(t *testing.T) {
	url := natsURL(t)
	proxy := proxytest.Start(t, natsHost(t, url))
	hubA, busA := newNATSInstance(t, url)
	hubB, busB := newNATSInstance(t, "nats://"+proxy.Addr())
	user := newID(t)
	subA, subB := hubA.Subscribe(user), hubB.Subscribe(user)
	defer subA.Close()
	defer subB.Close()

	// Cut B off from NATS and keep it off until it knows.
	proxy.SetPaused(true)
	proxy.Cut()
	deadline := time.Now().Add(guard)
	for !busB.Reconnecting() {
		if time.Now().After(deadline) {
			t.Fatal("bus did not notice the cut connection")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Publishing while disconnected returns at once; the client buffers it.
	buffered := event(user, 1, "sent during the outage")
	busB.Publish(context.Background(), []chat.Event{buffered})

	proxy.SetPaused(false)
	waitLagged(t, subB)
	assertEvent(t, receive(t, subA), buffered)

	want := event(user, 2, "after reconnect")
	busA.Publish(context.Background(), []chat.Event{want})
	assertEvent(t, receive(t, subA), want)
	// B's own buffered event may or may not reach it (it caught up from the
	// database anyway); the next live one must.
	for ev := receive(t, subB); ev.Seq != want.Seq; ev = receive(t, subB) {
		assertEvent(t, ev, buffered)
	}
}
