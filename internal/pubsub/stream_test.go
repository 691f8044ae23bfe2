package pubsub_test

// Tests of the delivery algorithm (Stream) against a real database and a
// real hub, without GraphQL or HTTP: what the live path loses, repeats or
// reorders, the stream reads back from the database, and every event of the
// user reaches the subscriber once, in seq order, with its message.

import (
	"context"
	"fmt"
	"runtime"
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
	start      int64 // bob's last seq once the conversation exists
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
	f.start = f.bobLast(t)
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

// running is an open Stream of bob's events, read by the test.
type running struct {
	events <-chan chat.Event // the stream's channel, closed when it ends
	failed chan error        // what the stream's Failed was told
	cancel context.CancelFunc
}

// run opens a stream of bob's events after `after`, with the hub's buffer
// size as its queue bound.
func (f *streamFixture) run(t *testing.T, after int64, filter func(chat.Event) bool) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{failed: make(chan error, 1), cancel: cancel}
	r.events = pubsub.OpenStream(ctx, f.hub, f.svc, pubsub.StreamSpec[chat.Event]{
		UserID: f.bob.ID,
		After:  after,
		Filter: filter,
		Value:  func(ev chat.Event) chat.Event { return ev },
		Failed: func(err error) { r.failed <- err },
	})
	t.Cleanup(func() {
		cancel()
		for range r.events { // until the stream closes it
		}
	})
	return r
}

// runLive runs a stream of bob's events from now on and returns once it is
// live: its replay is done (a first message came through).
func (f *streamFixture) runLive(t *testing.T, filter func(chat.Event) bool) *running {
	t.Helper()
	r := f.run(t, f.bobLast(t), filter)
	r.expect(t, f.send(t, 1, "first"))
	return r
}

// ended waits for the stream's channel to close.
func (r *running) ended(t *testing.T) {
	t.Helper()
	for {
		select {
		case _, open := <-r.events:
			if !open {
				return
			}
		case <-time.After(guard):
			t.Fatal("the stream did not end")
		}
	}
}

// expect reads len(want) events and fails unless they are want's messages,
// in order, each with its body, with bob's seqs ascending by one.
func (r *running) expect(t *testing.T, want []*chat.Message) {
	t.Helper()
	var prev int64
	for i, m := range want {
		var ev chat.Event
		select {
		case e, open := <-r.events:
			if !open {
				t.Fatalf("stream ended after %d of %d events", i, len(want))
			}
			ev = e
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
	case ev, open := <-r.events:
		if !open {
			t.Fatal("the stream ended")
		}
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
		r := f.run(t, f.start+1, nil) // bob saw the first one
		r.expect(t, stored[1:])
		live := f.send(t, 3, "live")
		r.expect(t, live)
		r.quiet(t)
	})
}

func TestStreamDropsDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		// Held back while the stream replays them from the database, then
		// published: each reaches the stream twice.
		var held []chat.Event
		f.gate.setDrop(func(ev chat.Event) bool { held = append(held, ev); return true })
		sent := f.send(t, 5, "twice")
		f.gate.setDrop(nil)
		r := f.run(t, f.start, nil)
		r.expect(t, sent)
		f.hub.Publish(context.Background(), held)
		r.quiet(t)
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
		f := newStreamFixture(t, db, 4) // streams queue at most 4 events
		r := f.runLive(t, nil)
		// Nobody reads while n messages commit: the queue overflows many
		// times; the stream then reads back what it dropped.
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
		case err := <-r.failed:
			if err == nil {
				t.Fatal("Failed was told of no error")
			}
		case <-time.After(guard):
			t.Fatal("the stream did not report the database's failure")
		}
		r.ended(t)
		if n := f.hub.Count(); n != 0 {
			t.Fatalf("%d subscriptions left after the stream ended", n)
		}
	})
}

func TestStreamEndsWithItsContext(t *testing.T) {
	f := newStreamFixture(t, dbtest.SQLite(t), 0)
	r := f.run(t, 0, nil)
	r.cancel()
	r.ended(t)
	if n := f.hub.Count(); n != 0 {
		t.Fatalf("%d subscriptions left after the stream ended", n)
	}
	select {
	case err := <-r.failed:
		t.Fatalf("Failed after cancel: %v", err)
	default:
	}
}

func TestStreamEndsWithItsSession(t *testing.T) {
	f := newStreamFixture(t, dbtest.SQLite(t), 0)
	r := &running{failed: make(chan error, 1)}
	r.events = pubsub.OpenStream(context.Background(), f.hub, f.svc, pubsub.StreamSpec[chat.Event]{
		UserID: f.bob.ID, SessionID: "s1", After: f.bobLast(t),
		Value: func(ev chat.Event) chat.Event { return ev },
	})
	r.expect(t, f.send(t, 1, "first"))
	f.hub.Publish(context.Background(), []chat.Event{{UserID: f.bob.ID, Kind: chat.EventKindSessionEnded, Payload: chat.SessionEnded{SessionID: "s1"}}})
	r.ended(t)
	if n := f.hub.Count(); n != 0 {
		t.Fatalf("%d subscriptions left after the session ended", n)
	}
}

// An idle stream holds no goroutine: one runs only while there is
// something to deliver.
func TestIdleStreamHoldsNoGoroutine(t *testing.T) {
	f := newStreamFixture(t, dbtest.SQLite(t), 0)
	base := runtime.NumGoroutine()
	const n = 50
	streams := make([]*running, n)
	for i := range streams {
		streams[i] = f.run(t, f.start, nil)
	}
	sent := f.send(t, 1, "hello")
	for _, r := range streams {
		r.expect(t, sent)
	}
	deadline := time.Now().Add(guard)
	for runtime.NumGoroutine() > base+n/10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines for %d idle streams (%d before)", runtime.NumGoroutine(), n, base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
