package chat

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// This file describes every kind of event a user's stream carries: what it
// names (a message, a payload of its own type), whether it is stored and
// replayed or only published live, and whether it ends its recipient's
// membership of the conversation. eventlog.go appends and reads them; the
// GraphQL layer shows them. A new kind of event is a constant, its payload
// type (if any) and a line in eventKinds below, then its GraphQL type.

// EventKind names a kind of event, as stored in user_events.kind and carried
// between instances.
type EventKind string

// The kinds of event.
const (
	// EventKindMessageCreated is written for every member when a message is
	// created; it carries the message.
	EventKindMessageCreated EventKind = "message_created"
	// EventKindMessageEdited is written for every member when a message's
	// sender changes its content; it carries the message as it is now.
	EventKindMessageEdited EventKind = "message_edited"
	// EventKindMessageDeleted is written for every member when a message's
	// sender deletes it; it carries the tombstone.
	EventKindMessageDeleted EventKind = "message_deleted"
	// EventKindReadMarkerMoved is written for every member when a member's
	// read marker moves forward (payload ReadMarkerMoved).
	EventKindReadMarkerMoved EventKind = "read_marker_moved"
	// EventKindParticipantsChanged is written for every member after the
	// change and for every member it removed, whose membership it ends
	// (payload ParticipantsChanged).
	EventKindParticipantsChanged EventKind = "participants_changed"
	// EventKindConversationRenamed is written for every member when a
	// group's title changes (payload ConversationRenamed).
	EventKindConversationRenamed EventKind = "conversation_renamed"
	// EventKindTyping is published, never stored, to the other members
	// while someone types (payload Typing).
	EventKindTyping EventKind = "typing"
	// EventKindSessionEnded is published, never stored, when one of the
	// user's sessions ends: every instance then refuses its tokens and cuts
	// its streams (payload SessionEnded). No stream shows it.
	EventKindSessionEnded EventKind = "session_ended"
)

// kindInfo is how the events of one kind are stored and shown.
type kindInfo struct {
	// ephemeral events are only published: no seq, delivered live only,
	// never replayed, no cursor. The others are stored in user_events with
	// the next seq of their recipient's stream and replayed from there.
	ephemeral bool
	// message: the event names a message and carries it (as it is now, when
	// replayed).
	message bool
	// decode reads the kind's payload from its JSON; nil when the kind
	// carries none.
	decode func(raw []byte) (EventPayload, error)
	// endsMembership, when set, reports whether the event is the last of its
	// conversation that its recipient gets (they are no longer a member).
	endsMembership func(p EventPayload, recipientID string) bool
}

// eventKinds describes every kind of event.
var eventKinds = map[EventKind]kindInfo{
	EventKindMessageCreated:      {message: true},
	EventKindMessageEdited:       {message: true},
	EventKindMessageDeleted:      {message: true},
	EventKindReadMarkerMoved:     {decode: decodeAs[ReadMarkerMoved]},
	EventKindParticipantsChanged: {decode: decodeAs[ParticipantsChanged], endsMembership: removes},
	EventKindConversationRenamed: {decode: decodeAs[ConversationRenamed]},
	EventKindTyping:              {ephemeral: true, decode: decodeAs[Typing]},
	EventKindSessionEnded:        {ephemeral: true, decode: decodeAs[SessionEnded]},
}

// EventPayload is what an event carries besides its message: each kind
// that has one has its own type, named after the kind.
type EventPayload interface {
	// Kind is the kind of event the payload belongs to.
	Kind() EventKind
}

// The payloads. Their JSON is what user_events.payload stores; the field
// names are the stored ones.

// ReadMarkerMoved is the payload of a read_marker_moved event.
type ReadMarkerMoved struct {
	// ReaderID is the member whose read marker moved.
	ReaderID    string `json:"userId"`
	LastReadSeq int64  `json:"lastReadSeq,omitempty"`
	// UnreadCount is the recipient's unread count after the move.
	UnreadCount int64 `json:"unreadCount,omitempty"`
}

