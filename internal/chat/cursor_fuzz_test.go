package chat

import (
	"encoding/base64"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// Fuzz targets of the cursor codecs. A cursor is client input: whatever it
// is, decoding answers BAD_USER_INPUT or a value that re-encodes to a cursor
// decoding to the same value, and every cursor the service hands out decodes
// back to what it was made from. Each target decodes its text both as a
// cursor and as what a cursor says (encoded here), since the fuzzer mutates
// the latter much better than its base64.

// cursorOf returns the cursor of a raw "kind:fields" text.
func cursorOf(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

// wantBadInput fails unless err is the BAD_USER_INPUT a malformed cursor gets.
func wantBadInput(t *testing.T, err error, cursor string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeBadUserInput {
		t.Fatalf("cursor %q: error %v, want BAD_USER_INPUT", cursor, err)
	}
}

const fuzzUserID = "0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5e"

func FuzzDecodeEventCursor(f *testing.F) {
	other := "0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5f"
	for _, c := range []string{
		EventCursor(fuzzUserID, 0),
		EventCursor(fuzzUserID, 42),
		EventCursor(fuzzUserID, math.MaxInt64),
		EventCursor(other, 7),
		EventCursor("", 1),
		"e:" + fuzzUserID + ":12",
		"e:" + fuzzUserID + ":-1",
		"e:" + fuzzUserID + ":+5",
		"e:" + fuzzUserID + ":9223372036854775808",
		"e:" + fuzzUserID + ":1:2",
		"e:" + fuzzUserID,
		"m:42",
		MessageCursor(3) + "=",
		"",
		"%%%",
		"ZTo",
	} {
		f.Add(fuzzUserID, c, int64(1))
	}
	f.Add("a:b", EventCursor("a:b", 5), int64(5))
	f.Add("a", "e:a:5", int64(-1))
	f.Fuzz(func(t *testing.T, user, text string, seq int64) {
		for _, cursor := range []string{text, cursorOf(text)} {
			checkEventCursor(t, user, cursor)
		}

		// The cursor of (user, seq) decodes to seq for user, and for nobody
		// else. User ids are UUIDs (never a ':'), and seqs start at 0.
		c := EventCursor(user, seq)
		got, err := DecodeEventCursor(user, c)
		if seq >= 0 && !strings.Contains(user, ":") {
			if err != nil || got != seq {
				t.Fatalf("EventCursor(%q, %d) = %q decodes to %d, %v", user, seq, c, got, err)
			}
		} else if err == nil && got != seq {
			t.Fatalf("EventCursor(%q, %d) = %q decodes to another seq %d", user, seq, c, got)
		}
		for _, other := range []string{user + "x", "x" + user, fuzzUserID, ""} {
			if other == user {
				continue
			}
			if s, err := DecodeEventCursor(other, c); err == nil {
				t.Fatalf("EventCursor(%q, %d) = %q decodes for user %q (seq %d)", user, seq, c, other, s)
			}
		}
	})
}

// checkEventCursor decodes an arbitrary cursor for user: BAD_USER_INPUT, or
// a seq whose cursor decodes to it again and that no other user can use.
func checkEventCursor(t *testing.T, user, cursor string) {
	t.Helper()
	got, err := DecodeEventCursor(user, cursor)
	if err != nil {
		wantBadInput(t, err, cursor)
		return
	}
	if got < 0 {
		t.Fatalf("cursor %q decodes to negative seq %d", cursor, got)
	}
	if again, err := DecodeEventCursor(user, EventCursor(user, got)); err != nil || again != got {
		t.Fatalf("cursor %q decodes to %d, its re-encoding to %d, %v", cursor, got, again, err)
	}
	for _, other := range []string{user + "x", "x" + user, strings.ToUpper(user), ""} {
		if other == user {
			continue
		}
		if s, err := DecodeEventCursor(other, cursor); err == nil {
			t.Fatalf("cursor %q of user %q also decodes for user %q (seq %d)", cursor, user, other, s)
		}
	}
}

func FuzzDecodeMessageCursor(f *testing.F) {
	for _, c := range []string{
		MessageCursor(0),
		MessageCursor(1),
		MessageCursor(math.MaxInt64),
		"m:12",
		"m:-1",
		"m:+1",
		"m:007",
		"m:1e3",
		"m:9223372036854775808",
		"m:",
		"c:1:" + fuzzUserID,
		EventCursor(fuzzUserID, 1),
		MessageCursor(5) + "==",
		"",
		"\x00",
	} {
		f.Add(c, int64(0))
	}
	f.Fuzz(func(t *testing.T, text string, seq int64) {
		for _, cursor := range []string{text, cursorOf(text)} {
			got, err := decodeMessageCursor(cursor)
			if err != nil {
				wantBadInput(t, err, cursor)
				continue
			}
			if got < 0 {
				t.Fatalf("cursor %q decodes to negative seq %d", cursor, got)
			}
			if again, err := decodeMessageCursor(MessageCursor(got)); err != nil || again != got {
				t.Fatalf("cursor %q decodes to %d, its re-encoding to %d, %v", cursor, got, again, err)
			}
		}
		if seq >= 0 {
			if got, err := decodeMessageCursor(MessageCursor(seq)); err != nil || got != seq {
				t.Fatalf("MessageCursor(%d) decodes to %d, %v", seq, got, err)
			}
		}
	})
}

func FuzzDecodeConversationCursor(f *testing.F) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	for _, c := range []string{
		ConversationCursor(&Conversation{ID: fuzzUserID, LastActivityAt: now}),
		ConversationCursor(&Conversation{ID: fuzzUserID, LastActivityAt: time.Unix(0, 0)}),
		"c:1735787045678901:" + fuzzUserID,
		"c:-9223372036854775808:" + fuzzUserID,
		"c:9223372036854775807:" + fuzzUserID,
		"c:1:" + strings.ToUpper(fuzzUserID),
		"c:1:{" + fuzzUserID + "}",
		"c:1:urn:uuid:" + fuzzUserID,
		"c:1:" + strings.ReplaceAll(fuzzUserID, "-", ""),
		"c:1",
		"c::" + fuzzUserID,
		MessageCursor(1),
		"",
	} {
		f.Add(c, now.UnixMicro(), fuzzUserID)
	}
	f.Fuzz(func(t *testing.T, text string, micros int64, id string) {
		for _, cursor := range []string{text, cursorOf(text)} {
			at, gotID, err := decodeConversationCursor(cursor)
			if err != nil {
				wantBadInput(t, err, cursor)
				continue
			}
			if !validID(gotID) {
				t.Fatalf("cursor %q decodes to id %q, which no row can have", cursor, gotID)
			}
			c := &Conversation{ID: gotID, LastActivityAt: at}
			at2, id2, err := decodeConversationCursor(ConversationCursor(c))
			if err != nil || !at2.Equal(at) || id2 != gotID {
				t.Fatalf("cursor %q decodes to (%v, %q), its re-encoding to (%v, %q), %v", cursor, at, gotID, at2, id2, err)
			}
		}
		// Every conversation the service can hand out has a cursor that
		// decodes to its position (times are stored to the microsecond).
		if validID(id) {
			at := time.UnixMicro(micros).UTC()
			gotAt, gotID, err := decodeConversationCursor(ConversationCursor(&Conversation{ID: id, LastActivityAt: at}))
			if err != nil || !gotAt.Equal(at) || gotID != id {
				t.Fatalf("cursor of (%v, %q) decodes to (%v, %q), %v", at, id, gotAt, gotID, err)
			}
		}
	})
}
