package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// eventRow is a row of user_events written by the conversation life cycle
// (edits, deletes, read markers, membership, renames): unlike a new
// message's, it may have no message and carries its data as JSON.
type eventRow struct {
	UserID         string
	Seq            int64
	Kind           string
	ConversationID string
	MessageID      *string
	CreatedAt      time.Time
	Payload        *string
	EndsMembership bool
}

func (eventRow) TableName() string { return "user_events" }

// storedEvent is a row of user_events as EventsAfter reads it, with the
// columns of its message, if any (m_*), and of the message's sender (u_*),
// from LEFT JOINs.
type storedEvent struct {
	Seq              int64
	Kind             string
	ConversationID   string
	CreatedAt        time.Time
	Payload          *string
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

// event returns the row as userID's Event: with its message when it has one,
// else with its data.
func (r *storedEvent) event(userID string) (Event, error) {
	ev := Event{UserID: userID, Seq: r.Seq, Kind: r.Kind, ConversationID: r.ConversationID, At: r.CreatedAt}
	if r.MID != nil {
		ev.MessageID = *r.MID
		ev.Message = &Message{ID: *r.MID, ConversationID: r.ConversationID, Seq: valueOf(r.MSeq), SenderID: valueOf(r.MSenderID),
			Content: valueOf(r.MContent), ClientMessageID: r.MClientMessageID, CreatedAt: valueOf(r.MCreatedAt),
			EditedAt: r.MEditedAt, DeletedAt: r.MDeletedAt}
		if r.UUsername != nil {
			ev.Message.Sender = &User{ID: ev.Message.SenderID, Username: *r.UUsername,
				DisplayName: valueOf(r.UDisplayName), CreatedAt: valueOf(r.UCreatedAt)}
		}
		return ev, nil
	}
	ev.Data = &EventData{}
	if r.Payload != nil {
		if err := json.Unmarshal([]byte(*r.Payload), ev.Data); err != nil {
			return Event{}, fmt.Errorf("event %d of %s: payload: %w", r.Seq, userID, err)
		}
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

// lifeEvent describes the event of one change that appendEvents writes for
// each recipient.
type lifeEvent struct {
	Kind           string
	ConversationID string
	At             time.Time
	Message        *Message // message_edited, message_deleted
	// Data returns the recipient's data (nil for message kinds) and whether
	// the event ends the recipient's membership of the conversation.
	Data func(userID string) (data *EventData, endsMembership bool)
}

// appendEvents appends ev to the stream of each user of userIDs inside tx:
// it locks the users' rows in ascending id (as every writer does, so that
// writers never deadlock), numbers one event each and inserts the rows. It
// returns the events to publish after commit.
func (s *Service) appendEvents(tx *gorm.DB, ev lifeEvent, userIDs []string) ([]Event, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var recipients []recipient
	var err error
	if s.db.IsPostgres() {
		err = tx.Raw(`WITH locked AS (SELECT id FROM users WHERE id IN ? ORDER BY id FOR NO KEY UPDATE)
UPDATE users SET event_seq = users.event_seq + 1 FROM locked WHERE users.id = locked.id
RETURNING users.id, users.event_seq`, ids).Scan(&recipients).Error
	} else { // the transaction holds SQLite's write lock
		err = tx.Raw(`UPDATE users SET event_seq = event_seq + 1 WHERE id IN ? RETURNING id, event_seq`, ids).Scan(&recipients).Error
	}
	if err != nil {
		return nil, err
	}
	rows := make([]eventRow, len(recipients))
	events := make([]Event, len(recipients))
	for i, r := range recipients {
		rows[i] = eventRow{UserID: r.ID, Seq: r.EventSeq, Kind: ev.Kind, ConversationID: ev.ConversationID, CreatedAt: ev.At}
		events[i] = Event{UserID: r.ID, Seq: r.EventSeq, Kind: ev.Kind, ConversationID: ev.ConversationID, At: ev.At}
		if ev.Message != nil {
			rows[i].MessageID = &ev.Message.ID
			events[i].MessageID, events[i].Message = ev.Message.ID, ev.Message
		}
		if ev.Data != nil {
			data, ends := ev.Data(r.ID)
			if data != nil {
				p, err := json.Marshal(data)
				if err != nil {
					return nil, err
				}
				payload := string(p)
				rows[i].Payload = &payload
				events[i].Data = data
			}
			rows[i].EndsMembership = ends
		}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return nil, err
	}
	return events, nil
}

// lockSuffix returns the row-lock clause of a SELECT on PostgreSQL (strength
// "UPDATE", "SHARE"…); on SQLite, whose write transactions hold the
// database's write lock from BEGIN, none is needed.
func (s *Service) lockSuffix(strength string) string {
	if s.db.IsPostgres() {
		return " FOR " + strength
	}
	return ""
}

// publish hands committed events to the publisher, if any.
func (s *Service) publish(ctx context.Context, events []Event) {
	if s.pub != nil && len(events) > 0 {
		s.pub.Publish(ctx, events)
	}
}
