package main

// A forged event on the bus between instances, published straight onto NATS
// or NOTIFY by someone who does not know the token secret, must neither reach
// a stream nor stop the real event with its seq from being delivered live.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/messenger/messenger/internal/chat"
)

// refusedBusEvents returns the bus events p has dropped as not authentic.
func (p *serverProcess) refusedBusEvents(t testing.TB) float64 {
	t.Helper()
	res, err := metricsClient.Get(p.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `messenger_refusals_total{limit="bus_unauthenticated"} `); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return 0
}

// envValue returns the value of key in env.
func envValue(env []string, key string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v
		}
	}
	return ""
}

// injectRaw puts payloads about userID on the bus named by env, from a
// connection of its own, and returns once the bus's server has them.
func injectRaw(t *testing.T, env []string, userID string, payloads [][]byte) {
	t.Helper()
	ctx := context.Background()
	if bus := envValue(env, "MESSENGER_BUS"); bus != "postgres" {
		nc, err := nats.Connect(bus)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if strings.ContainsAny(userID, ".*> ") {
			t.Fatalf("user id %q is not a subject token", userID)
		}
		for _, p := range payloads {
			if err := nc.Publish("messenger.events."+userID, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := nc.FlushTimeout(busGuard); err != nil {
			t.Fatal(err)
		}
		return
	}
	conn, err := pgx.Connect(ctx, envValue(env, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, p := range payloads {
		if _, err := conn.Exec(ctx, "SELECT pg_notify('messenger_events', $1)", string(p)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInstancesRefuseForgedBusEvents: events forged for alice's next seqs
// and injected on the bus are dropped and counted by her instance, and bob's
// real message, sent afterwards through the other instance, is the one her
// stream receives live.
func TestInstancesRefuseForgedBusEvents(t *testing.T) {
	for _, bus := range buses {
		t.Run(bus.name, func(t *testing.T) {
			envA, envB, _ := bus.setup(t)
			a := startServer(t, envA...)
			b := startServer(t, envB...)
			aliceToken, aliceID := a.signUp(t, "alice")
			bobToken, bobID := b.signUp(t, "bob")
			conv := b.direct(t, bobToken, "alice")
			if t.Failed() {
				t.FailNow()
			}
			stream := a.subscribePOST(t, aliceToken, nil)
			a.waitSubscriptionsAtLeast(t, 1)

			var forged [][]byte
			for seq := int64(1); seq <= 3; seq++ {
				msg := &chat.Message{ID: fmt.Sprint("forged-", seq), ConversationID: conv, Seq: seq, SenderID: bobID,
					Content: "forged", CreatedAt: time.Now().UTC()}
				for _, p := range []string{"", strings.Repeat("A", 43) + "."} { // no MAC, a wrong one
					ev, err := json.Marshal(chat.Event{UserID: aliceID, Seq: seq, Kind: chat.EventKindMessageCreated,
						ConversationID: conv, MessageID: msg.ID, Message: msg})
					if err != nil {
						t.Fatal(err)
					}
					forged = append(forged, append([]byte(p), ev...))
				}
			}
			before := a.refusedBusEvents(t)
			injectRaw(t, envB, aliceID, forged)

			sent, err := b.send(bobToken, conv, "real")
			if err != nil {
				t.Fatal(err)
			}
			if got := stream.expect(t, conv, "real"); got.ID != sent.ID || got.Seq != 1 {
				t.Fatalf("received %+v, want %+v", got, sent)
			}
			// A took the forgeries off the bus before bob's message.
			if got := a.refusedBusEvents(t) - before; got < float64(len(forged)) {
				t.Fatalf("instance A counted %v refused bus events, want at least %d", got, len(forged))
			}
			if !strings.Contains(a.Logs(), "not authentic") {
				t.Fatalf("instance A logged no refused bus event:\n%s", a.Logs())
			}
		})
	}
}
