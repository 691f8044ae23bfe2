package chat

import (
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/messenger/messenger/internal/database"
)

// Participant is one user's membership of a conversation.
type Participant struct {
	ConversationID string
	UserID         string
	LastReadSeq    int64
	JoinedAt       time.Time
}

// Group size limits, the creator included.
const (
	MinGroupMembers = 2
	MaxGroupMembers = 256
)

// viewerConversationSQL selects conversations with the viewer's read marker;
// the join keeps out every conversation the viewer is not in.
const viewerConversationSQL = `SELECT c.*, p.last_read_seq FROM conversations c
JOIN participants p ON p.conversation_id = c.id AND p.user_id = ?`

// StartDirectConversation returns the one direct conversation between the
// viewer and the user called username, creating it if needed. Concurrent
// calls from either side yield the same conversation. Creating it writes a
// participants_changed event (both added) to both users' streams, so that
// their devices show it at once. NOT_FOUND for an unknown username,
// BAD_USER_INPUT for the viewer's own.
func (s *Service) StartDirectConversation(ctx context.Context, viewerID, username string) (*Conversation, error) {
	other, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if other == nil {
		return nil, errNotFound("user")
	}
	if other.ID == viewerID {
		return nil, errBadInput("cannot start a direct conversation with yourself")
	}
	pair := []string{viewerID, other.ID}
	slices.Sort(pair)
	key := pair[0] + ":" + pair[1]
	now := database.Now()
	var events []Event
	err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		conv := &Conversation{ID: newID(), Kind: KindDirect, DirectKey: &key, LastActivityAt: now, CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "direct_key"}}, DoNothing: true}).Create(conv)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // created before, by either side
		}
		err := tx.Create([]Participant{
			{ConversationID: conv.ID, UserID: pair[0], JoinedAt: now},
			{ConversationID: conv.ID, UserID: pair[1], JoinedAt: now},
		}).Error
		if err != nil {
			return err
		}
		events, err = s.appendEvents(tx, participantsChanged(conv.ID, viewerID, pair, nil), pair)
		return err
	})
	if err != nil {
		return nil, internal("start direct conversation", err)
	}
	s.publish(ctx, events)
	var convs []*Conversation
	err = s.conn(ctx).Raw(viewerConversationSQL+" WHERE c.direct_key = ?", viewerID, key).Scan(&convs).Error
	if err != nil {
		return nil, internal("start direct conversation", err)
	}
	if len(convs) == 0 {
		return nil, internal("start direct conversation", errors.New("conversation vanished after creation"))
	}
	return convs[0], nil
}

// CreateGroupInput is what the creator of a group gives.
type CreateGroupInput struct {
	Title     string
	Usernames []string
}

// CreateGroupConversation creates a group of the viewer and the named users.
// The title must be 1-100 characters; the group must have 2-256 members, the
// creator included (repeated names count once). Every member gets a
// participants_changed event (all of them added), so that their devices show
// the group at once. BAD_USER_INPUT for invalid input or unknown usernames.
func (s *Service) CreateGroupConversation(ctx context.Context, viewerID string, in CreateGroupInput) (*Conversation, error) {
	title, ok := cleanName(in.Title)
	if n := utf8.RuneCountInString(title); !ok || n < 1 || n > MaxTitleLength {
		return nil, errBadInput("title must be 1 to %d characters, without control or bidirectional formatting characters", MaxTitleLength)
	}
	users, err := s.usersNamed(ctx, "create group", in.Usernames)
	if err != nil {
		return nil, err
	}
	members := []string{viewerID}
	for _, u := range users {
		if u.ID != viewerID {
			members = append(members, u.ID)
		}
	}
	if len(members) < MinGroupMembers || len(members) > MaxGroupMembers {
		return nil, errBadInput("a group has %d to %d members, its creator included", MinGroupMembers, MaxGroupMembers)
	}
	now := database.Now()
	conv := &Conversation{ID: newID(), Kind: KindGroup, Title: &title, LastActivityAt: now, CreatedAt: now, OwnerID: &viewerID}
	participants := make([]Participant, len(members))
	for i, id := range members {
		participants[i] = Participant{ConversationID: conv.ID, UserID: id, JoinedAt: now}
	}
	var events []Event
	err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(conv).Error; err != nil {
			return err
		}
		if err := tx.Create(participants).Error; err != nil {
			return err
		}
		var err error
		events, err = s.appendEvents(tx, participantsChanged(conv.ID, viewerID, members, nil), members)
		return err
	})
	if err != nil {
		return nil, internal("create group", err)
	}
	s.publish(ctx, events)
	return conv, nil
}

