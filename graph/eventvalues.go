package graph

import (
	"github.com/messenger/messenger/graph/model"
	"github.com/messenger/messenger/internal/chat"
)

// eventValues gives, for each kind of event that conversationEvents shows,
// its GraphQL value; the stream delivers every event with its message and
// payload. Every other kind only moves the stream past it.
var eventValues = map[chat.EventKind]func(chat.Event) model.ConversationEvent{
	chat.EventKindMessageCreated: func(ev chat.Event) model.ConversationEvent {
		return &model.MessageCreatedEvent{ConversationID: ev.ConversationID, At: ev.At, Message: ev.Message}
	},
	chat.EventKindMessageEdited: func(ev chat.Event) model.ConversationEvent {
		return &model.MessageEditedEvent{ConversationID: ev.ConversationID, At: ev.At, Message: ev.Message}
	},
	chat.EventKindMessageDeleted: func(ev chat.Event) model.ConversationEvent {
		return &model.MessageDeletedEvent{ConversationID: ev.ConversationID, At: ev.At, Message: ev.Message}
	},
	chat.EventKindReadMarkerMoved: func(ev chat.Event) model.ConversationEvent {
		p, _ := ev.Payload.(chat.ReadMarkerMoved)
		return &model.ReadMarkerMovedEvent{ConversationID: ev.ConversationID, At: ev.At,
			Marker: &chat.ReadMarker{UserID: p.ReaderID, LastReadSeq: p.LastReadSeq}, UnreadCount: int(p.UnreadCount)}
	},
	chat.EventKindParticipantsChanged: func(ev chat.Event) model.ConversationEvent {
		p, _ := ev.Payload.(chat.ParticipantsChanged)
		return &model.ParticipantsChangedEvent{ConversationID: ev.ConversationID, At: ev.At,
			ByID: p.ByID, AddedIDs: p.Added, RemovedIDs: p.Removed}
	},
	chat.EventKindConversationRenamed: func(ev chat.Event) model.ConversationEvent {
		p, _ := ev.Payload.(chat.ConversationRenamed)
		return &model.ConversationRenamedEvent{ConversationID: ev.ConversationID, At: ev.At, Title: p.Title}
	},
	chat.EventKindTyping: func(ev chat.Event) model.ConversationEvent {
		p, _ := ev.Payload.(chat.Typing)
		return &model.TypingEvent{ConversationID: ev.ConversationID, At: ev.At, UserID: p.TypistID, ExpiresAt: p.ExpiresAt}
	},
}

// shownEvent reports whether conversationEvents shows ev.
func shownEvent(ev chat.Event) bool {
	_, ok := eventValues[ev.Kind]
	return ok
}

// eventValue returns the GraphQL value of ev, a kind that shownEvent keeps.
func eventValue(ev chat.Event) model.ConversationEvent { return eventValues[ev.Kind](ev) }
