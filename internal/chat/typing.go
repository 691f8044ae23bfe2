package chat

import (
	"context"
	"slices"
	"time"

	"github.com/messenger/messenger/internal/database"
)

// TypingTTL is how long a typing indicator shows after its event.
const TypingTTL = 5 * time.Second

// SendTyping tells the other members of a conversation, live, that the
// viewer is typing: a typing event expiring TypingTTL from now is published
// to their streams only (not the viewer's own devices), never stored, without
// a seq, so never replayed. NOT_FOUND when the viewer is not in the
// conversation.
func (s *Service) SendTyping(ctx context.Context, viewerID, conversationID string) error {
	if !validID(conversationID) {
		return errNotFound("conversation")
	}
	var members []string
	err := s.conn(ctx).Model(&Participant{}).Where("conversation_id = ?", conversationID).Pluck("user_id", &members).Error
	if err != nil {
		return internal("send typing", err)
	}
	i := slices.Index(members, viewerID)
	if i < 0 {
		return errNotFound("conversation")
	}
	now := database.Now()
	typing := draft{Kind: EventKindTyping, ConversationID: conversationID, At: now,
		Payload: same(Typing{TypistID: viewerID, ExpiresAt: now.Add(TypingTTL)})}
	events, err := ephemeralEvents(typing, slices.Delete(members, i, i+1))
	if err != nil {
		return internal("send typing", err)
	}
	s.publish(ctx, events)
	return nil
}
