package main

// Reading conversationEvents streams in the end-to-end tests: the
// subscription with a selection of every event type, and its events decoded.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// eventsSubscription is conversationEvents with every event type's fields.
const eventsSubscription = `subscription($c: ID, $a: String) { conversationEvents(conversationId: $c, after: $a) {
  __typename conversationId at
  ... on MessageCreatedEvent { message { id seq content editedAt deletedAt } }
  ... on MessageEditedEvent { message { id seq content editedAt deletedAt } }
  ... on MessageDeletedEvent { message { id seq content editedAt deletedAt } }
  ... on ReadMarkerMovedEvent { unreadCount marker { user { username } lastReadSeq } }
  ... on ParticipantsChangedEvent { conversation { id } added { username } removed { username } by { username } }
  ... on ConversationRenamedEvent { title }
  ... on TypingEvent { user { username } expiresAt }
} }`

// eventMessage is the message of a message event.
type eventMessage struct {
	ID        string
	Seq       int
	Content   string
	EditedAt  *time.Time
	DeletedAt *time.Time
}

// username is a user as the events select it.
type username struct{ Username string }

// lifeEvent is one conversationEvents event as a stream delivered it.
type lifeEvent struct {
	Typename       string `json:"__typename"`
	ConversationID string
	At             time.Time
	Message        *eventMessage
	UnreadCount    int
	Marker         *struct {
		User        username
		LastReadSeq int
	}
	Conversation   *struct{ ID string }
	Added, Removed []username
	By             *username
	Title          string
	User           *username
	ExpiresAt      time.Time

	Cursor string `json:"-"` // extensions.cursor
	SSEID  string `json:"-"` // the SSE id: line (GET only)
}

// String is the event in short, for comparisons and failure messages.
func (ev lifeEvent) String() string {
	switch {
	case ev.Message != nil:
		return fmt.Sprintf("%s %d %q", ev.Typename, ev.Message.Seq, ev.Message.Content)
	case ev.Marker != nil:
		return fmt.Sprintf("%s %s@%d unread %d", ev.Typename, ev.Marker.User.Username, ev.Marker.LastReadSeq, ev.UnreadCount)
	case ev.Typename == "ParticipantsChangedEvent":
		return fmt.Sprintf("%s +%v -%v by %v member %v", ev.Typename, ev.Added, ev.Removed, ev.By, ev.Conversation != nil)
	case ev.User != nil:
		return fmt.Sprintf("%s %s", ev.Typename, ev.User.Username)
	}
	return fmt.Sprintf("%s %q", ev.Typename, ev.Title)
}

// openEvents opens a POST stream of eventsSubscription and checks that it is
// an event stream.
func (p *serverProcess) openEvents(t testing.TB, token string, vars map[string]any) *sseStream {
	t.Helper()
	s := p.openPOST(t, token, eventsSubscription, vars)
	if s.Status != http.StatusOK || !strings.HasPrefix(s.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("POST stream: status %d, content type %q", s.Status, s.Header.Get("Content-Type"))
	}
	return s
}

// openEventsGET opens a GET (EventSource) stream of eventsSubscription with
// a fresh ticket, resuming after lastEventID unless it is empty.
func (p *serverProcess) openEventsGET(t testing.TB, token string, lastEventID string) *sseStream {
	t.Helper()
	s := p.openGET(t, p.ticket(t, token), eventsSubscription, nil, lastEventID)
	if s.Status != http.StatusOK {
		t.Fatalf("GET stream: status %d", s.Status)
	}
	return s
}

// lifeEvent returns the next event of a conversationEvents stream (skipping
// the GET stream's starting "cursor" event), failing on anything else.
func (s *sseStream) lifeEvent(t testing.TB) lifeEvent {
	t.Helper()
	ev := s.next(t, guard)
	if ev.Event == "cursor" {
		ev = s.next(t, guard)
	}
	if ev.Event != "next" {
		t.Fatalf("got event %q (%s), want next", ev.Event, ev.Data)
	}
	var p struct {
		Data struct {
			ConversationEvents *lifeEvent `json:"conversationEvents"`
		} `json:"data"`
		Errors     json.RawMessage `json:"errors"`
		Extensions struct {
			Cursor string `json:"cursor"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil || p.Data.ConversationEvents == nil || len(p.Errors) > 0 {
		t.Fatalf("not a conversation event: %s (%v)", ev.Data, err)
	}
	out := *p.Data.ConversationEvents
	out.Cursor, out.SSEID = p.Extensions.Cursor, ev.ID
	return out
}

// lifeEvents reads n events and returns them in short (lifeEvent.String).
func (s *sseStream) lifeEvents(t testing.TB, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = s.lifeEvent(t).String()
	}
	return out
}

// firstErrorCode posts an operation that must fail and returns the code of
// its first error, whatever it is.
func (p *serverProcess) firstErrorCode(t testing.TB, token, query string, vars map[string]any) string {
	t.Helper()
	r, err := p.do(token, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	var errs []struct {
		Extensions struct{ Code string }
	}
	if err := json.Unmarshal(r.Errors, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("%s: no error (data %s)", query, r.Data)
	}
	return errs[0].Extensions.Code
}
