package chat

import (
	"context"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

// TestOneStatementWritesTheRowsOfAppend writes the same message to two
// PostgreSQL databases holding the same rows, once with the one-statement
// write and once with writeMessage (which appends its events through
// appendEvents, as every other write path does), and compares every row of
// every table the write touches, and the events it returns.
func TestOneStatementWritesTheRowsOfAppend(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 10, 11, 12, 131415000, time.UTC)
	client := "retry-1"
	write := func(t *testing.T, oneStatement bool) (map[string][]string, []Event) {
		db := dbtest.Postgres(t)
		seedTwins(t, db, at)
		s := NewService(db, nil)
		msg := &Message{ID: "01900000-0000-7000-8000-0000000000f1", ConversationID: twinConversation, SenderID: twinUsers[1],
			Content: "hello", ClientMessageID: &client, CreatedAt: at.Add(time.Minute)}
		var events []Event
		var err error
		if oneStatement {
			events, err = s.writeMessageInOneStatement(ctx, msg)
		} else {
			err = s.conn(ctx).Transaction(func(tx *gorm.DB) error {
				events, err = s.writeMessage(tx, msg)
				return err
			})
		}
		if err != nil {
			t.Fatal(err)
		}
		tables := map[string][]string{}
		for _, table := range []string{"user_events", "messages", "conversations", "participants", "users"} {
			var rows []string
			if err := db.Raw(`SELECT row_to_json(t)::text FROM ` + table + ` t ORDER BY 1`).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			tables[table] = rows
		}
		return tables, events
	}
	oneTables, oneEvents := write(t, true)
	appendTables, appendEvents := write(t, false)
	for table, rows := range oneTables {
		if !reflect.DeepEqual(rows, appendTables[table]) {
			t.Errorf("%s differs:\none statement: %q\nappend:        %q", table, rows, appendTables[table])
		}
	}
	if len(oneTables["user_events"]) != len(twinUsers) {
		t.Fatalf("%d user_events rows, want one per member", len(oneTables["user_events"]))
	}
	if !reflect.DeepEqual(oneEvents, appendEvents) {
		t.Errorf("published events differ:\none statement: %+v\nappend:        %+v", oneEvents, appendEvents)
	}
}

// The rows seedTwins writes: three members of one group, whose streams
// stand at different seqs.
var (
	twinUsers        = []string{"01900000-0000-7000-8000-0000000000a1", "01900000-0000-7000-8000-0000000000a2", "01900000-0000-7000-8000-0000000000a3"}
	twinConversation = "01900000-0000-7000-8000-0000000000c1"
)

// seedTwins writes the same users, group and memberships to db every time.
func seedTwins(t *testing.T, db *database.DB, at time.Time) {
	t.Helper()
	title := "twins"
	rows := []any{
		&[]User{{ID: twinUsers[0], Username: "ann", DisplayName: "Ann", PasswordHash: "x", EventSeq: 7, CreatedAt: at},
			{ID: twinUsers[1], Username: "ben", DisplayName: "Ben", PasswordHash: "x", EventSeq: 2, CreatedAt: at},
			{ID: twinUsers[2], Username: "cat", DisplayName: "Cat", PasswordHash: "x", EventSeq: 0, CreatedAt: at}},
		&Conversation{ID: twinConversation, Kind: KindGroup, Title: &title, LastSeq: 4, LastActivityAt: at, CreatedAt: at, OwnerID: &twinUsers[0]},
		&[]Participant{{ConversationID: twinConversation, UserID: twinUsers[0], LastReadSeq: 4, JoinedAt: at},
			{ConversationID: twinConversation, UserID: twinUsers[1], LastReadSeq: 1, JoinedAt: at},
			{ConversationID: twinConversation, UserID: twinUsers[2], LastReadSeq: 0, JoinedAt: at}},
	}
	for _, r := range rows {
		if err := db.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
}
