// Package ratelimit holds the messenger's limiters: token buckets per key
// (a client address, a username, a user) kept in a bounded map, caps on what
// one key may hold open at once (a user's event streams), and the client
// address that requests carry in their context. It knows nothing of HTTP,
// GraphQL or the chat domain.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys is how many keys a Keyed limiter remembers; past it, the
// least recently used key is forgotten, so that memory stays bounded
// however many keys (addresses, usernames) a client rotates through.
const DefaultMaxKeys = 50_000

// Rate is a sustained rate of events with bursts of up to Burst; a Limit
// of rate.Inf limits nothing.
type Rate struct {
	Limit rate.Limit // events per second
	Burst int
}

// Unlimited reports whether r lets everything through.
func (r Rate) Unlimited() bool { return r.Limit == rate.Inf }

// ParseLimit reads a sustained rate written "N/PERIOD" (such as "20/1s",
// "10/1m" or "10/m"), or "off" for no limit.
func ParseLimit(s string) (rate.Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return rate.Inf, nil
	}
	count, period, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(count), 64)
	if !ok || err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("want a rate such as 20/1s or 10/1m, or off; got %q", s)
	}
	period = strings.TrimSpace(period)
	if period != "" && (period[0] < '0' || period[0] > '9') {
		period = "1" + period // "10/m" is "10/1m"
	}
	d, err := time.ParseDuration(period)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a rate such as 20/1s or 10/1m, or off; got %q", s)
	}
	return rate.Limit(n / d.Seconds()), nil
}

// Keyed is one token bucket per key, all with the same Rate, in a map of at
// most a fixed number of keys (the least recently used is forgotten first);
// it is safe for concurrent use, and a nil *Keyed allows everything.
type Keyed struct {
	rate    Rate
	mu      sync.Mutex
	buckets *simplelru.LRU[string, *rate.Limiter]
}

// NewKeyed returns a Keyed limiter of r remembering at most maxKeys keys
// (DefaultMaxKeys when maxKeys < 1). r.Burst must be at least 1 unless r
// is unlimited.
func NewKeyed(r Rate, maxKeys int) *Keyed {
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	buckets, err := simplelru.NewLRU[string, *rate.Limiter](maxKeys, nil)
	if err != nil {
		panic(err) // only for a size below 1, excluded above
	}
	return &Keyed{rate: r, buckets: buckets}
}

// Allow takes one event from key's bucket and reports true, or, when the
// bucket is empty, takes nothing and reports how long until it holds one.
func (k *Keyed) Allow(key string) (retryAfter time.Duration, ok bool) {
	return k.allowAt(key, time.Now())
}

func (k *Keyed) allowAt(key string, now time.Time) (time.Duration, bool) {
	if k == nil || k.rate.Unlimited() {
		return 0, true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	lim, ok := k.buckets.Get(key)
	if !ok {
		lim = rate.NewLimiter(k.rate.Limit, k.rate.Burst)
		k.buckets.Add(key, lim)
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() { // a burst of 0: never
		return time.Duration(math.MaxInt64), false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// Slots caps how many things each key holds at once (such as a user's open
// event streams); it is safe for concurrent use, remembers only the keys
// that hold something, and a nil *Slots lets everything through.
type Slots struct {
	max  int
	mu   sync.Mutex
	held map[string]int
}

// NewSlots returns Slots of max per key.
func NewSlots(max int) *Slots {
	return &Slots{max: max, held: map[string]int{}}
}

// Acquire takes one of key's slots, or reports false when key holds them
// all; release gives the slot back and does nothing when called again.
func (s *Slots) Acquire(key string) (release func(), ok bool) {
	if s == nil {
		return func() {}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key] >= s.max {
		return nil, false
	}
	s.held[key]++
	var once sync.Once
	return func() { once.Do(func() { s.release(key) }) }, true
}

func (s *Slots) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key]--; s.held[key] <= 0 {
		delete(s.held, key)
	}
}

// Held returns how many slots key holds.
func (s *Slots) Held(key string) int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[key]
}

// RetryAfterSeconds is d in whole seconds, rounded up, and at least 1: what
// a refused client is told to wait.
func RetryAfterSeconds(d time.Duration) int {
	if d >= time.Duration(math.MaxInt64)-time.Second {
		return math.MaxInt32
	}
	return max(1, int((d+time.Second-1)/time.Second))
}

type clientKey struct{}

// WithClient returns a context carrying the address of the client that
// sent the request, as the limits per address key it.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// Client returns the client address carried by ctx, or "" when there is none.
func Client(ctx context.Context) string {
	addr, _ := ctx.Value(clientKey{}).(string)
	return addr
}
