package chat

import (
	"context"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// ReadMarker is how far one member has read a conversation.
type ReadMarker struct {
	UserID      string
	LastReadSeq int64
}

// MarkConversationAsRead moves the viewer's read marker to seq (default: the
// last message), clamped to the last message; it never moves it back. When
// it moves, every participant gets a read_marker_moved event in the same
// transaction (the viewer's other devices learn their unread count, the
// others how far the viewer has read); when it does not, nothing is written.
// NOT_FOUND when the viewer is not in the conversation, BAD_USER_INPUT for a
// negative seq.
func (s *Service) MarkConversationAsRead(ctx context.Context, viewerID, conversationID string, seq *int64) (*Conversation, error) {
	if seq != nil && *seq < 0 {
		return nil, errBadInput("seq must not be negative")
	}
	conv, err := s.Conversation(ctx, viewerID, conversationID)
	if err != nil {
		return nil, err
	}
	target := conv.LastSeq
	if seq != nil && *seq < target {
		target = *seq
	}
	if target <= conv.LastReadSeq {
		return conv, nil // the common case of a retry costs no write
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var events []Event
	err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		locked, members, err := s.lockConversation(tx, "SHARE", viewerID, conversationID)
		if err != nil {
			return err
		}
		conv = locked
		if target <= conv.LastReadSeq {
			return nil // moved there meanwhile by another device
		}
		err = tx.Model(&Participant{}).Where("conversation_id = ? AND user_id = ?", conv.ID, viewerID).
			Update("last_read_seq", target).Error
		if err != nil {
			return err
		}
		conv.LastReadSeq = target
		unread := make(map[string]int64, len(members))
		for _, p := range members {
			unread[p.UserID] = conv.LastSeq - p.LastReadSeq
		}
		unread[viewerID] = conv.LastSeq - target
		moved := draft{Kind: EventKindReadMarkerMoved, ConversationID: conv.ID, At: database.Now(),
			Payload: func(recipientID string) EventPayload {
				return ReadMarkerMoved{ReaderID: viewerID, LastReadSeq: target, UnreadCount: unread[recipientID]}
			}}
		events, err = s.appendEvents(tx, moved, memberIDs(members))
		return err
	})
	if err != nil {
		return nil, internal("mark as read", err)
	}
	s.publish(ctx, events)
	return conv, nil
}

// ReadMarkersByConversationIDs returns the read markers of every member of
// each conversation, keyed by conversation id, in the order the members
// joined, in one query. The caller must have checked that the viewer may see
// these conversations.
func (s *Service) ReadMarkersByConversationIDs(ctx context.Context, ids []string) (map[string][]*ReadMarker, error) {
	ids = keepValidIDs(ids)
	byConv := make(map[string][]*ReadMarker, len(ids))
	if len(ids) == 0 {
		return byConv, nil
	}
	var rows []Participant
	err := s.conn(ctx).Where("conversation_id IN ?", ids).Order("joined_at, user_id").Find(&rows).Error
	if err != nil {
		return nil, internal("read markers", err)
	}
	for _, p := range rows {
		byConv[p.ConversationID] = append(byConv[p.ConversationID], &ReadMarker{UserID: p.UserID, LastReadSeq: p.LastReadSeq})
	}
	return byConv, nil
}