// ParticipantsChanged is the payload of a participants_changed event.
type ParticipantsChanged struct {
	// ByID made the change (the one who left, when a member left).
	ByID    string   `json:"userId"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// ConversationRenamed is the payload of a conversation_renamed event.
type ConversationRenamed struct {
	// ByID renamed the group.
	ByID  string `json:"userId"`
	Title string `json:"title"`
}

// Typing is the payload of a typing event.
type Typing struct {
	// TypistID is the member who types.
	TypistID string `json:"userId"`
	// ExpiresAt is when the indicator stops showing, unless another comes.
	ExpiresAt time.Time `json:"expiresAt"`
}

// SessionEnded is the payload of a session_ended event.
type SessionEnded struct {
	SessionID string `json:"sessionId"`
}

// Kind returns EventKindReadMarkerMoved.
func (ReadMarkerMoved) Kind() EventKind { return EventKindReadMarkerMoved }

// Kind returns EventKindParticipantsChanged.
func (ParticipantsChanged) Kind() EventKind { return EventKindParticipantsChanged }

// Kind returns EventKindConversationRenamed.
func (ConversationRenamed) Kind() EventKind { return EventKindConversationRenamed }

// Kind returns EventKindTyping.
func (Typing) Kind() EventKind { return EventKindTyping }

// Kind returns EventKindSessionEnded.
func (SessionEnded) Kind() EventKind { return EventKindSessionEnded }

// removes reports whether a participants_changed payload removes recipientID.
func removes(p EventPayload, recipientID string) bool {
	pc, ok := p.(ParticipantsChanged)
	return ok && slices.Contains(pc.Removed, recipientID)
}

// decodeAs reads a payload of type P from its JSON.
func decodeAs[P EventPayload](raw []byte) (EventPayload, error) {
	var p P
	err := json.Unmarshal(raw, &p)
	return p, err
}

// Event is one entry of a user's event stream, for its recipient UserID:
// Seq numbers that user's stored events 1, 2, 3... in commit order and is
// the cursor a subscription resumes from; an ephemeral event has none. Its
// JSON is what the buses carry (DecodeEvent reads it back).
type Event struct {
	UserID         string    `json:"userId"`
	Seq            int64     `json:"seq"`
	Kind           EventKind `json:"kind"`
	ConversationID string    `json:"conversationId,omitempty"`
	// At is when the event happened.
	At time.Time `json:"at,omitzero"`
	// MessageID names the message of a kind that has one; Message is that
	// message, nil when the event was carried without it.
	MessageID string   `json:"messageId,omitempty"`
	Message   *Message `json:"message,omitempty"`
	// Payload is the kind's payload; nil for a kind without one, or when the
	// event was carried without it.
	Payload EventPayload `json:"data,omitempty"`
	// Stripped marks an event carried without its message and payload (a
	// bus does so for large events; see Strip): the event log has them.
	Stripped bool `json:"stripped,omitempty"`
}

// Ephemeral reports whether ev is only published, never stored: it has no
// seq (only the kinds described as ephemeral are written without one), is
// delivered live only and never replayed.
func (ev *Event) Ephemeral() bool { return ev.Seq == 0 }

// EndsMembership reports whether ev is the last event of its conversation
// that its recipient gets: the participants_changed event that removed them
// (they left or were removed).
func (ev *Event) EndsMembership() bool {
	if ev.Payload == nil {
		return false
	}
	k := eventKinds[ev.Kind]
	return k.endsMembership != nil && k.endsMembership(ev.Payload, ev.UserID)
}

// Incomplete reports whether ev came without the message or the payload
// its kind carries, which a reader finds in the event log.
func (ev *Event) Incomplete() bool { return ev.Stripped || (ev.MessageID != "" && ev.Message == nil) }

// Strip returns ev without its message and payload, marked Stripped; ok is
// false for an ephemeral event, which the event log does not have.
func (ev Event) Strip() (stripped Event, ok bool) {
	if ev.Ephemeral() {
		return ev, false
	}
	ev.Message, ev.Payload, ev.Stripped = nil, nil, true
	return ev, true
}

// DecodeEvent reads an event from its JSON, decoding its payload as its
// kind's type; an unknown kind, or a payload that does not fit its kind, is
// an error.
func DecodeEvent(b []byte) (Event, error) {
	var in struct {
		Event
		Payload json.RawMessage `json:"data,omitempty"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return Event{}, err
	}
	ev := in.Event
	k, ok := eventKinds[ev.Kind]
	if !ok {
		return Event{}, fmt.Errorf("unknown event kind %q", ev.Kind)
	}
	if len(in.Payload) > 0 && k.decode != nil {
		p, err := k.decode(in.Payload)
		if err != nil {
			return Event{}, fmt.Errorf("%s event: payload: %w", ev.Kind, err)
		}
		ev.Payload = p
	}
	return ev, nil
}
