package pubsub_test

// Tests of the Stream with kinds of event other than new messages: typing
// events are live only and never move the stream; events carried without
// their payload are read back from the log.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
	"github.com/messenger/messenger/internal/pubsub"
)

// next returns the next delivered event, failing the test if none comes.
func (r *running) next(t *testing.T) chat.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event delivered")
		return chat.Event{}
	}
}

func TestStreamTypingIsLiveOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		ctx := context.Background()
		r := f.runLive(t, nil)
		last := f.bobLast(t)
		if err := f.svc.SendTyping(ctx, f.alice.ID, f.conv.ID); err != nil {
			t.Fatal(err)
		}
		ev := r.next(t)
		if ev.Kind != chat.EventKindTyping || ev.Seq != 0 || ev.Payload.(chat.Typing).TypistID != f.alice.ID {
			t.Fatalf("got %+v", ev)
		}
		// The stream's position did not move: the next stored event is
		// delivered next, without a catch-up of anything else.
		r.expect(t, f.send(t, 1, "after typing"))
		if f.bobLast(t) != last+1 {
			t.Fatalf("bob's stream at %d, want %d", f.bobLast(t), last+1)
		}
		// A replay never shows typing.
		replay := f.run(t, 0, nil)
		for range last + 1 {
			if ev := replay.next(t); ev.Kind == chat.EventKindTyping {
				t.Fatal("typing replayed")
			}
		}
	})
}

func TestStreamRereadsEventsWithoutPayload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newStreamFixture(t, db, 0)
		ctx := context.Background()
		r := f.runLive(t, nil)
		// The live path strips the payload, as a bus does for large events.
		f.svc = chat.NewService(db, &stripper{hub: f.hub})
		if _, err := f.svc.MarkConversationAsRead(ctx, f.bob.ID, f.conv.ID, nil); err != nil {
			t.Fatal(err)
		}
		ev := r.next(t)
		if p, ok := ev.Payload.(chat.ReadMarkerMoved); !ok || p.ReaderID != f.bob.ID || p.LastReadSeq != 1 {
			t.Fatalf("got %+v (payload %+v)", ev, ev.Payload)
		}
	})
}

// stripper publishes events without their payload.
type stripper struct{ hub *pubsub.Hub }

func (s *stripper) Publish(ctx context.Context, events []chat.Event) {
	for i := range events {
		events[i], _ = events[i].Strip()
	}
	s.hub.Publish(ctx, events)
}

func TestEncodeStripsLargePayloads(t *testing.T) {
	key := newKey(t, testSecret)
	ev := chat.Event{UserID: "u", Seq: 3, Kind: chat.EventKindParticipantsChanged, ConversationID: "c",
		Payload: chat.ParticipantsChanged{ByID: "a", Added: strings.Fields(strings.Repeat("0196a3c2-8d7e-7b1c-9f00-123456789abc ", 256))}}
	p, err := pubsub.EncodeEvent(key, ev, 7900)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pubsub.DecodeEvent(key, p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Payload != nil || got.Seq != 3 || got.Kind != ev.Kind || !got.Incomplete() {
		t.Fatalf("got %+v", got)
	}
}

func TestEncodeKeepsEphemeralEventsWhole(t *testing.T) {
	key := newKey(t, testSecret)
	// A typing event cannot be read back from the log: it is sent whole or
	// not at all.
	small := chat.Event{UserID: "u", Kind: chat.EventKindTyping, ConversationID: "c", Payload: chat.Typing{TypistID: "a"}}
	p, err := pubsub.EncodeEvent(key, small, 7900)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pubsub.DecodeEvent(key, p); err != nil || got.Payload != small.Payload {
		t.Fatalf("got %+v, %v", got, err)
	}
	large := small
	large.ConversationID = strings.Repeat("c", 8000)
	if _, err := pubsub.EncodeEvent(key, large, 7900); err == nil {
		t.Fatal("a typing event too large for the bus was sent without its payload")
	}
}
