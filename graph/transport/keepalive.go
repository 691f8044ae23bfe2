package transport

import (
	"sync"
	"time"
)

// keepAlive calls ping every interval (never when interval <= 0) from its
// own goroutine until the returned function is called; that function
// returns only after the goroutine has exited, so that no ping is written
// after the handler returns.
func keepAlive(interval time.Duration, ping func()) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				ping()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