// Conversation returns the conversation with id as the viewer sees it;
// NOT_FOUND when it does not exist or the viewer is not in it.
func (s *Service) Conversation(ctx context.Context, viewerID, id string) (*Conversation, error) {
	if !validID(id) {
		return nil, errNotFound("conversation")
	}
	var convs []*Conversation
	if err := s.conn(ctx).Raw(viewerConversationSQL+" WHERE c.id = ?", viewerID, id).Scan(&convs).Error; err != nil {
		return nil, internal("conversation", err)
	}
	if len(convs) == 0 {
		return nil, errNotFound("conversation")
	}
	return convs[0], nil
}

// ConversationsByIDs returns, keyed by id, those of the conversations that
// the viewer is in.
func (s *Service) ConversationsByIDs(ctx context.Context, viewerID string, ids []string) (map[string]*Conversation, error) {
	return byIDs(ctx, s, "conversations by ids", ids, func(q *gorm.DB, ids []string) (convs []*Conversation, err error) {
		return convs, q.Raw(viewerConversationSQL+" WHERE c.id IN ?", viewerID, ids).Scan(&convs).Error
	}, func(c *Conversation) string { return c.ID })
}

// Conversations returns the viewer's conversations, most recent activity
// first, first at a time after the cursor. BAD_USER_INPUT when first is not
// 1-100 or the cursor is malformed.
func (s *Service) Conversations(ctx context.Context, viewerID string, first int, after *string) (*ConversationPage, error) {
	if first < 1 || first > MaxPageSize {
		return nil, errBadInput("first must be between 1 and %d", MaxPageSize)
	}
	q := s.conn(ctx)
	sql := viewerConversationSQL
	args := []any{viewerID}
	if after != nil {
		at, id, err := decodeConversationCursor(*after)
		if err != nil {
			return nil, err
		}
		sql += " WHERE c.last_activity_at < ? OR (c.last_activity_at = ? AND c.id < ?)"
		args = append(args, at, at, id)
	}
	sql += " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?"
	args = append(args, first+1)
	var convs []*Conversation
	if err := q.Raw(sql, args...).Scan(&convs).Error; err != nil {
		return nil, internal("conversations", err)
	}
	page := &ConversationPage{Conversations: convs}
	if len(convs) > first {
		page.Conversations, page.HasNextPage = convs[:first], true
	}
	return page, nil
}

// ParticipantsByConversationIDs returns the members of each conversation,
// keyed by conversation id, in the order they joined (then by id). The caller
// must have checked that the viewer may see these conversations.
func (s *Service) ParticipantsByConversationIDs(ctx context.Context, ids []string) (map[string][]*User, error) {
	ids = keepValidIDs(ids)
	byConv := make(map[string][]*User, len(ids))
	if len(ids) == 0 {
		return byConv, nil
	}
	var rows []struct {
		ConversationID string
		User           `gorm:"embedded"`
	}
	err := s.conn(ctx).Raw(`SELECT p.conversation_id, u.* FROM participants p JOIN users u ON u.id = p.user_id
WHERE p.conversation_id IN ? ORDER BY p.joined_at, u.id`, ids).Scan(&rows).Error
	if err != nil {
		return nil, internal("participants", err)
	}
	for i := range rows {
		u := rows[i].User
		byConv[rows[i].ConversationID] = append(byConv[rows[i].ConversationID], &u)
	}
	return byConv, nil
}
