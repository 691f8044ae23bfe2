package transport

import (
	"sync"
	"time"
)

// keepAlive calls ping every interval (never when interval <= 0) until the
// returned function is called; that function returns only once no ping is
// under way, so that none is written after the handler returns. The pings
// run on a runtime timer, so that a waiting stream holds no goroutine for
// them.
func keepAlive(interval time.Duration, ping func()) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	var mu sync.Mutex // held by a ping under way, and by stop
	stopped := false
	var timer *time.Timer
	mu.Lock()
	defer mu.Unlock()
	timer = time.AfterFunc(interval, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		ping()
		timer.Reset(interval)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}
