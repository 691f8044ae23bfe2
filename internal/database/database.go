// Package database opens the messenger's database (PostgreSQL, or the
// embedded SQLite default) through gorm and brings its schema up to date.
package database

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/messenger/messenger/migrations"
)

// DefaultSQLitePath is where the embedded database lives when no URL is given.
const DefaultSQLitePath = "data/messenger.db"

// DB is an open database and the SQL dialect it speaks.
type DB struct {
	*gorm.DB
	Dialect string // migrations.Postgres or migrations.SQLite
}

// IsPostgres reports whether the database is PostgreSQL.
func (db *DB) IsPostgres() bool { return db.Dialect == migrations.Postgres }

// Open connects to the database named by rawURL: a postgres:// or
// postgresql:// URL, a sqlite:PATH (or file:PATH) name, or "" for the
// embedded SQLite file at DefaultSQLitePath. It does not migrate.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                Now,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var db *DB
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		g, err := gorm.Open(postgres.New(postgres.Config{DSN: rawURL}), cfg)
		if err != nil {
			return nil, fmt.Errorf("database: open postgres: %w", err)
		}
		db = &DB{DB: g, Dialect: migrations.Postgres}
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "file:")
		if path == "" {
			path = DefaultSQLitePath
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			return nil, errors.New("database: sqlite: options in the URL are not supported")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("database: sqlite: %w", err)
		}
		// WAL lets readers run beside the writer; _txlock=immediate takes the write
		// lock at BEGIN so two writers queue on busy_timeout instead of failing.
		dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(NORMAL)&_txlock=immediate"
		g, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("database: open sqlite: %w", err)
		}
		db = &DB{DB: g, Dialect: migrations.SQLite}
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	// A bounded pool: PostgreSQL's connection slots are shared by every
	// instance, and SQLite serializes writers anyway (waiting here is fairer
	// than retrying on its busy handler).
	if db.IsPostgres() {
		sqlDB.SetMaxOpenConns(postgresMaxConns)
		sqlDB.SetMaxIdleConns(postgresMaxConns)
	} else {
		sqlDB.SetMaxOpenConns(sqliteMaxConns)
		sqlDB.SetMaxIdleConns(sqliteMaxConns)
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// Connection pool sizes.
const (
	postgresMaxConns = 20
	sqliteMaxConns   = 4
)

// OpenAndMigrate opens the database like Open and applies pending migrations.
func OpenAndMigrate(ctx context.Context, rawURL string) (*DB, error) {
	db, err := Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies every pending migration of the database's dialect.
func (db *DB) Migrate(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return migrations.Up(ctx, sqlDB, db.Dialect)
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("database: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return sqlDB.Close()
}

// Now is the clock of every stored timestamp: UTC, at the microsecond
// precision that both dialects keep.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
