package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/messenger/messenger/internal/auth"
)

func TestPassword(t *testing.T) {
	ctx := context.Background()
	p := auth.NewPasswords(1, time.Second, nil)
	hash, err := p.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("not an argon2id hash: %s", hash)
	}
	if ok, err := p.Check(ctx, "correct horse", hash); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	for _, h := range []string{hash, ""} {
		if ok, err := p.Check(ctx, "wrong horse", h); ok || err != nil {
			t.Fatalf("wrong password against %q: ok=%v err=%v", h, ok, err)
		}
	}
}

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tokens := auth.NewTokens(secret, time.Hour)
	token, expires, err := tokens.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expiry %v from now", d)
	}
	t.Run("OK", func(t *testing.T) {
		if id, err := tokens.Verify(token); err != nil || id != "user-1" {
			t.Fatalf("got %q %v", id, err)
		}
	})
	t.Run("OtherSecret", func(t *testing.T) {
		other := auth.NewTokens([]byte("another secret, just as long, ok"), time.Hour)
		if _, err := other.Verify(token); err == nil {
			t.Fatal("forged token accepted")
		}
	})
	t.Run("NoneAlgorithm", func(t *testing.T) {
		unsigned, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{Subject: "user-1",
			ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if _, err := tokens.Verify(unsigned); err == nil {
			t.Fatal("unsigned token accepted")
		}
	})
	t.Run("Expired", func(t *testing.T) {
		old, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "user-1",
			Audience:  jwt.ClaimStrings{"messenger-api"},
			ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}).SignedString(secret)
		if _, err := tokens.Verify(old); err == nil {
			t.Fatal("expired token accepted")
		}
	})
	t.Run("Middleware", func(t *testing.T) {
		var seen string
		h := tokens.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = auth.UserID(r.Context()) }))
		for header, want := range map[string]string{"Bearer " + token: "user-1", "bearer " + token: "user-1", "": "", "Basic " + token: "", "Bearer nope": ""} {
			seen = "unset"
			req := httptest.NewRequest(http.MethodPost, "/graphql?access_token="+token, nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if seen != want {
				t.Errorf("header %.20q: user %q, want %q", header, seen, want)
			}
		}
	})
}
