package pubsub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/messenger/messenger/internal/chat"
)

// Bus carries committed events to the Hub of every instance, this one
// included; Publish must be called only after the events' transaction
// committed, never blocks for long and logs its own failures.
type Bus interface {
	chat.Publisher

	// Close stops the bus's goroutines and connections and waits for them.
	Close() error
}

// Open returns the Bus named by spec (the MESSENGER_BUS setting): "" or
// "memory" for the in-process bus, "postgres" for LISTEN/NOTIFY on
// databaseURL, or a "nats://" or "tls://" URL for NATS.
func Open(ctx context.Context, spec, databaseURL string, hub *Hub, logger *slog.Logger) (Bus, error) {
	switch {
	case spec == "" || spec == "memory":
		return NewMemoryBus(hub), nil
	case spec == "postgres":
		return NewPostgresBus(ctx, databaseURL, hub, logger)
	case strings.HasPrefix(spec, "nats://") || strings.HasPrefix(spec, "tls://"):
		return NewNATSBus(spec, hub, logger)
	default:
		return nil, fmt.Errorf("pubsub: unknown bus %q (want memory, postgres or nats://host:port)", spec)
	}
}

// encodeEvent returns ev as the JSON payload a bus carries, without its
// Message when the whole would exceed limit bytes (receivers then fetch the
// body by MessageID).
func encodeEvent(ev chat.Event, limit int) ([]byte, error) {
	p, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("marshal event: %w", err)
	}
	if len(p) > limit && ev.Message != nil {
		ev.Message = nil
		if p, err = json.Marshal(ev); err != nil {
			return nil, fmt.Errorf("marshal event: %w", err)
		}
	}
	if len(p) > limit {
		return nil, fmt.Errorf("event payload of %d bytes exceeds %d even without its message", len(p), limit)
	}
	return p, nil
}

// decodeEvent parses a payload written by encodeEvent.
func decodeEvent(p []byte) (chat.Event, error) {
	var ev chat.Event
	if err := json.Unmarshal(p, &ev); err != nil {
		return chat.Event{}, fmt.Errorf("unmarshal event: %w", err)
	}
	return ev, nil
}
