package auth

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzTokensVerify gives Verify (and the Bearer middleware) arbitrary text,
// seeded with real tokens, tokens that must be refused and mutations of both.
// It must accept only what this Tokens issued: the same header and payload
// and the same signature bytes (the fuzzer cannot forge an HMAC, so anything
// else it gets accepted is a flaw of the parsing), and then return the
// subject it was issued for.
func FuzzTokensVerify(f *testing.F) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tokens := NewTokens(secret, time.Hour)
	tokens.now = func() time.Time { return now }

	type issued struct {
		claims    Claims
		signature string
	}
	valid := map[string]issued{} // by signing input: header.payload
	for _, sub := range []string{"0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5e", "user-1", "ü\x00\"'.", strings.Repeat("s", 300)} {
		tok, err := tokens.Issue(sub, "session-of-"+sub, now.Add(time.Hour))
		if err != nil {
			f.Fatal(err)
		}
		i := strings.LastIndexByte(tok, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
		valid[tok[:i]] = issued{Claims{UserID: sub, SessionID: "session-of-" + sub}, string(sig)}
		f.Add(tok)
		// Mutations: one character, the signature, the segments.
		f.Add(tok[:len(tok)-1] + "A")
		f.Add(tok[:len(tok)-1])
		f.Add(tok[:i+1])
		f.Add(tok[:i])
		f.Add(tok + ".")
		f.Add(tok + "=")
		f.Add(" " + tok + "\n")
		f.Add(strings.ToUpper(tok))
		parts := strings.Split(tok, ".")
		f.Add(parts[1] + "." + parts[0] + "." + parts[2])
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".")
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + parts[1] + "." + parts[2])
		f.Add(parts[0] + "." + base64.URLEncoding.EncodeToString(mustDecode(parts[1])) + "." + parts[2])
	}

	// Signed with the right secret, yet no access token: refused whatever
	// the fuzzer makes of them.
	sign := func(m jwt.SigningMethod, key any, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	exp := jwt.NewNumericDate(now.Add(time.Hour))
	aud := jwt.ClaimStrings{tokenAudience}
	for _, s := range []string{
		sign(jwt.SigningMethodHS384, secret, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp}),
		sign(jwt.SigningMethodHS512, secret, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp}),
		sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "u", Audience: aud}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "u", ExpiresAt: exp}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "u", Audience: jwt.ClaimStrings{"other"}, ExpiresAt: exp}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Audience: aud, ExpiresAt: exp}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: jwt.NewNumericDate(now.Add(-time.Second))}),
		sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp, NotBefore: jwt.NewNumericDate(now.Add(time.Minute))}),
		sign(jwt.SigningMethodHS256, []byte("another secret, just as long, ok"), jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp}),
		sign(jwt.SigningMethodHS256, []byte{}, jwt.RegisteredClaims{Subject: "u", Audience: aud, ExpiresAt: exp}),
	} {
		f.Add(s)
	}
	for _, s := range []string{"", ".", "..", "...", "a.b.c", "e30.e30.", "Bearer x", "\x00"} {
		f.Add(s)
	}

	// Every session is live: what decides is the token.
	sessions := NewSessionCache(func(context.Context, string) (bool, error) { return true, nil }, time.Hour, 100)
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := tokens.Verify(token)
		if err != nil {
			if err != ErrInvalidToken || claims != (Claims{}) {
				t.Fatalf("Verify(%q) = %+v, %v; want no claims, ErrInvalidToken", token, claims, err)
			}
		} else {
			i := strings.LastIndexByte(token, '.')
			want, ok := valid[token[:max(i, 0)]]
			sig, decErr := base64.RawURLEncoding.DecodeString(token[i+1:])
			if i < 0 || !ok || decErr != nil || string(sig) != want.signature || claims != want.claims {
				t.Fatalf("Verify(%q) accepted a token this Tokens did not issue (claims %+v)", token, claims)
			}
		}

		// The Bearer middleware authenticates exactly what Verify accepts.
		for _, header := range []string{"Bearer " + token, token} {
			seen := "unset"
			h := tokens.Middleware(sessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = UserID(r.Context()) }))
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.Header["Authorization"] = []string{header}
			h.ServeHTTP(httptest.NewRecorder(), req)
			want := ""
			if scheme, tok, ok := strings.Cut(header, " "); ok && strings.EqualFold(scheme, "Bearer") {
				c, _ := tokens.Verify(strings.TrimSpace(tok))
				want = c.UserID
			}
			if seen != want {
				t.Fatalf("Authorization %q: user %q, want %q", header, seen, want)
			}
		}
	})
}

func mustDecode(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
