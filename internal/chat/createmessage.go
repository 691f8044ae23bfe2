package chat

import (
	"context"
	_ "embed"
	"time"

	"gorm.io/gorm"
)

// createMessageSQL is writeMessage's work as one PostgreSQL statement: the
// measured special case of the write path (one round trip instead of five),
// which writes the same rows as writeMessage does.
//
//go:embed createmessage.sql
var createMessageSQL string

// createMessageArgs returns the named arguments of createMessageSQL that
// write msg: the message's columns, and its message_created row's (those
// every recipient's row shares, from the draft appendEvents would write).
func createMessageArgs(msg *Message) (map[string]any, error) {
	template, _, err := created(msg).row("", 0)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":            msg.ID,
		"conv":          msg.ConversationID,
		"sender":        msg.SenderID,
		"content":       msg.Content,
		"client":        msg.ClientMessageID,
		"at":            msg.CreatedAt,
		"event_kind":    template.Kind,
		"event_conv":    template.ConversationID,
		"event_message": template.MessageID,
		"event_at":      template.CreatedAt,
		"event_payload": template.Payload,
		"event_ends":    template.EndsMembership,
	}, nil
}

// writeMessageInOneStatement does CreateMessage's writes on PostgreSQL with
// createMessageSQL and returns the events to publish.
func (s *Service) writeMessageInOneStatement(ctx context.Context, msg *Message) ([]Event, error) {
	args, err := createMessageArgs(msg)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		MessageSeq  int64
		ID          string
		EventSeq    int64
		Username    string
		DisplayName string
		CreatedAt   time.Time
	}
	err = s.conn(ctx).Raw(createMessageSQL, args).Scan(&rows).Error
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
		recipients[i] = recipient{ID: r.ID, EventSeq: r.EventSeq, Username: r.Username, DisplayName: r.DisplayName, CreatedAt: r.CreatedAt}
	}
	_, events, err := created(msg).rows(recipients)
	return events, err
}
