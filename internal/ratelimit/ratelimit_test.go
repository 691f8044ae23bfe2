package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]rate.Limit{
		"20/1s":   20,
		"20/s":    20,
		"10/1m":   rate.Limit(10.0 / 60),
		"10/m":    rate.Limit(10.0 / 60),
		"1/1h":    rate.Limit(1.0 / 3600),
		"5/500ms": 10,
		"off":     rate.Inf,
	} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "20", "0/1s", "-1/1s", "x/1s", "20/", "20/0s", "20/-1s", "20/parsec", "NaN/1s", "Inf/1s"} {
		if got, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q) = %v, want an error", in, got)
		}
	}
}

// TestKeyedBurstThenRate: a key gets its burst at once, then one event per
// period, each refusal saying how long until the next; keys do not share.
func TestKeyedBurstThenRate(t *testing.T) {
	k := NewKeyed(Rate{Limit: 1, Burst: 3}, 0)
	now := time.Now()
	for i := range 3 {
		if _, ok := k.allowAt("a", now); !ok {
			t.Fatalf("event %d of the burst refused", i)
		}
	}
	d, ok := k.allowAt("a", now)
	if ok || d <= 0 || d > time.Second {
		t.Fatalf("past the burst: ok=%v retry after %v, want a refusal within 1s", ok, d)
	}
	// A refusal takes nothing: the next event is still due at the same time.
	if d2, ok := k.allowAt("a", now); ok || d2 != d {
		t.Fatalf("second refusal: ok=%v retry after %v, want %v", ok, d2, d)
	}
	if _, ok := k.allowAt("b", now); !ok {
		t.Fatal("another key refused")
	}
	if _, ok := k.allowAt("a", now.Add(d)); !ok {
		t.Fatal("refused after the announced wait")
	}
	if _, ok := k.allowAt("a", now.Add(d)); ok {
		t.Fatal("allowed twice after one period")
	}
}

// TestKeyedBounded: however many keys come, at most maxKeys are remembered;
// the least recently used is forgotten first.
func TestKeyedBounded(t *testing.T) {
	k := NewKeyed(Rate{Limit: 1, Burst: 1}, 100)
	now := time.Now()
	k.allowAt("kept", now)
	for i := range 10_000 {
		k.allowAt(fmt.Sprint("rotating-", i), now)
		if i%50 == 0 {
			k.allowAt("kept", now) // refused, but recently used
		}
	}
	if n := k.buckets.Len(); n != 100 {
		t.Fatalf("%d keys remembered, want 100", n)
	}
	if _, ok := k.allowAt("kept", now); ok {
		t.Fatal("a recently used key was forgotten")
	}
}

func TestKeyedUnlimitedAndNil(t *testing.T) {
	k := NewKeyed(Rate{Limit: rate.Inf}, 0)
	var none *Keyed
	for range 1000 {
		if _, ok := k.Allow("a"); !ok {
			t.Fatal("unlimited refused")
		}
		if _, ok := none.Allow("a"); !ok {
			t.Fatal("nil refused")
		}
	}
	if k.buckets.Len() != 0 {
		t.Fatal("an unlimited limiter remembers keys")
	}
}

func TestKeyedConcurrent(t *testing.T) {
	k := NewKeyed(Rate{Limit: rate.Every(time.Hour), Burst: 50}, 0)
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, ok := k.Allow("a"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d allowed, want the burst of 50", allowed)
	}
}

func TestSlots(t *testing.T) {
	s := NewSlots(2)
	r1, ok1 := s.Acquire("u")
	r2, ok2 := s.Acquire("u")
	if !ok1 || !ok2 {
		t.Fatal("refused within the cap")
	}
	if _, ok := s.Acquire("u"); ok {
		t.Fatal("third slot given")
	}
	if _, ok := s.Acquire("v"); !ok {
		t.Fatal("another key refused")
	}
	r1()
	r1() // a second release gives back nothing more
	if n := s.Held("u"); n != 1 {
		t.Fatalf("u holds %d, want 1", n)
	}
	r3, ok := s.Acquire("u")
	if !ok {
		t.Fatal("refused after a release")
	}
	if _, ok := s.Acquire("u"); ok {
		t.Fatal("double release freed two slots")
	}
	r2()
	r3()
	if n := len(s.held); n != 1 { // only v
		t.Fatalf("%d keys remembered, want 1", n)
	}
	var none *Slots
	if release, ok := none.Acquire("u"); !ok {
		t.Fatal("nil refused")
	} else {
		release()
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{
		0: 1, time.Millisecond: 1, time.Second: 1, time.Second + 1: 2, 59500 * time.Millisecond: 60,
	} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
