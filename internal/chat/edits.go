package chat

import (
	"context"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// EditMessage replaces the content of one of the viewer's messages (trimmed,
// 1-4000 characters of valid text, as when sent) and sets its EditedAt; every
// participant gets a message_edited event. Editing to the content it already
// has writes nothing and returns the message (so retries are idempotent).
// Concurrent edits of one message are serialised on its row: each that
// changes the content writes its own event, and the last one wins. NOT_FOUND
// when the message does not exist or the viewer is not in its conversation;
// FORBIDDEN for another sender's message; BAD_USER_INPUT for invalid content
// or a deleted message.
func (s *Service) EditMessage(ctx context.Context, viewerID, messageID, content string) (*Message, error) {
	content, err := cleanContent(content)
	if err != nil {
		return nil, err
	}
	return s.changeMessage(ctx, "edit message", viewerID, messageID, func(msg *Message) (EventKind, bool, error) {
		if msg.DeletedAt != nil {
			return "", false, errBadInput("a deleted message cannot be edited")
		}
		if msg.Content == content {
			return "", false, nil
		}
		now := database.Now()
		msg.Content, msg.EditedAt = content, &now
		return EventKindMessageEdited, true, nil
	})
}

// DeleteMessage turns one of the viewer's messages into a tombstone: empty
// content and DeletedAt set, its seq kept (so numbering stays gap-free, and
// lastMessage shows it if it was the last); every participant gets a
// message_deleted event. Deleting a deleted message writes nothing and
// returns it. NOT_FOUND when the message does not exist or the viewer is not
// in its conversation; FORBIDDEN for another sender's message.
func (s *Service) DeleteMessage(ctx context.Context, viewerID, messageID string) (*Message, error) {
	return s.changeMessage(ctx, "delete message", viewerID, messageID, func(msg *Message) (EventKind, bool, error) {
		if msg.DeletedAt != nil {
			return "", false, nil
		}
		now := database.Now()
		msg.Content, msg.DeletedAt = "", &now
		return EventKindMessageDeleted, true, nil
	})
}

// changeMessage runs change on the viewer's message under its row lock, in
// one transaction that also holds its conversation's membership still;
// when change reports a change, it stores the message and writes an event of
// the kind change returned for every participant, published after commit.
func (s *Service) changeMessage(ctx context.Context, op, viewerID, messageID string, change func(msg *Message) (kind EventKind, changed bool, err error)) (*Message, error) {
	if !validID(messageID) {
		return nil, errNotFound("message")
	}
	var convIDs []string
	if err := s.conn(ctx).Model(&Message{}).Where("id = ?", messageID).Pluck("conversation_id", &convIDs).Error; err != nil {
		return nil, internal(op, err)
	}
	if len(convIDs) == 0 {
		return nil, errNotFound("message")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var msg *Message
	var events []Event
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		// The conversation first, as every writer locks it (shared: edits of
		// one conversation run side by side), then the message.
		_, members, err := s.lockConversation(tx, "SHARE", viewerID, convIDs[0])
		if err != nil {
			if ErrorCode(err) == CodeNotFound {
				return errNotFound("message")
			}
			return err
		}
		var msgs []*Message
		if err := tx.Raw(`SELECT * FROM messages WHERE id = ?`+s.lockSuffix("UPDATE"), messageID).Scan(&msgs).Error; err != nil {
			return err
		}
		if len(msgs) == 0 {
			return errNotFound("message")
		}
		msg = msgs[0]
		if msg.SenderID != viewerID {
			return Errorf(CodeForbidden, "only the sender can change a message")
		}
		kind, changed, err := change(msg)
		if err != nil || !changed {
			return err
		}
		err = tx.Model(&Message{}).Where("id = ?", msg.ID).
			Updates(map[string]any{"content": msg.Content, "edited_at": msg.EditedAt, "deleted_at": msg.DeletedAt}).Error
		if err != nil {
			return err
		}
		at := msg.DeletedAt
		if kind == EventKindMessageEdited {
			at = msg.EditedAt
		}
		events, err = s.appendEvents(tx, draft{Kind: kind, ConversationID: msg.ConversationID, At: *at, Message: msg}, memberIDs(members))
		return err
	})
	if err != nil {
		return nil, internal(op, err)
	}
	s.publish(ctx, events)
	return msg, nil
}
