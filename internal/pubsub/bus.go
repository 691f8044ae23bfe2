package pubsub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/metrics"
)

// Bus carries committed events to the Hub of every instance, this one
// included; Publish must be called only after the events' transaction
// committed, never blocks for long and logs its own failures.
type Bus interface {
	chat.Publisher

	// Close stops the bus's goroutines and connections and waits for them.
	Close() error
}

// Config is what Open needs, besides the hub, to build the Bus of an
// instance.
type Config struct {
	// Spec names the bus (the MESSENGER_BUS setting): "" or "memory" for the
	// in-process bus, "postgres" for LISTEN/NOTIFY on DatabaseURL, or a
	// "nats://" or "tls://" URL (several separated by commas) for NATS.
	Spec        string
	DatabaseURL string
	// Key authenticates the events carried between instances; every bus but
	// the in-process one requires it.
	Key Key
	// NATS holds the NATS bus's credentials and TLS files; they are refused
	// for the other buses.
	NATS NATSOptions
	// Metrics counts the bus events dropped as not authentic; it may be nil.
	Metrics *metrics.Metrics
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Open returns the Bus named by cfg.Spec, delivering to hub.
func Open(ctx context.Context, cfg Config, hub *Hub) (Bus, error) {
	isNATS := strings.HasPrefix(cfg.Spec, "nats://") || strings.HasPrefix(cfg.Spec, "tls://")
	if !isNATS && cfg.NATS != (NATSOptions{}) {
		return nil, fmt.Errorf("pubsub: NATS credential or TLS files are set but the bus is %q", cfg.Spec)
	}
	switch {
	case cfg.Spec == "" || cfg.Spec == "memory":
		return NewMemoryBus(hub), nil
	case cfg.Spec == "postgres":
		return NewPostgresBus(ctx, cfg.DatabaseURL, cfg.Key, hub, cfg.Metrics, cfg.Logger)
	case isNATS:
		return NewNATSBus(cfg.Spec, cfg.NATS, cfg.Key, hub, cfg.Metrics, cfg.Logger)
	default:
		return nil, fmt.Errorf("pubsub: unknown bus %q (want memory, postgres or nats://host:port)", Redacted(cfg.Spec))
	}
}

// encodeEvent returns ev as the sealed JSON payload a bus carries, without
// its message and payload when the whole would exceed limit bytes (its
// receivers then read the event from the log; an ephemeral event, which the
// log does not have, is refused).
func encodeEvent(key Key, ev chat.Event, limit int) ([]byte, error) {
	limit -= sealOverhead
	p, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("marshal event: %w", err)
	}
	if len(p) > limit {
		if stripped, ok := ev.Strip(); ok {
			if p, err = json.Marshal(stripped); err != nil {
				return nil, fmt.Errorf("marshal event: %w", err)
			}
		}
	}
	if len(p) > limit {
		return nil, fmt.Errorf("%s event of %d bytes exceeds %d even stripped of what the event log holds", ev.Kind, len(p)+sealOverhead, limit+sealOverhead)
	}
	return key.seal(p), nil
}

// decodeEvent returns the event of a payload written by encodeEvent with
// key, or an error when the payload is not authentic or malformed.
func decodeEvent(key Key, p []byte) (chat.Event, error) {
	body, err := key.open(p)
	if err != nil {
		return chat.Event{}, err
	}
	ev, err := chat.DecodeEvent(body)
	if err != nil {
		return chat.Event{}, fmt.Errorf("unmarshal event: %w", err)
	}
	return ev, nil
}

// Redacted returns spec with the credentials of every URL in it (user,
// password or token) replaced, for logging; a URL that does not parse is
// replaced whole.
func Redacted(spec string) string {
	if !strings.Contains(spec, "://") {
		return spec
	}
	parts := strings.Split(spec, ",")
	for i, part := range parts {
		u, err := url.Parse(strings.TrimSpace(part))
		switch {
		case err != nil:
			parts[i] = "(unparsable URL)"
		case u.User == nil:
			parts[i] = u.String()
		default:
			if _, hasPassword := u.User.Password(); hasPassword {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			} else {
				u.User = url.User("xxxxx")
			}
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
