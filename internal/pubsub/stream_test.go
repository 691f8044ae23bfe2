package pubsub_test

// Tests of the delivery algorithm (Stream) against a real database and a
// real hub, without GraphQL or HTTP: what the live path loses, repeats or
// reorders, the stream reads back from the database, and every event of the
// user reaches the subscriber once, in seq order, with its message.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
	"github.com/messenger/messenger/internal/pubsub"
)

// gate is the live path between the chat service and the hub, under the
// test's control: each committed event passes to the hub unless drop says
// otherwise.
type gate struct {
	hub *pubsub.Hub

	mu   sync.Mutex
	drop func(chat.Event) bool
}

func (g *gate) Publish(ctx context.Context, events []chat.Event) {
	g.mu.Lock()
	drop := g.drop
	g.mu.Unlock()
	var pass []chat.Event
	for _, ev := range events {
		if drop == nil || !drop(ev) {
			pass = append(pass, ev)
		}
	}
	g.hub.Publish(ctx, pass)
}

func (g *gate) setDrop(drop func(chat.Event) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.drop = drop
}

// streamFixture is a database with two users in a direct conversation, and a
// hub fed through a gate.
type streamFixture struct {
	db         *database.DB
	svc        *chat.Service
	hub        *pubsub.Hub
	gate       *gate
	alice, bob *chat.User
	conv       *chat.Conversation
}

