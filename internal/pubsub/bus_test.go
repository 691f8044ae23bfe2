package pubsub_test

import (
	"context"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

func TestOpenMemoryBusDeliversToTheLocalHub(t *testing.T) {
	hub := pubsub.NewHub(0)
	bus, err := pubsub.Open(context.Background(), pubsub.Config{Spec: "memory"}, hub)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	if _, ok := bus.(*pubsub.MemoryBus); !ok {
		t.Fatalf("Open(memory) returned %T", bus)
	}
	sub := hub.Subscribe("u")
	defer sub.Close()

	want := event("u", 1, "hello")
	bus.Publish(context.Background(), []chat.Event{want})
	assertEvent(t, receive(t, sub), want)
}

func TestOpenRejectsAnUnknownBus(t *testing.T) {
	if _, err := pubsub.Open(context.Background(), pubsub.Config{Spec: "kafka"}, pubsub.NewHub(0)); err == nil {
		t.Fatal("Open(kafka) succeeded")
	}
}

func TestOpenRefusesNATSFilesForAnotherBus(t *testing.T) {
	cfg := pubsub.Config{Spec: "memory", NATS: pubsub.NATSOptions{CAFile: "ca.pem"}}
	if _, err := pubsub.Open(context.Background(), cfg, pubsub.NewHub(0)); err == nil {
		t.Fatal("Open(memory) with a NATS CA file succeeded")
	}
}
