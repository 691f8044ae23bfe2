package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultTokenTTL is how long an access token is valid unless configured.
const DefaultTokenTTL = 24 * time.Hour

// tokenAudience marks access tokens, so that no other kind of signed value
// can be passed off as one.
const tokenAudience = "messenger-api"

// verifiedTokens is how many verified tokens Tokens remembers, so that a
// client's every request does not parse and check its token again.
const verifiedTokens = 10000

// Tokens issues and verifies HS256 access tokens.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	// verified maps a token that passed Verify to its claims and expiry:
	// the same string verifies the same way until it expires.
	verified *lru.Cache[string, verifiedToken]
}

type verifiedToken struct {
	claims  Claims
	expires time.Time
}

// NewTokens returns a Tokens signing with secret; tokens expire after ttl
// (DefaultTokenTTL when ttl <= 0).
func NewTokens(secret []byte, ttl time.Duration) *Tokens {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	verified, _ := lru.New[string, verifiedToken](verifiedTokens) // errors only for a size <= 0
	return &Tokens{secret: secret, ttl: ttl, now: time.Now, verified: verified}
}

// TTL returns how long the tokens it issues are valid.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue returns a signed access token of sessionID, userID's session, valid
// until expires (truncated to the second).
func (t *Tokens) Issue(userID, sessionID string, expires time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Subject:   userID,
		ID:        sessionID,
		Audience:  jwt.ClaimStrings{tokenAudience},
		IssuedAt:  jwt.NewNumericDate(t.now()),
		ExpiresAt: jwt.NewNumericDate(expires.Truncate(time.Second)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return signed, nil
}

// ErrInvalidToken is returned for a token that is malformed, forged or
// expired, or that names no session.
var ErrInvalidToken = errors.New("auth: invalid or expired token")

// Claims are what a valid token says: whose it is and of which session.
type Claims struct {
	UserID    string
	SessionID string
}

// Verify returns the claims of a valid token, or ErrInvalidToken. Whether
// its session is still live is for SessionCache to tell.
// A token verified before is recognised by its exact string (signature
// included) until it expires, without parsing it again.
func (t *Tokens) Verify(token string) (Claims, error) {
	if v, ok := t.verified.Get(token); ok {
		if t.now().Before(v.expires) {
			return v.claims, nil
		}
		t.verified.Remove(token)
		return Claims{}, ErrInvalidToken
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil || claims.Subject == "" || claims.ID == "" {
		return Claims{}, ErrInvalidToken
	}
	c := Claims{UserID: claims.Subject, SessionID: claims.ID}
	t.verified.Add(token, verifiedToken{claims: c, expires: claims.ExpiresAt.Time})
	return c, nil
}
