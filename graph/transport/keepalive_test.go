package transport

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeepAlivePingsUntilStopped(t *testing.T) {
	var pings atomic.Int64
	stop := keepAlive(5*time.Millisecond, func() { pings.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for pings.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pings, want 3", pings.Load())
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	n := pings.Load()
	time.Sleep(30 * time.Millisecond)
	if got := pings.Load(); got != n {
		t.Fatalf("%d pings after stop", got-n)
	}
}

// A thousand waiting streams' keep-alives hold no goroutine between pings.
func TestKeepAliveHoldsNoGoroutine(t *testing.T) {
	base := runtime.NumGoroutine()
	var stops []func()
	for range 1000 {
		stops = append(stops, keepAlive(time.Hour, func() {}))
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	if n := runtime.NumGoroutine(); n > base+10 {
		t.Fatalf("%d goroutines for 1000 keep-alives (%d before)", n, base)
	}
}
