package pubsub_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/messenger/messenger/internal/chat"
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

// newPostgresInstance returns a hub and the PostgreSQL bus feeding it, closed with the test.
func newPostgresInstance(t *testing.T, url string) (*pubsub.Hub, *pubsub.PostgresBus) {
	t.Helper()
	hub := pubsub.NewHub(0)
	bus, err := pubsub.NewPostgresBus(context.Background(), url, hub, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	return hub, bus
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
	want.Message = nil
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
