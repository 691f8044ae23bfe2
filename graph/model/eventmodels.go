package model

import "time"

// The events of conversationEvents whose fields load users or the
// conversation: they hold ids, which the field resolvers look up (the other
// event types are gqlgen's own, in models_gen.go).

// ParticipantsChangedEvent is a participants_changed event: members joined
// or left a group.
type ParticipantsChangedEvent struct {
	ConversationID string
	At             time.Time
	ByID           string   // who made the change
	AddedIDs       []string // who joined
	RemovedIDs     []string // who left or was removed
}

// IsConversationEvent marks it as a ConversationEvent.
func (ParticipantsChangedEvent) IsConversationEvent() {}

// TypingEvent is an ephemeral typing event: UserID is typing until ExpiresAt.
type TypingEvent struct {
	ConversationID string
	At             time.Time
	UserID         string
	ExpiresAt      time.Time
}

// IsConversationEvent marks it as a ConversationEvent.
func (TypingEvent) IsConversationEvent() {}
