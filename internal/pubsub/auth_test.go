package pubsub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/metrics"
	"github.com/messenger/messenger/internal/pubsub"
)

func TestNewKeyNeedsASecretAndDependsOnIt(t *testing.T) {
	if _, err := pubsub.NewKey(nil); err == nil {
		t.Fatal("NewKey(nil) succeeded")
	}
	body := []byte(`{"userId":"u","seq":1}`)
	a, b := pubsub.Seal(newKey(t, "secret a"), body), pubsub.Seal(newKey(t, "secret b"), body)
	if bytes.Equal(a, b) {
		t.Fatal("two secrets seal alike")
	}
	if !bytes.Equal(a, pubsub.Seal(newKey(t, "secret a"), body)) {
		t.Fatal("one secret seals differently twice")
	}
	if !bytes.HasSuffix(a, append([]byte("."), body...)) || len(a) != 44+len(body) {
		t.Fatalf("sealed payload %q is not <43-character MAC>.<body>", a)
	}
}

func TestBusesNeedAKey(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []string{"postgres", "nats://127.0.0.1:4222"} {
		_, err := pubsub.Open(ctx, pubsub.Config{Spec: spec, DatabaseURL: "postgres://127.0.0.1/x"}, pubsub.NewHub(0))
		if err == nil || !strings.Contains(err.Error(), "needs a key") {
			t.Errorf("Open(%s) without a key: %v, want an error about the key", spec, err)
		}
	}
}

func TestRefusalsAreCountedAndLoggedAtMostOncePerMinute(t *testing.T) {
	m := metrics.New()
	var logs bytes.Buffer
	refuse := pubsub.NewRefusals(m, slog.New(slog.NewTextHandler(&logs, nil)))
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, after := range []time.Duration{0, time.Second, 59 * time.Second, 61 * time.Second, 62 * time.Second} {
		refuse(start.Add(after))
	}
	if got := refusedEvents(t, m); got != 5 {
		t.Fatalf("%v refusals counted, want 5", got)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=WARN") ||
		!strings.Contains(lines[0], "unloggedSinceLastLine=0") || !strings.Contains(lines[1], "unloggedSinceLastLine=2") {
		t.Fatalf("logged:\n%s\nwant two WARN lines, the second counting 2 unlogged refusals", logs.String())
	}
}

func TestRedactedHidesCredentials(t *testing.T) {
	for spec, secret := range map[string]string{
		"nats://user:hunter2@host:4222":                 "hunter2",
		"nats://s3cr3t-token@host:4222":                 "s3cr3t-token",
		"nats://a:4222,tls://tok3n@b:4222":              "tok3n",
		"tls://u:p%40ss@host:4222,nats://x:y%zz@c:4222": "y%zz",
	} {
		if got := pubsub.Redacted(spec); strings.Contains(got, secret) {
			t.Errorf("Redacted(%q) = %q shows %q", spec, got, secret)
		}
	}
	for _, spec := range []string{"memory", "postgres", "nats://host:4222"} {
		if got := pubsub.Redacted(spec); got != spec {
			t.Errorf("Redacted(%q) = %q, want it unchanged", spec, got)
		}
	}
}

func TestEncodedEventsFitTheLimitMACIncluded(t *testing.T) {
	const limit = 1000
	key := newKey(t, testSecret)
	base, _ := json.Marshal(event("u", 1, ""))
	room := limit - len(base) // for the content and the MAC
	for _, c := range []struct {
		size     int
		withBody bool
	}{{room - 50, true}, {room - 44, true}, {room - 43, false}, {room, false}, {2 * limit, false}} {
		want := event("u", 1, strings.Repeat("x", c.size))
		p, err := pubsub.EncodeEvent(key, want, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) > limit {
			t.Fatalf("content of %d bytes: payload of %d bytes exceeds %d", c.size, len(p), limit)
		}
		got, err := pubsub.DecodeEvent(key, p)
		if err != nil {
			t.Fatal(err)
		}
		if !c.withBody {
			want, _ = want.Strip() // receivers read the event log
		}
		assertEvent(t, got, want)
	}
}
