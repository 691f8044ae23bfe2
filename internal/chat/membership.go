package chat

import (
	"context"
	"slices"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
)

// MaxTitleLength is the longest group title, in characters.
const MaxTitleLength = 100

// lockConversation locks the conversation's row inside tx (strength:
// "UPDATE" for changes of its membership or title, "SHARE" for writes that
// only need the membership to hold still) and returns it as viewerID sees it,
// with its members in the order they joined. NOT_FOUND unless viewerID is a
// member.
func (s *Service) lockConversation(tx *gorm.DB, strength, viewerID, id string) (*Conversation, []Participant, error) {
	if !validID(id) {
		return nil, nil, errNotFound("conversation")
	}
	var convs []*Conversation
	if err := tx.Raw(`SELECT * FROM conversations WHERE id = ?`+s.lockSuffix(strength), id).Scan(&convs).Error; err != nil {
		return nil, nil, err
	}
	if len(convs) == 0 {
		return nil, nil, errNotFound("conversation")
	}
	var members []Participant
	if err := tx.Where("conversation_id = ?", id).Order("joined_at, user_id").Find(&members).Error; err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(members, func(p Participant) bool { return p.UserID == viewerID })
	if i < 0 {
		return nil, nil, errNotFound("conversation")
	}
	convs[0].LastReadSeq = members[i].LastReadSeq
	return convs[0], members, nil
}

// memberIDs returns the user ids of members, in order.
func memberIDs(members []Participant) []string {
	ids := make([]string, len(members))
	for i, p := range members {
		ids[i] = p.UserID
	}
	return ids
}

// changeGroup runs change in one transaction on the group conversationID,
// locked for update, after checking that the viewer is a member (else
// NOT_FOUND) and that it is a group (else BAD_USER_INPUT); it publishes the
// events change returns after commit. The write outlives a client that hangs
// up, so that what is stored is also published.
func (s *Service) changeGroup(ctx context.Context, op, viewerID, conversationID string,
	change func(tx *gorm.DB, conv *Conversation, members []Participant) ([]Event, error)) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var events []Event
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		conv, members, err := s.lockConversation(tx, "UPDATE", viewerID, conversationID)
		if err != nil {
			return err
		}
		if conv.Kind != KindGroup {
			return errBadInput("a direct conversation cannot be left or changed")
		}
		events, err = change(tx, conv, members)
		return err
	})
	if err != nil {
		return internal(op, err)
	}
	s.publish(ctx, events)
	return nil
}

// participantsChanged returns the participants_changed event of actorID's
// change (for the removed members, it ends their membership).
func participantsChanged(conversationID, actorID string, added, removed []string) draft {
	return draft{Kind: EventKindParticipantsChanged, ConversationID: conversationID, At: database.Now(),
		Payload: same(ParticipantsChanged{ByID: actorID, Added: added, Removed: removed})}
}

// AddParticipants adds the named users to a group the viewer is in (any
// member may), at most MaxGroupMembers in all; each joins with the history
// marked read. Names already in the group are ignored; when nobody is new,
// nothing is written. Every member after the change gets a
// participants_changed event. NOT_FOUND when the viewer is not in the
// conversation; BAD_USER_INPUT for a direct conversation, no or unknown
// usernames, or a group that would grow past the limit.
func (s *Service) AddParticipants(ctx context.Context, viewerID, conversationID string, usernames []string) (*Conversation, error) {
	users, err := s.usersNamed(ctx, "add participants", usernames)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, errBadInput("give 1 to %d usernames", MaxGroupMembers)
	}
	err = s.changeGroup(ctx, "add participants", viewerID, conversationID, func(tx *gorm.DB, conv *Conversation, members []Participant) ([]Event, error) {
		now := database.Now()
		var added []Participant
		for _, u := range users {
			if !slices.ContainsFunc(members, func(p Participant) bool { return p.UserID == u.ID }) {
				added = append(added, Participant{ConversationID: conv.ID, UserID: u.ID, LastReadSeq: conv.LastSeq, JoinedAt: now})
			}
		}
		if len(added) == 0 {
			return nil, nil
		}
		if len(members)+len(added) > MaxGroupMembers {
			return nil, errBadInput("a group has at most %d members", MaxGroupMembers)
		}
		if err := tx.Create(added).Error; err != nil {
			return nil, err
		}
		ids := memberIDs(added)
		return s.appendEvents(tx, participantsChanged(conv.ID, viewerID, ids, nil), append(memberIDs(members), ids...))
	})
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, viewerID, conversationID)
}