func newStreamFixture(t *testing.T, db *database.DB, hubBuffer int) *streamFixture {
	t.Helper()
	f := &streamFixture{db: db, hub: pubsub.NewHub(hubBuffer)}
	f.gate = &gate{hub: f.hub}
	f.svc = chat.NewService(db, f.gate)
	ctx := context.Background()
	var err error
	if f.alice, err = f.svc.SignUp(ctx, chat.SignUpInput{Username: "alice", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if f.bob, err = f.svc.SignUp(ctx, chat.SignUpInput{Username: "bob", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if f.conv, err = f.svc.StartDirectConversation(ctx, f.alice.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	return f
}

// send stores n messages from alice and returns them.
func (f *streamFixture) send(t *testing.T, n int, prefix string) []*chat.Message {
	t.Helper()
	var out []*chat.Message
	for i := range n {
		m, err := f.svc.CreateMessage(context.Background(), f.alice.ID,
			chat.CreateMessageInput{ConversationID: f.conv.ID, Content: fmt.Sprintf("%s %d", prefix, i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// running is a Stream being run by its own goroutine, as a transport runs it.
type running struct {
	events chan chat.Event // what deliver was given, unbuffered unless asked
	done   chan error      // Run's result
	cancel context.CancelFunc
}

// run subscribes bob, then runs a stream of his events after `after` that
// hands each delivered event to the returned channel (of the given buffer).
func (f *streamFixture) run(t *testing.T, after int64, filter func(chat.Event) bool, buffer int) *running {
	t.Helper()
	return f.runSubscribed(t, f.hub.Subscribe(f.bob.ID), after, filter, buffer)
}

// runLive runs a stream of bob's events from now on and returns once it is
// live: its replay is done (a first message came through).
func (f *streamFixture) runLive(t *testing.T, filter func(chat.Event) bool) *running {
	t.Helper()
	r := f.run(t, f.bobLast(t), filter, 0)
	r.expect(t, f.send(t, 1, "first"))
	return r
}

func (f *streamFixture) runSubscribed(t *testing.T, sub *pubsub.Subscription, after int64, filter func(chat.Event) bool, buffer int) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{events: make(chan chat.Event, buffer), done: make(chan error, 1), cancel: cancel}
	stream := pubsub.NewStream(sub, f.svc, after, filter)
	go func() {
		r.done <- stream.Run(ctx, func(ev chat.Event) bool {
			select {
			case r.events <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// expect reads len(want) events and fails unless they are want's messages,
// in order, each with its body, with bob's seqs ascending by one.
func (r *running) expect(t *testing.T, want []*chat.Message) {
	t.Helper()
	var prev int64
	for i, m := range want {
		var ev chat.Event
		select {
		case ev = <-r.events:
		case err := <-r.done:
			t.Fatalf("stream ended after %d of %d events: %v", i, len(want), err)
		case <-time.After(guard):
			t.Fatalf("event %d of %d not delivered", i, len(want))
		}
		if ev.Message == nil || ev.MessageID != m.ID || ev.Message.ID != m.ID || ev.Message.Content != m.Content {
			t.Fatalf("event %d: got message %q (%+v), want %q %q", i, ev.MessageID, ev.Message, m.ID, m.Content)
		}
		if prev != 0 && ev.Seq != prev+1 {
			t.Fatalf("event %d: seq %d after %d", i, ev.Seq, prev)
		}
		prev = ev.Seq
	}
}

// quiet fails if an event is delivered within a moment.
func (r *running) quiet(t *testing.T) {
	t.Helper()
	select {
	case ev := <-r.events:
		t.Fatalf("unexpected event %d (%s)", ev.Seq, ev.MessageID)
	case <-time.After(100 * time.Millisecond):
	}
}

func (f *streamFixture) bobLast(t *testing.T) int64 {
	t.Helper()
	seq, err := f.svc.LastEventSeq(context.Background(), f.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestStreamReplaysThenGoesLive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		stored := f.send(t, 3, "before")
		r := f.run(t, 1, nil, 0) // bob saw the first one
		r.expect(t, stored[1:])
		live := f.send(t, 3, "live")
		r.expect(t, live)
		r.quiet(t)
	})
}

func TestStreamDropsDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		// Subscribed before the messages commit: each reaches the stream
		// twice, from the replay and from the hub's buffer.
		sub := f.hub.Subscribe(f.bob.ID)
		sent := f.send(t, 5, "twice")
		r := f.runSubscribed(t, sub, 0, nil, 0)
		r.expect(t, sent)
		// An old event published again (a bus may repeat one) is dropped too.
		events, err := f.svc.EventsAfter(context.Background(), f.bob.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		f.hub.Publish(context.Background(), events[:2])
		r.quiet(t)
		next := f.send(t, 1, "after")
		r.expect(t, next)
		r.quiet(t)
	})
}

func TestStreamReadsBackAGap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		r := f.runLive(t, nil)
		// The next two never reach the hub; the one after does, and shows
		// the gap, which the stream fills from the database in order.
		f.gate.setDrop(func(chat.Event) bool { return true })
		lost := f.send(t, 2, "lost")
		r.quiet(t)
		f.gate.setDrop(nil)
		after := f.send(t, 1, "after the gap")
		r.expect(t, append(lost, after...))
		r.quiet(t)
	})
}

func TestStreamCatchesUpWhenLagged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		const n = 60
		f := newStreamFixture(t, db, 4) // a hub buffer of 4 events
		r := f.runLive(t, nil)
		// Nobody reads while n messages commit: the subscription overflows
		// many times and is marked lagged; the stream then reads back what
		// the hub dropped.
		sent := f.send(t, n, "burst")
		r.expect(t, sent)
		r.quiet(t)
		more := f.send(t, 2, "then live")
		r.expect(t, more)
	})
}

func TestStreamCatchesUpOnResync(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		r := f.runLive(t, nil)
		// A bus outage: events commit but none reaches this instance, and
		// no later event shows the gap. The bus's reconnect resyncs the hub.
		f.gate.setDrop(func(chat.Event) bool { return true })
		missed := f.send(t, 3, "during the outage")
		r.quiet(t)
		f.gate.setDrop(nil)
		f.hub.Resync()
		r.expect(t, missed)
		r.quiet(t)
	})
}

func TestStreamFetchesBodiesAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		ctx := context.Background()
		carol, err := f.svc.SignUp(ctx, chat.SignUpInput{Username: "carol", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.StartDirectConversation(ctx, carol.ID, "bob")
		if err != nil {
			t.Fatal(err)
		}
		onlyAliceAndBob := func(ev chat.Event) bool { return ev.ConversationID == f.conv.ID }
		r := f.runLive(t, onlyAliceAndBob)
		// A bus carries large events without their body: the stream fetches it.
		f.gate.setDrop(func(ev chat.Event) bool {
			bare := ev
			bare.Message = nil
			f.hub.Publish(ctx, []chat.Event{bare})
			return true
		})
		sent := f.send(t, 2, "bare")
		r.expect(t, sent)
		f.gate.setDrop(nil)
		// carol's message to bob is filtered out, yet moves the stream past
		// its seq: the next one is no gap and nothing is read twice.
		if _, err := f.svc.CreateMessage(ctx, carol.ID, chat.CreateMessageInput{ConversationID: other.ID, Content: "hi bob"}); err != nil {
			t.Fatal(err)
		}
		r.quiet(t)
		next := f.send(t, 1, "after carol")
		r.expect(t, next)
		r.quiet(t)
	})
}

func TestStreamEndsOnDatabaseFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		r := f.runLive(t, nil)
		sqlDB, err := db.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		if err := sqlDB.Close(); err != nil {
			t.Fatal(err)
		}
		f.hub.Resync() // the stream must read the database, which fails
		select {
		case err := <-r.done:
			r.done <- err // for the cleanup
			if err == nil {
				t.Fatal("Run returned no error after the database failed")
			}
		case <-time.After(guard):
			t.Fatal("the stream did not end when the database failed")
		}
		if n := f.hub.Count(); n != 0 {
			t.Fatalf("%d subscriptions left after the stream ended", n)
		}
	})
}

func TestStreamEndsWithItsContext(t *testing.T) {
	f := newStreamFixture(t, dbtest.SQLite(t), 0)
	r := f.run(t, 0, nil, 0)
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("the stream did not end with its context")
	}
	if n := f.hub.Count(); n != 0 {
		t.Fatalf("%d subscriptions left after the stream ended", n)
	}
}
