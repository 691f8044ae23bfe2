package pubsub

import (
	"context"

	"github.com/messenger/messenger/internal/chat"
)

// MemoryBus is the Bus of a single instance: it publishes straight to the
// local Hub.
type MemoryBus struct {
	hub *Hub
}

var _ Bus = (*MemoryBus)(nil)

// NewMemoryBus returns a Bus that delivers to hub only.
func NewMemoryBus(hub *Hub) *MemoryBus { return &MemoryBus{hub: hub} }

// Publish delivers events to the local Hub without blocking.
func (b *MemoryBus) Publish(ctx context.Context, events []chat.Event) {
	b.hub.Publish(ctx, events)
}

// Close does nothing: the in-process bus owns no goroutine or connection.
func (b *MemoryBus) Close() error { return nil }
