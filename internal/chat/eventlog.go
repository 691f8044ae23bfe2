package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// This file is the per-user event log, user_events: the one row type, the
// one way events are appended (numbered in each recipient's stream under
// row locks taken in ascending user id, as every writer takes them, so that
// writers never deadlock), the one reader that replays them, and the resume
// points of a stream. Every write path appends through appendEvents;
// createMessage on PostgreSQL writes the same rows in its one statement
// (messages.go), from the same draft.row.

// eventRow is a row of user_events.
type eventRow struct {
	UserID         string
	Seq            int64
	Kind           EventKind
	ConversationID string
	MessageID      *string
	CreatedAt      time.Time
	// Payload is the kind's payload as JSON; nil for a kind without one.
	Payload *string
	// EndsMembership marks the event after which its user is no longer in
	// the conversation: the last of it that the user's stream replays.
	EndsMembership bool
}

func (eventRow) TableName() string { return "user_events" }

// draft is one change's event before it is numbered for each recipient.
type draft struct {
	Kind           EventKind
	ConversationID string
	At             time.Time
	Message        *Message // for the kinds that carry one
	// Payload returns the recipient's payload (it may differ between
	// recipients); nil for a kind without one.
	Payload func(recipientID string) EventPayload
}

// same returns a Payload function that gives every recipient p.
func same(p EventPayload) func(string) EventPayload {
	return func(string) EventPayload { return p }
}

// row returns the event of d for recipientID with seq (0 for an ephemeral
// kind), and the row that stores it.
func (d draft) row(recipientID string, seq int64) (eventRow, Event, error) {
	ev := Event{UserID: recipientID, Seq: seq, Kind: d.Kind, ConversationID: d.ConversationID, At: d.At}
	r := eventRow{UserID: recipientID, Seq: seq, Kind: d.Kind, ConversationID: d.ConversationID, CreatedAt: d.At}
	if d.Message != nil {
		ev.MessageID, ev.Message = d.Message.ID, d.Message
		r.MessageID = &d.Message.ID
	}
	if d.Payload != nil {
		if ev.Payload = d.Payload(recipientID); ev.Payload != nil {
			p, err := json.Marshal(ev.Payload)
			if err != nil {
				return eventRow{}, Event{}, fmt.Errorf("%s event: payload: %w", d.Kind, err)
			}
			payload := string(p)
			r.Payload = &payload
		}
	}
	r.EndsMembership = ev.EndsMembership()
	return r, ev, nil
}

// recipient is a user an event is written for, with the seq it got in that
// user's stream and the profile a message's sender shows.
type recipient struct {
	ID          string
	EventSeq    int64
	Username    string
	DisplayName string
	CreatedAt   time.Time
}

// user is the recipient's profile.
func (r recipient) user() *User {
	return &User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, CreatedAt: r.CreatedAt}
}

// appendEvents appends d to the stream of each user of userIDs inside tx
// and returns the events to publish after commit. When d's message has no
// sender yet and its sender is among the recipients, the message carries it
// from here on.
func (s *Service) appendEvents(tx *gorm.DB, d draft, userIDs []string) ([]Event, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	if eventKinds[d.Kind].ephemeral {
		return nil, fmt.Errorf("%s events are published, not stored", d.Kind)
	}
	recipients, err := s.numberEvents(tx, userIDs)
	if err != nil {
		return nil, err
	}
	rows, events, err := d.rows(recipients)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(&rows).Error; err != nil {
		return nil, err
	}
	return events, nil
}

// rows returns the rows and events of d for recipients, numbered.
func (d draft) rows(recipients []recipient) ([]eventRow, []Event, error) {
	if m := d.Message; m != nil && m.Sender == nil {
		if i := slices.IndexFunc(recipients, func(r recipient) bool { return r.ID == m.SenderID }); i >= 0 {
			m.Sender = recipients[i].user()
		}
	}
	rows := make([]eventRow, len(recipients))
	events := make([]Event, len(recipients))
	for i, r := range recipients {
		var err error
		if rows[i], events[i], err = d.row(r.ID, r.EventSeq); err != nil {
			return nil, nil, err
		}
	}
	return rows, events, nil
}

