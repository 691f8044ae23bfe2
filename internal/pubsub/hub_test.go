package pubsub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

func TestHubFansOutToEverySubscriptionOfTheUserOnly(t *testing.T) {
	hub := pubsub.NewHub(0)
	alice1, alice2, bob := hub.Subscribe("alice"), hub.Subscribe("alice"), hub.Subscribe("bob")
	defer alice1.Close()
	defer alice2.Close()
	defer bob.Close()

	if got := hub.Count(); got != 3 {
		t.Fatalf("Count() = %d, want 3", got)
	}
	if got := hub.Users(); got != 2 {
		t.Fatalf("Users() = %d, want 2", got)
	}
	if alice1.UserID() != "alice" || bob.UserID() != "bob" {
		t.Fatalf("UserID() = %q, %q", alice1.UserID(), bob.UserID())
	}

	events := []chat.Event{event("alice", 1, "hi"), event("alice", 2, "there")}
	hub.Publish(context.Background(), events)

	for _, sub := range []*pubsub.Subscription{alice1, alice2} {
		for _, want := range events {
			assertEvent(t, receive(t, sub), want)
		}
	}
	// Publish is synchronous, so anything for bob would already be buffered.
	if n := len(bob.Events()); n != 0 {
		t.Fatalf("bob received %d events meant for alice", n)
	}
	select {
	case <-alice1.Lagged():
		t.Fatal("alice1 marked lagged without overflow")
	default:
	}
}

func TestHubOverflowMarksLaggedAndNeverBlocks(t *testing.T) {
	const total = 10_000
	const buffer = 16
	hub := pubsub.NewHub(buffer)
	idle := hub.Subscribe("u") // never reads
	reader := hub.Subscribe("u")
	defer idle.Close()
	defer reader.Close()

	done := make(chan error, 1)
	go func() {
		for seq := int64(1); seq <= total; seq++ {
			hub.Publish(context.Background(), []chat.Event{event("u", seq, "x")})
			select {
			case ev := <-reader.Events():
				if ev.Seq != seq {
					done <- fmt.Errorf("reader got seq %d, want %d", ev.Seq, seq)
					return
				}
			default:
				done <- fmt.Errorf("reader did not get seq %d", seq)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(guard):
		t.Fatal("Publish blocked on a subscription that never reads")
	}

	waitLagged(t, idle)
	if n := len(idle.Events()); n != buffer {
		t.Fatalf("idle subscription buffered %d events, want %d", n, buffer)
	}
	for seq := int64(1); seq <= buffer; seq++ {
		if ev := receive(t, idle); ev.Seq != seq {
			t.Fatalf("idle subscription kept seq %d, want %d (the oldest events)", ev.Seq, seq)
		}
	}
	select {
	case <-reader.Lagged():
		t.Fatal("reader marked lagged although it kept up")
	default:
	}
}

func TestHubCloseDuringPublishIsSafe(t *testing.T) {
	hub := pubsub.NewHub(4)
	stop := make(chan struct{})
	var publishers sync.WaitGroup
	for p := range 2 {
		publishers.Add(1)
		go func() {
			defer publishers.Done()
			for seq := int64(1); ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				hub.Publish(context.Background(), []chat.Event{event(fmt.Sprint("u", p%2), seq, "x")})
				hub.Resync()
			}
		}()
	}

	var subscribers sync.WaitGroup
	for i := range 200 {
		subscribers.Add(1)
		go func() {
			defer subscribers.Done()
			sub := hub.Subscribe(fmt.Sprint("u", i%2))
			for range i % 5 {
				select {
				case <-sub.Events():
				case <-sub.Lagged():
				}
			}
			sub.Close()
			sub.Close() // idempotent
			for range sub.Events() {
				// Drains what was buffered; the range ends because Close closed the channel.
			}
		}()
	}
	subscribers.Wait()
	close(stop)
	publishers.Wait()

	if hub.Count() != 0 || hub.Users() != 0 {
		t.Fatalf("Count() = %d, Users() = %d after every subscription closed, want 0, 0", hub.Count(), hub.Users())
	}
}

func TestHubForgetsClosedSubscriptions(t *testing.T) {
	hub := pubsub.NewHub(0)
	for i := range 1000 {
		a := hub.Subscribe(fmt.Sprint("user", i))
		b := hub.Subscribe(fmt.Sprint("user", i))
		hub.Publish(context.Background(), []chat.Event{event(a.UserID(), 1, "x")})
		a.Close()
		b.Close()
	}
	if hub.Count() != 0 || hub.Users() != 0 {
		t.Fatalf("Count() = %d, Users() = %d after 1000 subscribe/close cycles, want 0, 0", hub.Count(), hub.Users())
	}
}

func TestHubCloseClosesEventsAndStopsDelivery(t *testing.T) {
	hub := pubsub.NewHub(0)
	sub := hub.Subscribe("u")
	sub.Close()
	hub.Publish(context.Background(), []chat.Event{event("u", 1, "x")}) // must not panic
	if _, ok := <-sub.Events(); ok {
		t.Fatal("Events() delivered after Close")
	}
}

func TestHubResyncSignalsEverySubscriptionOnce(t *testing.T) {
	hub := pubsub.NewHub(0)
	a, b := hub.Subscribe("a"), hub.Subscribe("b")
	defer a.Close()
	defer b.Close()

	hub.Resync()
	hub.Resync() // a pending signal is not duplicated, and Resync never blocks
	for _, sub := range []*pubsub.Subscription{a, b} {
		waitLagged(t, sub)
		select {
		case <-sub.Lagged():
			t.Fatalf("%s signalled twice for one catch-up", sub.UserID())
		default:
		}
	}
}
