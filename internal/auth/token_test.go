package auth

import (
	"errors"
	"testing"
	"time"
)

// A remembered token is refused once it expires, as a parsed one would be,
// and a token that fails verification is never remembered.
func TestVerifiedTokensExpire(t *testing.T) {
	now := time.Now()
	tokens := NewTokens([]byte("a test secret that is long enough!!"), time.Hour)
	tokens.now = func() time.Time { return now }
	token, err := tokens.Issue("u1", "s1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // parsed, then remembered
		c, err := tokens.Verify(token)
		if err != nil || c != (Claims{UserID: "u1", SessionID: "s1"}) {
			t.Fatalf("Verify: %+v, %v", c, err)
		}
	}
	if tokens.verified.Len() != 1 {
		t.Fatalf("%d tokens remembered, want 1", tokens.verified.Len())
	}
	now = now.Add(2 * time.Minute)
	if _, err := tokens.Verify(token); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("an expired remembered token: %v", err)
	}
	forged := token[:len(token)-2] + "xx"
	if _, err := tokens.Verify(forged); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a forged token: %v", err)
	}
	if tokens.verified.Len() != 0 {
		t.Fatalf("%d tokens remembered after expiry and forgery, want 0", tokens.verified.Len())
	}
}

// BenchmarkTokensVerify compares a token's first verification (parsed and
// its signature checked) with the next ones (remembered).
func BenchmarkTokensVerify(b *testing.B) {
	tokens := NewTokens([]byte("a benchmark secret that is long enough"), time.Hour)
	issue := func(i int) string {
		token, err := tokens.Issue("0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5e", "0190a9e4-7b9c-7cc2-9d2e-"+time.Duration(i).String(), time.Now().Add(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		return token
	}
	b.Run("parsed", func(b *testing.B) {
		fresh := make([]string, 2*verifiedTokens) // cycling through more than are remembered
		for i := range fresh {
			fresh[i] = issue(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := tokens.Verify(fresh[i%len(fresh)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("remembered", func(b *testing.B) {
		token := issue(-1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tokens.Verify(token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
