// Package migrations holds the database schema of the messenger, one folder
// per SQL dialect with the same numbering, applied with pressly/goose.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialects names the folders of this package; each is also a goose dialect.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Up applies every pending migration of the dialect to db.
func Up(ctx context.Context, db *sql.DB, dialect string) error {
	var gooseDialect goose.Dialect
	switch dialect {
	case Postgres:
		gooseDialect = goose.DialectPostgres
	case SQLite:
		gooseDialect = goose.DialectSQLite3
	default:
		return fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	dir, err := fs.Sub(files, dialect)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	provider, err := goose.NewProvider(gooseDialect, db, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrations: apply: %w", err)
	}
	return nil
}
