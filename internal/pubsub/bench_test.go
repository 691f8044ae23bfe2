package pubsub_test

// Micro-benchmarks of the live path, comparable across changes with
// benchstat: go test -run '^$' -bench . -count 10 ./internal/pubsub/ > old.txt

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

// BenchmarkHubPublish publishes one message's events (one per member of a
// group) to a hub where every member has one reading subscription and
// `idle` other users are subscribed too: the cost of the fan-out on the
// sender's request, which must not grow with unrelated streams.
func BenchmarkHubPublish(b *testing.B) {
	for _, c := range []struct{ members, idle int }{{2, 0}, {32, 0}, {256, 0}, {2, 10000}} {
		b.Run(fmt.Sprintf("members=%d/idle=%d", c.members, c.idle), func(b *testing.B) {
			hub := pubsub.NewHub(0)
			for i := range c.idle {
				defer hub.Subscribe(fmt.Sprint("idle", i)).Close()
			}
			events := make([]chat.Event, c.members)
			for i := range events {
				user := fmt.Sprint("member", i)
				sub := hub.Subscribe(user)
				defer sub.Close()
				go func() { // drains, as a live stream does
					for range sub.Events() {
					}
				}()
				events[i] = event(user, 1, "hello")
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				hub.Publish(ctx, events)
			}
		})
	}
}

// BenchmarkEventCodec encodes and decodes one authenticated bus payload of a
// message event, as the postgres and NATS buses do for every recipient.
func BenchmarkEventCodec(b *testing.B) {
	key, err := pubsub.NewKey([]byte("a benchmark secret that is long enough"))
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{20, 1000, 4000} {
		ev := event("0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5e", 42, strings.Repeat("x", size))
		b.Run(fmt.Sprintf("content=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := pubsub.EncodeEvent(key, ev, 7900)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := pubsub.DecodeEvent(key, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