// numberEvents takes the next seq of each user's stream inside tx: it locks
// the users' rows in ascending id, bumps their event_seq and returns them
// with their new seq and profile.
func (s *Service) numberEvents(tx *gorm.DB, userIDs []string) ([]recipient, error) {
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var recipients []recipient
	var err error
	if s.db.IsPostgres() {
		err = tx.Raw(`WITH locked AS (SELECT id FROM users WHERE id IN ? ORDER BY id FOR NO KEY UPDATE)
UPDATE users SET event_seq = users.event_seq + 1 FROM locked WHERE users.id = locked.id
RETURNING users.id, users.event_seq, users.username, users.display_name, users.created_at`, ids).Scan(&recipients).Error
	} else { // the transaction holds SQLite's write lock
		err = tx.Raw(`UPDATE users SET event_seq = event_seq + 1 WHERE id IN ?
RETURNING id, event_seq, username, display_name, created_at`, ids).Scan(&recipients).Error
	}
	return recipients, err
}

// ephemeralEvents returns d, of an ephemeral kind, as the events to publish
// to each of userIDs: they get no seq and are never stored.
func ephemeralEvents(d draft, userIDs []string) ([]Event, error) {
	if !eventKinds[d.Kind].ephemeral {
		return nil, fmt.Errorf("%s events are stored, not only published", d.Kind)
	}
	events := make([]Event, len(userIDs))
	for i, id := range userIDs {
		var err error
		if _, events[i], err = d.row(id, 0); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// publish hands committed events to the publisher, if any.
func (s *Service) publish(ctx context.Context, events []Event) {
	if s.pub != nil && len(events) > 0 {
		s.pub.Publish(ctx, events)
	}
}

// replayRow is a row of user_events as EventsAfter reads it, with the
// columns of its message, if any (m_*), and of the message's sender (u_*),
// from LEFT JOINs.
type replayRow struct {
	Row              eventRow   `gorm:"embedded"`
	MID              *string    `gorm:"column:m_id"`
	MSeq             *int64     `gorm:"column:m_seq"`
	MSenderID        *string    `gorm:"column:m_sender_id"`
	MContent         *string    `gorm:"column:m_content"`
	MClientMessageID *string    `gorm:"column:m_client_message_id"`
	MCreatedAt       *time.Time `gorm:"column:m_created_at"`
	MEditedAt        *time.Time `gorm:"column:m_edited_at"`
	MDeletedAt       *time.Time `gorm:"column:m_deleted_at"`
	UUsername        *string    `gorm:"column:u_username"`
	UDisplayName     *string    `gorm:"column:u_display_name"`
	UCreatedAt       *time.Time `gorm:"column:u_created_at"`
}

// event returns the row as its user's Event, with its message as it is now
// (and the message's sender) and its payload.
func (r *replayRow) event() (Event, error) {
	e := r.Row
	ev := Event{UserID: e.UserID, Seq: e.Seq, Kind: e.Kind, ConversationID: e.ConversationID, At: e.CreatedAt}
	if r.MID != nil {
		ev.MessageID = *r.MID
		ev.Message = &Message{ID: *r.MID, ConversationID: e.ConversationID, Seq: valueOf(r.MSeq), SenderID: valueOf(r.MSenderID),
			Content: valueOf(r.MContent), ClientMessageID: r.MClientMessageID, CreatedAt: valueOf(r.MCreatedAt),
			EditedAt: r.MEditedAt, DeletedAt: r.MDeletedAt}
		if r.UUsername != nil {
			ev.Message.Sender = &User{ID: ev.Message.SenderID, Username: *r.UUsername,
				DisplayName: valueOf(r.UDisplayName), CreatedAt: valueOf(r.UCreatedAt)}
		}
	}
	if k := eventKinds[e.Kind]; e.Payload != nil && k.decode != nil {
		p, err := k.decode([]byte(*e.Payload))
		if err != nil {
			return Event{}, fmt.Errorf("event %d of %s: payload: %w", e.Seq, e.UserID, err)
		}
		ev.Payload = p
	}
	return ev, nil
}

// valueOf returns *p, or the zero value when p is nil.
func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// EventsAfter returns up to limit events of userID's stream with seq greater
// than after, in ascending seq, each with its message as it is now and the
// message's sender, and its payload. Events of a conversation the user is no
// longer in are left out (their seqs are skipped), except the one that
// removed the user. The caller must be userID (streams are private).
func (s *Service) EventsAfter(ctx context.Context, userID string, after int64, limit int) ([]Event, error) {
	var rows []replayRow
	err := s.conn(ctx).Raw(`SELECT e.*, m.id AS m_id, m.seq AS m_seq,
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
		if events[i], err = rows[i].event(); err != nil {
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
