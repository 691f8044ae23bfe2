// Package dbtest gives tests fresh, migrated databases of both dialects:
// SQLite in a temporary directory and PostgreSQL in a schema of its own.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/messenger/messenger/internal/database"
)

// DefaultPostgresURL is used when MESSENGER_TEST_POSTGRES is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn as two subtests, "sqlite" and "postgres", each on a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "messenger.db"))
}

// SQLiteURL returns the database URL of a fresh SQLite file in a temporary directory.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "messenger.db")
}

// Postgres returns a migrated PostgreSQL database confined to a new schema
// that is dropped when the test ends. Without a reachable server the test is
// skipped, except under CI (CI set), where that is a failure.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates a new schema on the test server and returns a URL whose
// connections use it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("MESSENGER_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("dbtest: PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("dbtest: PostgreSQL not reachable (set MESSENGER_TEST_POSTGRES): %v", err)
	}
	defer conn.Close(ctx)
	schema := "t_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Logf("dbtest: drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("dbtest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, rawURL string) *database.DB {
	t.Helper()
	db, err := database.OpenAndMigrate(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
