package auth

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Session cache defaults.
const (
	DefaultSessionCacheTTL  = 10 * time.Second
	DefaultSessionCacheSize = 100_000
)

// SessionLookup reports whether a session is live: it exists, has not
// expired and has not been ended.
type SessionLookup func(ctx context.Context, sessionID string) (bool, error)

// SessionCache tells live sessions from ended ones for every request without a
// database round trip each: a lookup's answer is kept for a short time
// (ttl), and End, which every instance calls when a session's end reaches it
// over the bus, takes effect at once. So an ended session is refused at
// once wherever the bus delivers, and within ttl where it does not. It is
// safe for concurrent use.
type SessionCache struct {
	lookup SessionLookup
	cache  *expirable.LRU[string, bool]
}

// NewSessionCache returns a cache of at most size answers of lookup, each kept
// for ttl.
func NewSessionCache(lookup SessionLookup, ttl time.Duration, size int) *SessionCache {
	return &SessionCache{lookup: lookup, cache: expirable.NewLRU[string, bool](size, nil, ttl)}
}

// Live reports whether the session is live.
func (s *SessionCache) Live(ctx context.Context, sessionID string) (bool, error) {
	if live, ok := s.cache.Get(sessionID); ok {
		return live, nil
	}
	live, err := s.lookup(ctx, sessionID)
	if err != nil {
		return false, err
	}
	s.cache.Add(sessionID, live)
	return live, nil
}

// End records that the session has ended.
func (s *SessionCache) End(sessionID string) {
	s.cache.Add(sessionID, false)
}
