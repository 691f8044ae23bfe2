// Package chat is the messenger's domain: users, conversations, messages, read
// markers and the per-user event stream, stored through gorm.
package chat

import (
	"context"
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

// Publisher carries committed events to the live subscriptions of their
// users; it never blocks on a slow subscriber and reports its own failures
// (the database keeps every event, so subscribers catch up).
type Publisher interface {
	Publish(ctx context.Context, events []Event)
}
