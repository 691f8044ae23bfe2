// Package graph is the messenger's GraphQL layer: the gqlgen-generated
// executable schema and the hand-written resolvers over the chat service.
package graph

//go:generate go tool gqlgen generate

import (
	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/chat"
)

// Resolver is the root of every resolver: the single place where the
// services they use are injected.
type Resolver struct {
	Chat   *chat.Service
	Tokens *auth.Tokens
}
