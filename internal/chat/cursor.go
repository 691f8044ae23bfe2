package chat

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Cursors are opaque to clients: base64url of "kind:fields". A cursor that
// does not decode is BAD_USER_INPUT.

// MessageCursor returns the cursor of the message with seq.
func MessageCursor(seq int64) string {
	return encodeCursor("m:" + strconv.FormatInt(seq, 10))
}

func decodeMessageCursor(cursor string) (int64, error) {
	raw, ok := decodeCursor(cursor, "m:")
	if ok {
		if seq, err := strconv.ParseInt(raw, 10, 64); err == nil && seq >= 0 {
			return seq, nil
		}
	}
	return 0, errBadInput("malformed message cursor")
}

// ConversationCursor returns the cursor of c in the list of conversations.
func ConversationCursor(c *Conversation) string {
	return encodeCursor("c:" + strconv.FormatInt(c.LastActivityAt.UnixMicro(), 10) + ":" + c.ID)
}

func decodeConversationCursor(cursor string) (time.Time, string, error) {
	raw, ok := decodeCursor(cursor, "c:")
	if ok {
		micros, id, found := strings.Cut(raw, ":")
		// Only times both databases can store and compare: from 1970 to
		// the end of year 9999 (a time outside fails or sorts wrongly).
		if n, err := strconv.ParseInt(micros, 10, 64); err == nil && found && validID(id) && n >= 0 && n <= maxCursorMicros {
			return time.UnixMicro(n).UTC(), id, nil
		}
	}
	return time.Time{}, "", errBadInput("malformed conversation cursor")
}

// maxCursorMicros is the last microsecond of year 9999.
var maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()

// EventCursor returns the cursor of the event with seq in userID's stream.
func EventCursor(userID string, seq int64) string {
	return encodeCursor("e:" + userID + ":" + strconv.FormatInt(seq, 10))
}

// DecodeEventCursor returns the event seq of a cursor of userID's stream;
// BAD_USER_INPUT when it is malformed or belongs to another user.
func DecodeEventCursor(userID, cursor string) (int64, error) {
	raw, ok := decodeCursor(cursor, "e:")
	if ok {
		owner, seqText, found := strings.Cut(raw, ":")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		if found && err == nil && seq >= 0 && owner == userID {
			return seq, nil
		}
	}
	return 0, errBadInput("malformed event cursor")
}

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(cursor, prefix string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", false
	}
	return strings.TrimPrefix(string(b), prefix), true
}
