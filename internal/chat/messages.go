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
	content := strings.TrimSpace(in.Content)
	if n := utf8.RuneCountInString(content); n < 1 || n > MaxContentLength || !validText(content) {
		return nil, errBadInput("content must be 1 to %d characters of valid text", MaxContentLength)
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
	var err error
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
	if s.pub != nil {
		s.pub.Publish(ctx, events)
	}
	return msg, nil
}

// writeMessage does CreateMessage's writes inside tx, one statement per
// step, and returns the events to publish after commit. SQLite uses it: its
// statements cost no round trip, and it has no data-modifying WITH.
func (s *Service) writeMessage(tx *gorm.DB, msg *Message) ([]Event, error) {
	// 1. Number the message under the conversation's row lock; the EXISTS
	// keeps out senders who are not participants.
	var seqs []int64
	err := tx.Raw(`UPDATE conversations SET last_seq = last_seq + 1, last_message_id = ?,
  last_message_at = MAX(COALESCE(last_message_at, ?), ?), last_activity_at = MAX(last_activity_at, ?)
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
	// 3. One event per participant, numbered in its user's stream (the
	// transaction holds SQLite's write lock, so no other writer interleaves).
	var recipients []recipient
	err = tx.Raw(`UPDATE users SET event_seq = event_seq + 1
WHERE id IN (SELECT user_id FROM participants WHERE conversation_id = ?)
RETURNING id, event_seq, username, display_name, created_at`, msg.ConversationID).Scan(&recipients).Error
	if err != nil {
		return nil, err
	}
	rows, events := messageEvents(EventKindMessageCreated, msg, recipients)
	if err := tx.Create(&rows).Error; err != nil {
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

// createMessageSQL is writeMessage's work as one PostgreSQL statement (so one
// round trip and its own transaction): the conversation row is locked first,
// then the recipients in ascending id. The recipients are locked FOR NO KEY
// UPDATE, the strength an event_seq update needs: FOR UPDATE would also
// conflict with the KEY SHARE locks that inserting participants takes (in
// any order), and deadlock with createGroupConversation.
// It returns one row per recipient, with the recipient's profile (the
// sender's travels with the message); none when the sender is not a
// participant.
const createMessageSQL = `WITH conv AS (
  UPDATE conversations SET last_seq = last_seq + 1, last_message_id = @id,
    last_message_at = GREATEST(last_message_at, @at), last_activity_at = GREATEST(last_activity_at, @at)
  WHERE id = @conv AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = @conv AND p.user_id = @sender)
  RETURNING last_seq
), msg AS (
  INSERT INTO messages (id, conversation_id, seq, sender_id, content, client_message_id, created_at)
  SELECT @id, @conv, last_seq, @sender, CAST(@content AS text), CAST(@client AS text), @at FROM conv
  RETURNING seq
), recipients AS (
  SELECT u.id FROM users u JOIN participants p ON p.user_id = u.id
  WHERE p.conversation_id = @conv AND EXISTS (SELECT 1 FROM msg)
  ORDER BY u.id FOR NO KEY UPDATE OF u
), numbered AS (
  UPDATE users SET event_seq = users.event_seq + 1 FROM recipients WHERE users.id = recipients.id
  RETURNING users.id, users.event_seq, users.username, users.display_name, users.created_at
), stored AS (
  INSERT INTO user_events (user_id, seq, kind, conversation_id, message_id, created_at)
  SELECT id, event_seq, @kind, @conv, @id, @at FROM numbered
  RETURNING user_id, seq
), marked AS (
  UPDATE participants SET last_read_seq = msg.seq FROM msg
  WHERE participants.conversation_id = @conv AND participants.user_id = @sender AND participants.last_read_seq < msg.seq
)
SELECT msg.seq AS message_seq, stored.user_id, stored.seq, numbered.username, numbered.display_name, numbered.created_at
FROM stored JOIN numbered ON numbered.id = stored.user_id, msg`

// CreateMessageStatement returns createMessageSQL, the one PostgreSQL
// statement of CreateMessage (named arguments @id, @conv, @sender, @content,
// @client, @at, @kind), so that the load tool can run the same write
// directly against the database as its baseline.
func CreateMessageStatement() string { return createMessageSQL }

// writeMessageInOneStatement does CreateMessage's writes on PostgreSQL with
// createMessageSQL and returns the events to publish.
func (s *Service) writeMessageInOneStatement(ctx context.Context, msg *Message) ([]Event, error) {
	var rows []struct {
		MessageSeq  int64
		UserID      string
		Seq         int64
		Username    string
		DisplayName string
		CreatedAt   time.Time
	}
	err := s.conn(ctx).Raw(createMessageSQL, map[string]any{
		"id":      msg.ID,
		"conv":    msg.ConversationID,
		"sender":  msg.SenderID,
		"content": msg.Content,
		"client":  msg.ClientMessageID,
		"at":      msg.CreatedAt,
		"kind":    EventKindMessageCreated,
	}).Scan(&rows).Error
	// gorm does not translate errors of Raw().Scan (pgx reports the first
	// row's error from the query itself): translate here, so that a repeated
	// clientMessageId becomes gorm.ErrDuplicatedKey as on the SQLite path.
	if t, ok := s.db.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		err = t.Translate(err)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errNotFound("conversation")
	}
	msg.Seq = rows[0].MessageSeq
	recipients := make([]recipient, len(rows))
	for i, r := range rows {
		recipients[i] = recipient{ID: r.UserID, EventSeq: r.Seq, Username: r.Username, DisplayName: r.DisplayName, CreatedAt: r.CreatedAt}
	}
	_, events := messageEvents(EventKindMessageCreated, msg, recipients)
	return events, nil
}
