package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/messenger/messenger/internal/auth"
	"github.com/messenger/messenger/internal/database"
)

// Service implements the messenger's use cases over one database. Every
// method takes the acting user's id where authorization applies, and a
// conversation the viewer is not in is reported as not found.
type Service struct {
	db        *database.DB
	pub       Publisher
	passwords *auth.Passwords
	tokens    *auth.Tokens
}

// Option configures a Service built by NewService.
type Option func(*Service)

// WithPasswords makes the service hash and check passwords with p (and so
// within p's limit on concurrent hashes) instead of within auth's defaults.
func WithPasswords(p *auth.Passwords) Option {
	return func(s *Service) { s.passwords = p }
}

// WithTokens makes the service issue the access tokens of the sessions it
// starts with t; a session lasts as long as t's tokens (t.TTL()). Without
// it, logging in, signing up with a session and changing a password fail.
func WithTokens(t *auth.Tokens) Option {
	return func(s *Service) { s.tokens = t }
}

// NewService returns a Service over db that hands committed events to pub
// (nil: events are only stored, and subscribers read them from the database),
// hashing passwords within auth's default limits unless opts say otherwise.
func NewService(db *database.DB, pub Publisher, opts ...Option) *Service {
	s := &Service{db: db, pub: pub, passwords: auth.NewPasswords(auth.DefaultHashConcurrency, auth.DefaultHashWait, nil)}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// conn returns the gorm handle bound to ctx.
func (s *Service) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// newID returns a new time-ordered (version 7) UUID.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// internal wraps an unexpected error with what was being done.
func internal(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("chat: %s: %w", op, err)
}
