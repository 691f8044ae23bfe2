package database_test

import (
	"context"
	"testing"

	"github.com/messenger/messenger/internal/database"
	"github.com/messenger/messenger/internal/database/dbtest"
)

func TestMigrate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Run("IdempotentAndComplete", func(t *testing.T) {
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			for _, table := range []string{"users", "conversations", "participants", "messages", "user_events", "settings"} {
				if !db.Migrator().HasTable(table) {
					t.Errorf("table %s missing", table)
				}
			}
			if !db.Migrator().HasColumn("users", "event_seq") {
				t.Error("users.event_seq missing")
			}
		})
	})
}
