package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/messenger/messenger/internal/metrics"
)

// TestPasswordsBounded: with every slot taken, Hash, Check and the decoy
// check of an unknown user wait, then fail with ErrBusy (counted) without
// hashing; once a slot frees up, a waiting call goes ahead.
func TestPasswordsBounded(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	p := NewPasswords(2, 20*time.Millisecond, m)
	hash, err := p.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := p.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Hash(ctx, "correct horse"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with no free slot: %v, want ErrBusy", err)
	}
	for _, h := range []string{hash, ""} {
		if ok, err := p.Check(ctx, "correct horse", h); ok || !errors.Is(err, ErrBusy) {
			t.Fatalf("Check against %q with no free slot: ok=%v err=%v, want ErrBusy", h, ok, err)
		}
	}
	if n := m.Refusals("password_hashing"); n != 3 {
		t.Fatalf("%v refusals counted, want 3", n)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Check(cancelled, "correct horse", hash); !errors.Is(err, context.Canceled) {
		t.Fatalf("Check with a cancelled context: %v", err)
	}

	// A caller that waits long enough gets the slot that frees up.
	patient := NewPasswords(1, time.Minute, nil)
	if err := patient.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok bool
	wg.Go(func() { ok, err = patient.Check(ctx, "correct horse", hash) })
	time.Sleep(10 * time.Millisecond) // lets the check start waiting (it passes either way)
	patient.release()
	wg.Wait()
	if !ok || err != nil {
		t.Fatalf("waiting Check: ok=%v err=%v", ok, err)
	}
}
