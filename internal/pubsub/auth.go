package pubsub

// Events crossing a bus between instances are sealed: a payload is
//
//	base64url(HMAC-SHA256(key, body)) "." body
//
// where body is the event's JSON (43 characters of unpadded base64url, a dot,
// then the JSON) and key is derived from the token secret that every instance
// shares. A receiver drops every payload whose MAC does not verify, so that
// whoever can publish on the bus without knowing the secret cannot inject
// events into a user's stream.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/messenger/messenger/internal/metrics"
)

const (
	// keyLabel separates the bus key from every other use of the secret.
	keyLabel = "messenger bus events v1"
	// macLen is the length of the encoded MAC that starts a sealed payload.
	macLen = 43 // base64.RawURLEncoding.EncodedLen(sha256.Size)
	// sealOverhead is what sealing adds to a body: the MAC and the dot.
	sealOverhead = macLen + 1
	// refusedLimit is the refusals counter's label for dropped bus events.
	refusedLimit = "bus_unauthenticated"
	// refusalLogInterval is the least time between two log lines about
	// dropped bus events.
	refusalLogInterval = time.Minute
)

var errUnsealed = errors.New("payload is not <mac>.<event>")

// Key authenticates the events that buses carry between instances; the zero
// Key is invalid.
type Key struct {
	k []byte
}

// NewKey derives the bus key from the token secret as
// HMAC-SHA256(secret, "messenger bus events v1").
func NewKey(secret []byte) (Key, error) {
	if len(secret) == 0 {
		return Key{}, errors.New("pubsub: empty secret")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(keyLabel))
	return Key{k: mac.Sum(nil)}, nil
}

// valid reports whether k was made by NewKey.
func (k Key) valid() bool { return len(k.k) == sha256.Size }

// encodedMAC returns the base64url HMAC-SHA256 of body under k.
func (k Key) encodedMAC(body []byte) []byte {
	mac := hmac.New(sha256.New, k.k)
	mac.Write(body)
	out := make([]byte, macLen)
	base64.RawURLEncoding.Encode(out, mac.Sum(nil))
	return out
}

// seal returns body prefixed with its MAC and a dot.
func (k Key) seal(body []byte) []byte {
	out := make([]byte, 0, sealOverhead+len(body))
	out = append(out, k.encodedMAC(body)...)
	out = append(out, '.')
	return append(out, body...)
}

// open returns the body of a payload sealed with k, or an error when the
// payload is malformed or its MAC does not match.
func (k Key) open(p []byte) ([]byte, error) {
	if len(p) < sealOverhead || p[macLen] != '.' {
		return nil, errUnsealed
	}
	body := p[sealOverhead:]
	if !hmac.Equal(p[:macLen], k.encodedMAC(body)) {
		return nil, errors.New("MAC does not match")
	}
	return body, nil
}

// refusals counts the payloads a bus drops and logs them at WARN at most
// once per refusalLogInterval, with how many went unlogged in between.
type refusals struct {
	bus     string
	metrics *metrics.Metrics
	logger  *slog.Logger

	mu       sync.Mutex
	logged   time.Time // when the last line was logged
	unlogged int       // refusals since then
}

// refuse counts one dropped payload received at now, and logs why unless a
// line was logged less than refusalLogInterval before.
func (r *refusals) refuse(now time.Time, reason error, attrs ...any) {
	r.metrics.Refused(refusedLimit)
	r.mu.Lock()
	if !r.logged.IsZero() && now.Sub(r.logged) < refusalLogInterval {
		r.unlogged++
		r.mu.Unlock()
		return
	}
	unlogged := r.unlogged
	r.logged, r.unlogged = now, 0
	r.mu.Unlock()
	attrs = append([]any{"bus", r.bus, "reason", reason, "unloggedSinceLastLine", unlogged}, attrs...)
	r.logger.Warn("pubsub: dropped a bus event that is not authentic", attrs...)
}
