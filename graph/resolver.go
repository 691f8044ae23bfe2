// Package graph is the messenger's GraphQL layer: the gqlgen-generated
// executable schema and the hand-written resolvers over the chat service.
package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"
	"time"

	"github.com/messenger/messenger/internal/chat"
	"github.com/messenger/messenger/internal/pubsub"
)

// Resolver is the root of every resolver: the single place where the
// services they use are injected.
type Resolver struct {
	Chat      *chat.Service
	Hub       *pubsub.Hub   // live events of this process's subscriptions
	TicketTTL time.Duration // lifetime of stream tickets
	Logger    *slog.Logger  // nil: slog.Default()
}

func (r *Resolver) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}
