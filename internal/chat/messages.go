package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// Message content limits, in characters after trimming surrounding space.
const (
	MaxContentLength         = 4000
	MaxClientMessageIDLength = 64
)

// CreateMessageInput is what a sender gives.
type CreateMessageInput struct {
	ConversationID  string
	Content         string
	ClientMessageID *string
}

// CreateMessage stores a message from the viewer, numbers it in its
// conversation, appends an event to every participant's stream and marks the
// conversation read for the sender, all in one transaction; after commit it
// publishes the events. Content is trimmed and must be 1-4000 characters of
// valid text; a clientMessageId (at most 64 characters) makes retries safe:
// a repeated one returns the original message and writes nothing. NOT_FOUND
// when the viewer is not in the conversation, BAD_USER_INPUT for invalid
// input, CONFLICT when the clientMessageId was used for different content.
func (s *Service) CreateMessage(ctx context.Context, viewerID string, in CreateMessageInput) (*Message, error) {
	content, err := cleanContent(in.Content)
	if err != nil {
		return nil, err
	}
	clientID := in.ClientMessageID
	if clientID != nil && *clientID == "" {
		clientID = nil
	}
	if clientID != nil && (utf8.RuneCountInString(*clientID) > MaxClientMessageIDLength || !validText(*clientID)) {
		return nil, errBadInput("clientMessageId must be at most %d characters", MaxClientMessageIDLength)
	}
	if !validID(in.ConversationID) {
		return nil, errNotFound("conversation")
	}
	msg := &Message{
		ID:              newID(),
		ConversationID:  in.ConversationID,
		SenderID:        viewerID,
		Content:         content,
		ClientMessageID: clientID,
		CreatedAt:       database.Now(),
	}
	// The client may hang up while the message commits: finish the write and
	// the publish regardless, so that what is stored is also delivered.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var events []Event
	if s.db.IsPostgres() {
		events, err = s.writeMessageInOneStatement(ctx, msg)
	} else {
		err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
			events, err = s.writeMessage(tx, msg)
			return err
		})
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) && clientID != nil {
		return s.originalMessage(ctx, msg)
	}
	if err != nil {
		return nil, internal("create message", err)
	}
	s.publish(ctx, events)
	return msg, nil
}

// cleanContent returns a message's content as stored: trimmed of
// surrounding space, 1 to MaxContentLength characters of valid text; else
// BAD_USER_INPUT.
func cleanContent(content string) (string, error) {
	content = strings.TrimSpace(content)
	if n := utf8.RuneCountInString(content); n < 1 || n > MaxContentLength || !validText(content) {
		return "", errBadInput("content must be 1 to %d characters of valid text", MaxContentLength)
	}
	return content, nil
}

// created is the message_created event of msg.
func created(msg *Message) draft {
	return draft{Kind: EventKindMessageCreated, ConversationID: msg.ConversationID, At: msg.CreatedAt, Message: msg}
}

// writeMessage does CreateMessage's writes inside tx, one statement per
// step, and returns the events to publish after commit. SQLite uses it: its
// statements cost no round trip, and it has no data-modifying WITH.
func (s *Service) writeMessage(tx *gorm.DB, msg *Message) ([]Event, error) {
	// 1. Number the message under the conversation's row lock; the EXISTS
	// keeps out senders who are not participants.
	var seqs []int64
	err := tx.Raw(`UPDATE conversations SET last_seq = last_seq + 1, last_message_id = ?,
  last_message_at = `+s.greatest("COALESCE(last_message_at, ?)", "?")+`, last_activity_at = `+s.greatest("last_activity_at", "?")+`
WHERE id = ? AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = conversations.id AND p.user_id = ?)
RETURNING last_seq`, msg.ID, msg.CreatedAt, msg.CreatedAt, msg.CreatedAt, msg.ConversationID, msg.SenderID).Scan(&seqs).Error
	if err != nil {
		return nil, err
	}
	if len(seqs) == 0 {
		return nil, errNotFound("conversation")
	}
	msg.Seq = seqs[0]
	// 2. The message; a repeated clientMessageId fails here with ErrDuplicatedKey.
	if err := tx.Create(msg).Error; err != nil {
		return nil, err
	}
	// 3. One event per participant, numbered in its user's stream.
	var members []string
	if err := tx.Model(&Participant{}).Where("conversation_id = ?", msg.ConversationID).Pluck("user_id", &members).Error; err != nil {
		return nil, err
	}
	events, err := s.appendEvents(tx, created(msg), members)
	if err != nil {
		return nil, err
	}
	// 4. Sending a message marks the conversation read for its sender.
	err = tx.Model(&Participant{}).
		Where("conversation_id = ? AND user_id = ? AND last_read_seq < ?", msg.ConversationID, msg.SenderID, msg.Seq).
		Update("last_read_seq", msg.Seq).Error
	return events, err
}

