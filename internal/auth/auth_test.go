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
	if tokens.TTL() != time.Hour {
		t.Fatalf("TTL %v", tokens.TTL())
	}
	token, err := tokens.Issue("user-1", "session-1", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		if c, err := tokens.Verify(token); err != nil || c.UserID != "user-1" || c.SessionID != "session-1" {
			t.Fatalf("got %+v %v", c, err)
		}
	})
	t.Run("NoSession", func(t *testing.T) {
		old, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "user-1",
			Audience:  jwt.ClaimStrings{"messenger-api"},
			ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(secret)
		if _, err := tokens.Verify(old); err == nil {
			t.Fatal("a token of no session accepted")
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
		live := map[string]bool{"session-1": true}
		sessions := auth.NewSessionCache(func(_ context.Context, id string) (bool, error) { return live[id], nil }, time.Hour, 10)
		h := tokens.Middleware(sessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = auth.UserID(r.Context()) }))
		ended, _ := tokens.Issue("user-1", "session-2", time.Now().Add(time.Hour))
		for header, want := range map[string]string{"Bearer " + token: "user-1", "bearer " + token: "user-1", "": "", "Basic " + token: "", "Bearer nope": "", "Bearer " + ended: ""} {
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

func TestSessionCache(t *testing.T) {
	ctx := context.Background()
	lookups := 0
	live := map[string]bool{"a": true, "b": true}
	sessions := auth.NewSessionCache(func(_ context.Context, id string) (bool, error) {
		lookups++
		return live[id], nil
	}, time.Hour, 10)
	for range 3 {
		if ok, err := sessions.Live(ctx, "a"); !ok || err != nil {
			t.Fatalf("live session a: %v %v", ok, err)
		}
	}
	if lookups != 1 {
		t.Fatalf("%d lookups for three checks, want 1 (cached)", lookups)
	}
	// An end that reaches this instance takes effect at once, cache or not.
	sessions.End("a")
	if ok, _ := sessions.Live(ctx, "a"); ok {
		t.Fatal("ended session a still live")
	}
	if ok, _ := sessions.Live(ctx, "c"); ok {
		t.Fatal("unknown session c live")
	}
	// A short cache forgets: an end that never reached this instance is
	// noticed once the answer expires.
	short := auth.NewSessionCache(func(_ context.Context, id string) (bool, error) { return live[id], nil }, 50*time.Millisecond, 10)
	if ok, _ := short.Live(ctx, "b"); !ok {
		t.Fatal("live session b refused")
	}
	live["b"] = false
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ok, _ := short.Live(ctx, "b"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache never asked again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
