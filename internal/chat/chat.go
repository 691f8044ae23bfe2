// Package chat is the messenger's domain: users, conversations, messages, read
// markers and the per-user event stream, stored through gorm.
package chat

import (
	"context"
	"slices"
	"time"
)

// User is a person who can log in and take part in conversations.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	PasswordHash string `json:"-"`
	EventSeq     int64  `json:"-"`
	CreatedAt    time.Time
}

// ConversationKind tells a one-to-one conversation from a named group.
type ConversationKind string

// The kinds of conversation, as stored.
const (
	KindDirect ConversationKind = "direct"
	KindGroup  ConversationKind = "group"
)

// Conversation is a conversation as one viewer sees it: LastReadSeq is that
// viewer's read marker.
type Conversation struct {
	ID             string
	Kind           ConversationKind
	Title          *string
	DirectKey      *string
	LastSeq        int64
	LastMessageID  *string
	LastMessageAt  *time.Time
	LastActivityAt time.Time
	CreatedAt      time.Time
	// OwnerID is the group's owner (its creator, then whoever the role
	// passed to); nil for direct conversations and for an empty group.
	OwnerID *string

	// LastReadSeq is the viewer's read marker; it is not a column of conversations.
	LastReadSeq int64 `gorm:"->;-:migration"`
}

// UnreadCount is how many messages the viewer has not read yet.
func (c *Conversation) UnreadCount() int64 { return c.LastSeq - c.LastReadSeq }

// HasUnreadMessages reports whether the viewer has anything unread.
func (c *Conversation) HasUnreadMessages() bool { return c.UnreadCount() > 0 }

// Message is one message in a conversation; Seq numbers a conversation's
// messages 1, 2, 3... in commit order.
type Message struct {
	ID              string    `json:"id"`
	ConversationID  string    `json:"conversationId"`
	Seq             int64     `json:"seq"`
	SenderID        string    `json:"senderId"`
	Content         string    `json:"content"`
	ClientMessageID *string   `json:"clientMessageId,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	// EditedAt is when the sender last changed the content; nil if never.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// DeletedAt is when the sender deleted it; a deleted message is a
	// tombstone with empty content that keeps its seq.
	DeletedAt *time.Time `json:"deletedAt,omitempty"`

	// Sender is the sender as the message was written or read, when the
	// query that produced the message had it at hand (nil otherwise): a
	// delivered event shows its sender without another query.
	Sender *User `json:"sender,omitempty" gorm:"-"`
}

// Event kinds.
const (
	// EventKindMessageCreated is the kind of the event written for every
	// participant when a message is created.
	EventKindMessageCreated = "message_created"
	// EventKindSessionEnded is the kind of the event published (never
	// stored, and without a seq) when one of the user's sessions ends: every
	// instance then refuses its token and cuts its streams.
	EventKindSessionEnded = "session_ended"
	// EventKindMessageEdited is written for every participant when a
	// message's sender changes its content.
	EventKindMessageEdited = "message_edited"
	// EventKindMessageDeleted is written for every participant when a
	// message's sender deletes it (it becomes a tombstone).
	EventKindMessageDeleted = "message_deleted"
	// EventKindReadMarkerMoved is written for every participant when a
	// member's read marker moves forward.
	EventKindReadMarkerMoved = "read_marker_moved"
	// EventKindParticipantsChanged is written for every member after the
	// change and for every member it removed.
	EventKindParticipantsChanged = "participants_changed"
	// EventKindConversationRenamed is written for every member when a
	// group's title changes.
	EventKindConversationRenamed = "conversation_renamed"
	// EventKindTyping is published (never stored, and without a seq) to
	// the other members' streams while someone types; it expires.
	EventKindTyping = "typing"
)

// Ephemeral reports whether ev is only published, never stored: it has no
// seq, is delivered live only and never replayed.
func (ev Event) Ephemeral() bool { return ev.Seq == 0 }

// EndsMembership reports whether ev is the participants_changed event that
// removed its recipient from the conversation (they left or were removed):
// the last event of that conversation they get.
func (ev Event) EndsMembership() bool {
	return ev.Kind == EventKindParticipantsChanged && ev.Data != nil && slices.Contains(ev.Data.Removed, ev.UserID)
}

// EventData is what an event that is not a message's carries; which fields
// are set depends on the event's kind.
type EventData struct {
	// UserID is the member whose read marker moved (read_marker_moved), the
	// one who typed (typing), or who made the change (participants_changed,
	// conversation_renamed).
	UserID string `json:"userId,omitempty"`
	// LastReadSeq is the moved read marker (read_marker_moved).
	LastReadSeq int64 `json:"lastReadSeq,omitempty"`
	// UnreadCount is the recipient's unread count after the event
	// (read_marker_moved).
	UnreadCount int64 `json:"unreadCount,omitempty"`
	// Added and Removed are the members who joined and left
	// (participants_changed).
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Title is the new title (conversation_renamed).
	Title string `json:"title,omitempty"`
	// ExpiresAt is when a typing indicator stops showing (typing).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Event is one entry of a user's event stream: Seq numbers that user's events
// 1, 2, 3... in commit order and is the cursor a subscription resumes from.
// A session's end is an Event too, with no seq, that is only published.
type Event struct {
	UserID         string   `json:"userId"`
	Seq            int64    `json:"seq"`
	Kind           string   `json:"kind"`
	ConversationID string   `json:"conversationId,omitempty"`
	MessageID      string   `json:"messageId,omitempty"`
	Message        *Message `json:"message,omitempty"` // nil when carried without its body
	SessionID      string   `json:"sessionId,omitempty"`
	// At is when the event happened (zero on message_created events built
	// by the write path: the message's CreatedAt is their time).
	At time.Time `json:"at,omitzero"`
	// Data is the detail of an event that is not a message's; nil when
	// carried without its body (a bus strips large ones) or for message kinds.
	Data *EventData `json:"data,omitempty"`
}

// Publisher carries committed events to the live subscriptions of their
// users; it never blocks on a slow subscriber and reports its own failures
// (the database keeps every event, so subscribers catch up).
type Publisher interface {
	Publish(ctx context.Context, events []Event)
}
