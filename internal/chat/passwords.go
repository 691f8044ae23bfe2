package chat

import (
	"errors"

	"github.com/messenger/messenger/internal/auth"
)

// WithPasswords returns a copy of the service that hashes and checks
// passwords with p (and so within p's limit on concurrent hashes).
func (s *Service) WithPasswords(p *auth.Passwords) *Service {
	c := *s
	c.passwords = p
	return &c
}

// passwordError is RATE_LIMITED when hashing was refused for lack of a
// free slot, and an internal error of op otherwise.
func passwordError(op string, err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return Errorf(CodeRateLimited, "too many log-ins at once; try again in a moment")
	}
	return internal(op, err)
}
