package pubsub_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/messenger/messenger/internal/chat"
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
