package chat

import (
	"context"
	"time"
)

// userEvent is a row of user_events.
type userEvent struct {
	UserID         string
	Seq            int64
	Kind           string
	ConversationID string
	MessageID      string
	CreatedAt      time.Time
}

func (userEvent) TableName() string { return "user_events" }

// recipient is a user an event is written for, with the seq it got in that
// user's stream and the profile fields the sender of a message shows.
type recipient struct {
	ID          string
	EventSeq    int64
	Username    string
	DisplayName string
	CreatedAt   time.Time
}

// messageEvents returns the event of kind about msg for each recipient: the
// rows to store and the events to publish after commit.
// When the sender is among the recipients (always, for a new message), the
// message carries it from here on.
func messageEvents(kind string, msg *Message, recipients []recipient) ([]userEvent, []Event) {
	for _, r := range recipients {
		if r.ID == msg.SenderID {
			msg.Sender = &User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, CreatedAt: r.CreatedAt}
		}
	}
	rows := make([]userEvent, len(recipients))
	events := make([]Event, len(recipients))
	for i, r := range recipients {
		rows[i] = userEvent{UserID: r.ID, Seq: r.EventSeq, Kind: kind,
			ConversationID: msg.ConversationID, MessageID: msg.ID, CreatedAt: msg.CreatedAt}
		events[i] = Event{UserID: r.ID, Seq: r.EventSeq, Kind: kind,
			ConversationID: msg.ConversationID, MessageID: msg.ID, Message: msg}
	}
	return rows, events
}

// EventsAfter returns up to limit events of userID's stream with seq greater
// than after, in ascending seq, each with its message and the message's
// sender (message kinds) or its data (the others). Events of a conversation the user is no longer in are
// left out (their seqs are skipped), except the one that removed the user.
// The caller must be userID (streams are private).
func (s *Service) EventsAfter(ctx context.Context, userID string, after int64, limit int) ([]Event, error) {
	var rows []storedEvent
	err := s.conn(ctx).Raw(`SELECT e.seq, e.kind, e.conversation_id, e.created_at, e.payload, m.id AS m_id, m.seq AS m_seq,
  m.sender_id AS m_sender_id, m.content AS m_content, m.client_message_id AS m_client_message_id, m.created_at AS m_created_at,
  m.edited_at AS m_edited_at, m.deleted_at AS m_deleted_at,
  u.username AS u_username, u.display_name AS u_display_name, u.created_at AS u_created_at
FROM user_events e LEFT JOIN messages m ON m.id = e.message_id LEFT JOIN users u ON u.id = m.sender_id
WHERE e.user_id = ? AND e.seq > ?
  AND (e.ends_membership OR EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = e.conversation_id AND p.user_id = e.user_id))
ORDER BY e.seq LIMIT ?`, userID, after, limit).Scan(&rows).Error
	if err != nil {
		return nil, internal("events after", err)
	}
	events := make([]Event, len(rows))
	for i := range rows {
		if events[i], err = rows[i].event(userID); err != nil {
			return nil, internal("events after", err)
		}
	}
	return events, nil
}

// LastEventSeq returns the seq of the newest event in userID's stream (0 when
// there is none); NOT_FOUND for an unknown user.
func (s *Service) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	var seqs []int64
	if err := s.conn(ctx).Table("users").Where("id = ?", userID).Pluck("event_seq", &seqs).Error; err != nil {
		return 0, internal("last event seq", err)
	}
	if len(seqs) == 0 {
		return 0, errNotFound("user")
	}
	return seqs[0], nil
}

// ResumePoint returns the seq after which userID's stream resumes: the
// cursor's, or with no cursor the newest event's (a stream from now on).
// BAD_USER_INPUT for a cursor that is malformed, another user's, or ahead of
// the stream (as after restoring an older backup).
func (s *Service) ResumePoint(ctx context.Context, userID string, cursor *string) (int64, error) {
	last, err := s.LastEventSeq(ctx, userID)
	if err != nil || cursor == nil {
		return last, err
	}
	seq, err := DecodeEventCursor(userID, *cursor)
	if err != nil {
		return 0, err
	}
	if seq > last {
		return 0, errBadInput("event cursor is ahead of the stream; subscribe without it")
	}
	return seq, nil
}
