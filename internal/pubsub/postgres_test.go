package pubsub_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

// postgresURL returns the test database's URL, failing on CI and skipping
// elsewhere when it is unreachable.
func postgresURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("MESSENGER_TEST_POSTGRES")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		unavailable(t, "postgres", err)
	}
	_ = conn.Close(ctx)
	return url
}

// newPostgresInstance returns a hub and the PostgreSQL bus feeding it, keyed
// with testSecret and closed with the test.
func newPostgresInstance(t *testing.T, url string) (*pubsub.Hub, *pubsub.PostgresBus) {
	t.Helper()
	in := newPostgresInstanceWith(t, url, testSecret)
	return in.hub, in.bus.(*pubsub.PostgresBus)
}

// newPostgresInstanceWith returns an instance on a PostgreSQL bus keyed with
// secret, closed with the test.
func newPostgresInstanceWith(t *testing.T, url, secret string) instance {
	t.Helper()
	in := instance{hub: pubsub.NewHub(0), key: newKey(t, secret), metrics: metrics.New()}
	bus, err := pubsub.NewPostgresBus(context.Background(), url, in.key, in.hub, in.metrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	in.bus = bus
	return in
}

func TestPostgresBusDeliversToEveryInstance(t *testing.T) {
	url := postgresURL(t)
	hubA, busA := newPostgresInstance(t, url)
	hubB, _ := newPostgresInstance(t, url)
	assertDeliversToEveryInstance(t, busA, hubA, hubB)
}

func TestPostgresBusSendsLargeEventsWithoutTheirBody(t *testing.T) {
	url := postgresURL(t)
	_, busA := newPostgresInstance(t, url)
	hubB, _ := newPostgresInstance(t, url)
	user := newID(t)
	sub := hubB.Subscribe(user)
	defer sub.Close()

	large := event(user, 1, strings.Repeat("x", 10_000))
	busA.Publish(context.Background(), []chat.Event{large})
	want := large
	want, _ = want.Strip()
	assertEvent(t, receive(t, sub), want)
}

func TestPostgresBusReconnectsAndResyncs(t *testing.T) {
	url := postgresURL(t)
	_, busA := newPostgresInstance(t, url)
	hubB, busB := newPostgresInstance(t, url)
	user := newID(t)
	sub := hubB.Subscribe(user)
	defer sub.Close()

	pid := busB.ListenerPID()
	if pid == 0 {
		t.Fatal("ListenerPID() = 0 on a connected bus")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var terminated bool
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&terminated); err != nil || !terminated {
		t.Fatalf("terminate listener backend %d: %v, %v", pid, terminated, err)
	}

	// The bus reconnects, listens again, then tells the subscription to catch up.
	waitLagged(t, sub)
	if got := busB.ListenerPID(); got == 0 || got == pid {
		t.Fatalf("ListenerPID() = %d after reconnect, want a new backend (old %d)", got, pid)
	}
	want := event(user, 2, "after reconnect")
	busA.Publish(ctx, []chat.Event{want})
	assertEvent(t, receive(t, sub), want)
}

// notifyRaw sends payloads on the bus's channel from a connection of its own,
// as anyone allowed to connect to the database can.
func notifyRaw(url string) func(t *testing.T, user string, payloads [][]byte) {
	return func(t *testing.T, _ string, payloads [][]byte) {
		t.Helper()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, p := range payloads {
			if _, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", pubsub.PostgresChannel, string(p)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestPostgresBusRefusesForgedEvents(t *testing.T) {
	url := postgresURL(t)
	assertRefusesForgeries(t, newPostgresInstanceWith(t, url, testSecret), notifyRaw(url))
}

func TestPostgresBusesWithDifferentSecretsRefuseEachOther(t *testing.T) {
	url := postgresURL(t)
	assertKeysSeparate(t, newPostgresInstanceWith(t, url, testSecret), newPostgresInstanceWith(t, url, "another secret"))
}
