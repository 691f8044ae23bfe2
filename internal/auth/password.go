// Package auth hashes passwords, issues and checks access tokens, and puts
// the authenticated user into a request's context.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/argon2"

	"github.com/messenger/messenger/internal/metrics"
)

// passwordParams are argon2id's cost settings: 64 MiB and one pass, the
// RFC 9106 "second recommended" profile scaled to a small server.
var passwordParams = &argon2id.Params{
	Memory:      64 * 1024,
	Iterations:  1,
	Parallelism: 2,
	SaltLength:  16,
	KeyLength:   32,
}

// Password hashing limits: each hash holds 64 MiB while it runs, so four at
// once bound hashing to 256 MiB.
const (
	DefaultHashConcurrency = 4
	DefaultHashWait        = 2 * time.Second
)

// ErrBusy is returned when no hashing slot freed up within the wait.
var ErrBusy = errors.New("auth: too many passwords being hashed at once")

// Passwords hashes and checks passwords with argon2id, running at most a
// fixed number of hashes at once; it is safe for concurrent use.
type Passwords struct {
	slots   chan struct{}
	wait    time.Duration
	metrics *metrics.Metrics
}

// NewPasswords returns a Passwords that runs at most concurrency hashes at
// once (DefaultHashConcurrency when below 1), where each waits at most wait
// for its turn before failing with ErrBusy, counted in m as a refusal of
// "password_hashing" (m may be nil).
func NewPasswords(concurrency int, wait time.Duration, m *metrics.Metrics) *Passwords {
	if concurrency < 1 {
		concurrency = DefaultHashConcurrency
	}
	return &Passwords{slots: make(chan struct{}, concurrency), wait: max(wait, 0), metrics: m}
}

// acquire takes a hashing slot, waiting at most p.wait; the caller must
// call release once it is done.
func (p *Passwords) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(p.wait)
	defer timer.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-timer.C:
		p.metrics.Refused("password_hashing")
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Passwords) release() { <-p.slots }

// Hash returns the argon2id hash of password in PHC string form; ErrBusy
// when no hashing slot freed up in time.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	hash, err := argon2id.CreateHash(password, passwordParams)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return hash, nil
}

// Check reports whether password matches hash; ErrBusy when no hashing slot
// freed up in time. An empty hash never matches but costs as much as a
// real check, slot included, so that an unknown username cannot be told
// from a wrong password by timing.
func (p *Passwords) Check(ctx context.Context, password, hash string) (bool, error) {
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	if hash == "" {
		decoySalt := make([]byte, passwordParams.SaltLength)
		_ = argon2.IDKey([]byte(password), decoySalt, passwordParams.Iterations, passwordParams.Memory, passwordParams.Parallelism, passwordParams.KeyLength)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok, nil
}
