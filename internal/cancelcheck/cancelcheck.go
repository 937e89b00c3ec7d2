// Package cancelcheck tests that a long computation honours the
// cancellation of its context promptly, without asserting absolute times.
package cancelcheck

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Prompt runs f once uncancelled to measure its time T, then once for each
// fraction in fracs with its context cancelled after that fraction of T (at
// once for 0). A run that ends before its cancellation is logged and
// skipped; otherwise check gets the run's error, and the run must return
// within T/5 of the cancellation. f must not keep the context after it
// returns.
func Prompt(t *testing.T, fracs []float64, f func(ctx context.Context) error, check func(frac float64, err error)) {
	t.Helper()
	start := time.Now()
	if err := f(context.Background()); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	for _, frac := range fracs {
		ctx, cancel := context.WithCancel(context.Background())
		var at time.Time
		var mu sync.Mutex
		fire := func() {
			mu.Lock()
			at = time.Now()
			mu.Unlock()
			cancel()
		}
		timer := time.AfterFunc(time.Duration(frac*float64(full)), fire)
		if frac == 0 {
			timer.Stop()
			fire()
		}
		err := f(ctx)
		end := time.Now()
		timer.Stop()
		cancel()
		mu.Lock()
		cancelled := at
		mu.Unlock()
		if err == nil && cancelled.IsZero() || cancelled.After(end) {
			t.Logf("cancel at %.2f T: finished first", frac)
			continue
		}
		check(frac, err)
		lag := end.Sub(cancelled)
		t.Logf("cancel at %.2f T: returned after %v (%v), T = %v", frac, lag, err, full)
		if lag > full/5 {
			t.Errorf("cancel at %.2f T: returned %v after the cancellation, T = %v", frac, lag, full)
		}
	}
}
