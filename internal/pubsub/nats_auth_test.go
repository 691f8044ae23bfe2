package pubsub_test

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/messenger/messenger/internal/pubsub"
)

// publishRaw sends payloads on the user's subject from a connection of its
// own, as any client of the NATS server can.
func publishRaw(url string) func(t *testing.T, user string, payloads [][]byte) {
	return func(t *testing.T, user string, payloads [][]byte) {
		t.Helper()
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		for _, p := range payloads {
			if err := nc.Publish(pubsub.NATSSubject(user), p); err != nil {
				t.Fatal(err)
			}
		}
		if err := nc.FlushTimeout(guard); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNATSBusRefusesForgedEvents(t *testing.T) {
	url := natsURL(t)
	assertRefusesForgeries(t, newNATSInstanceWith(t, url, testSecret), publishRaw(url))
}

func TestNATSBusesWithDifferentSecretsRefuseEachOther(t *testing.T) {
	url := natsURL(t)
	assertKeysSeparate(t,
		newNATSInstanceWith(t, url, testSecret),
		newNATSInstanceWith(t, url, "another secret"))
}

func TestNATSBusErrorsDoNotShowTheURLsCredentials(t *testing.T) {
	_, err := pubsub.NewNATSBus("nats://s3cr3t-token@127.0.0.1:4222:bad", newKey(t, testSecret), pubsub.NewHub(0), nil, nil)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("got %v, want an error without the token", err)
	}
}