// RemoveParticipant removes the user called username from a group; only
// its owner may, and not themself (they leave instead). Removing someone who
// is not a member writes nothing. The remaining members and the removed one
// get a participants_changed event, the removed one's last of this
// conversation. NOT_FOUND when the viewer is not in the conversation or the
// user does not exist; BAD_USER_INPUT for a direct conversation or the
// owner's own name; FORBIDDEN for a member who is not the owner.
func (s *Service) RemoveParticipant(ctx context.Context, viewerID, conversationID, username string) (*Conversation, error) {
	user, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return nil, errNotFound("user")
	}
	err = s.changeGroup(ctx, "remove participant", viewerID, conversationID, func(tx *gorm.DB, conv *Conversation, members []Participant) ([]Event, error) {
		if conv.OwnerID == nil || *conv.OwnerID != viewerID {
			return nil, Errorf(CodeForbidden, "only the group's owner can remove members")
		}
		if user.ID == viewerID {
			return nil, errBadInput("the owner leaves with leaveConversation")
		}
		if !slices.ContainsFunc(members, func(p Participant) bool { return p.UserID == user.ID }) {
			return nil, nil
		}
		if err := tx.Where("conversation_id = ? AND user_id = ?", conv.ID, user.ID).Delete(&Participant{}).Error; err != nil {
			return nil, err
		}
		return s.appendEvents(tx, participantsChanged(conv.ID, viewerID, nil, []string{user.ID}), memberIDs(members))
	})
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, viewerID, conversationID)
}

// LeaveConversation takes the viewer out of a group. When the viewer owned
// it, the role passes to the longest-standing remaining member; the last one
// out leaves an empty group without owner that nobody sees. The remaining
// members and the viewer (whose other devices learn of it) get a
// participants_changed event. NOT_FOUND when the viewer is not in the
// conversation, BAD_USER_INPUT for a direct conversation.
func (s *Service) LeaveConversation(ctx context.Context, viewerID, conversationID string) error {
	return s.changeGroup(ctx, "leave conversation", viewerID, conversationID, func(tx *gorm.DB, conv *Conversation, members []Participant) ([]Event, error) {
		if err := tx.Where("conversation_id = ? AND user_id = ?", conv.ID, viewerID).Delete(&Participant{}).Error; err != nil {
			return nil, err
		}
		if conv.OwnerID != nil && *conv.OwnerID == viewerID {
			var heir *string // members are in join order
			for _, p := range members {
				if p.UserID != viewerID {
					heir = &p.UserID
					break
				}
			}
			if err := tx.Model(&Conversation{}).Where("id = ?", conv.ID).Update("owner_id", heir).Error; err != nil {
				return nil, err
			}
		}
		return s.appendEvents(tx, participantsChanged(conv.ID, viewerID, nil, []string{viewerID}), memberIDs(members))
	})
}

// RenameConversation sets a group's title (1-100 characters, stored like
// a new group's); only its owner may. The same title again writes nothing;
// a new one reaches every member as a conversation_renamed event. NOT_FOUND
// when the viewer is not in the conversation; BAD_USER_INPUT for a direct
// conversation or an invalid title; FORBIDDEN for a member who is not the
// owner.
func (s *Service) RenameConversation(ctx context.Context, viewerID, conversationID, title string) (*Conversation, error) {
	clean, ok := cleanName(title)
	if n := utf8.RuneCountInString(clean); !ok || n < 1 || n > MaxTitleLength {
		return nil, errBadInput("title must be 1 to %d characters, without control or bidirectional formatting characters", MaxTitleLength)
	}
	err := s.changeGroup(ctx, "rename conversation", viewerID, conversationID, func(tx *gorm.DB, conv *Conversation, members []Participant) ([]Event, error) {
		if conv.OwnerID == nil || *conv.OwnerID != viewerID {
			return nil, Errorf(CodeForbidden, "only the group's owner can rename it")
		}
		if conv.Title != nil && *conv.Title == clean {
			return nil, nil
		}
		if err := tx.Model(&Conversation{}).Where("id = ?", conv.ID).Update("title", clean).Error; err != nil {
			return nil, err
		}
		renamed := draft{Kind: EventKindConversationRenamed, ConversationID: conv.ID, At: database.Now(),
			Payload: same(ConversationRenamed{ByID: viewerID, Title: clean})}
		return s.appendEvents(tx, renamed, memberIDs(members))
	})
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, viewerID, conversationID)
}