// originalMessage returns the message the sender already stored under
// want's clientMessageId, if it matches want's conversation and content.
func (s *Service) originalMessage(ctx context.Context, want *Message) (*Message, error) {
	var msgs []*Message
	err := s.conn(ctx).Where("sender_id = ? AND client_message_id = ?", want.SenderID, *want.ClientMessageID).
		Limit(1).Find(&msgs).Error
	if err != nil {
		return nil, internal("create message", err)
	}
	if len(msgs) == 0 {
		return nil, internal("create message", errors.New("duplicate clientMessageId but no original"))
	}
	if msgs[0].ConversationID != want.ConversationID || msgs[0].Content != want.Content {
		return nil, Errorf(CodeConflict, "clientMessageId %q was already used for another message", *want.ClientMessageID)
	}
	return msgs[0], nil
}

// MessagesByIDs returns the messages with the given ids, keyed by id. The
// caller must have checked that the viewer may see them.
func (s *Service) MessagesByIDs(ctx context.Context, ids []string) (map[string]*Message, error) {
	return byIDs(ctx, s, "messages by ids", ids, func(q *gorm.DB, ids []string) (msgs []*Message, err error) {
		return msgs, q.Where("id IN ?", ids).Find(&msgs).Error
	}, func(m *Message) string { return m.ID })
}

// writeTimeout bounds a createMessage that no longer has a client waiting.
const writeTimeout = 15 * time.Second

// Messages returns a page of the conversation's messages in ascending seq:
// first/after pages forward, last/before back from the newest, and with
// neither the newest DefaultMessagePageSize come back. NOT_FOUND when the
// viewer is not in the conversation; BAD_USER_INPUT when both first and last
// are given, a size is not 1-100, or a cursor is malformed.
func (s *Service) Messages(ctx context.Context, viewerID, conversationID string, args PageArgs) (*MessagePage, error) {
	if args.First != nil && args.Last != nil {
		return nil, errBadInput("give first or last, not both")
	}
	for _, n := range []*int{args.First, args.Last} {
		if n != nil && (*n < 1 || *n > MaxPageSize) {
			return nil, errBadInput("first and last must be between 1 and %d", MaxPageSize)
		}
	}
	var after, before int64 = 0, -1
	var err error
	if args.After != nil {
		if after, err = decodeMessageCursor(*args.After); err != nil {
			return nil, err
		}
	}
	if args.Before != nil {
		if before, err = decodeMessageCursor(*args.Before); err != nil {
			return nil, err
		}
	}
	conv, err := s.Conversation(ctx, viewerID, conversationID)
	if err != nil {
		return nil, err
	}
	// Seqs are gap-free and messages are never removed, so the page is a
	// range of seqs, and whether more lie on either side follows from it.
	if before < 0 || before > conv.LastSeq+1 {
		before = conv.LastSeq + 1
	}
	after = min(after, conv.LastSeq)
	lo, hi := after+1, before-1 // the window, inclusive
	switch {
	case args.First != nil:
		hi = min(hi, lo+int64(*args.First)-1)
	case args.Last != nil:
		lo = max(lo, hi-int64(*args.Last)+1)
	case args.After != nil:
		hi = min(hi, lo+DefaultMessagePageSize-1)
	default:
		lo = max(lo, hi-DefaultMessagePageSize+1)
	}
	page := &MessagePage{Messages: []*Message{}}
	if lo > hi {
		page.HasPreviousPage = min(lo, conv.LastSeq+1) > 1
		page.HasNextPage = hi < conv.LastSeq && lo <= conv.LastSeq
		return page, nil
	}
	err = s.conn(ctx).Where("conversation_id = ? AND seq BETWEEN ? AND ?", conv.ID, lo, hi).
		Order("seq").Find(&page.Messages).Error
	if err != nil {
		return nil, internal("messages", err)
	}
	page.HasPreviousPage = lo > 1
	page.HasNextPage = hi < conv.LastSeq
	return page, nil
}
