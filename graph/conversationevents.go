package graph

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// shownKinds are the event kinds that conversationEvents shows; every other
// kind (none today) only moves the stream past it.
var shownKinds = map[string]bool{
	chat.EventKindMessageCreated:      true,
	chat.EventKindMessageEdited:       true,
	chat.EventKindMessageDeleted:      true,
	chat.EventKindReadMarkerMoved:     true,
	chat.EventKindParticipantsChanged: true,
	chat.EventKindConversationRenamed: true,
	chat.EventKindTyping:              true,
}

// conversationEvent returns the GraphQL value of a stream event of one of
// the shownKinds, which the stream delivers with its message or its data.
func conversationEvent(ev chat.Event) model.ConversationEvent {
	at := ev.At
	if at.IsZero() && ev.Message != nil {
		at = ev.Message.CreatedAt // the write path of new messages leaves At out
	}
	data := ev.Data
	if data == nil {
		data = &chat.EventData{}
	}
	switch ev.Kind {
	case chat.EventKindMessageCreated:
		return &model.MessageCreatedEvent{ConversationID: ev.ConversationID, At: at, Message: ev.Message}
	case chat.EventKindMessageEdited:
		return &model.MessageEditedEvent{ConversationID: ev.ConversationID, At: at, Message: ev.Message}
	case chat.EventKindMessageDeleted:
		return &model.MessageDeletedEvent{ConversationID: ev.ConversationID, At: at, Message: ev.Message}
	case chat.EventKindReadMarkerMoved:
		return &model.ReadMarkerMovedEvent{ConversationID: ev.ConversationID, At: at,
			Marker: &chat.ReadMarker{UserID: data.UserID, LastReadSeq: data.LastReadSeq}, UnreadCount: int(data.UnreadCount)}
	case chat.EventKindParticipantsChanged:
		return &model.ParticipantsChangedEvent{ConversationID: ev.ConversationID, At: at,
			ByID: data.UserID, AddedIDs: data.Added, RemovedIDs: data.Removed}
	case chat.EventKindConversationRenamed:
		return &model.ConversationRenamedEvent{ConversationID: ev.ConversationID, At: at, Title: data.Title}
	case chat.EventKindTyping:
		return &model.TypingEvent{ConversationID: ev.ConversationID, At: at, UserID: data.UserID, ExpiresAt: data.ExpiresAt}
	}
	return nil
}

// user loads the user with id; NOT_FOUND when there is none.
func (r *Resolver) user(ctx context.Context, id string) (*chat.User, error) {
	u, err := load(ctx, r.loadersFor(ctx).Users, id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, chat.Errorf(chat.CodeNotFound, "user not found")
	}
	return u, nil
}

// users loads the users with ids in one batch, in order, leaving out any
// that no longer exist.
func (r *Resolver) users(ctx context.Context, ids []string) ([]*chat.User, error) {
	found, err := r.loadersFor(ctx).Users.LoadAll(ctx, ids)
	var errs dataloadgen.ErrorSlice
	if err != nil && !errors.As(err, &errs) {
		return nil, err
	}
	out := make([]*chat.User, 0, len(ids))
	for i, u := range found {
		if i < len(errs) && errs[i] != nil && !isMissing(errs[i]) {
			return nil, errs[i]
		}
		if u != nil {
			out = append(out, u)
		}
	}
	return out, nil
}
