package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workItem asks a worker to claim chunks of generation gen of l.
type workItem struct {
	l       *Loop
	k       Kernel
	gen     uint64
	part    int
	nchunks int
}

// workers is the package-wide pool of goroutines that run workItems. It is
// started lazily and grows to GOMAXPROCS−1 goroutines; idle workers block on
// the channel and cost nothing.
var workers struct {
	mu      sync.Mutex
	started atomic.Int32
	ch      chan workItem
}

// workerSpin is how long an idle worker polls for the next item before it
// blocks. The loops of one evaluation follow each other within microseconds,
// and waking a blocked goroutine on another core takes tens of them.
const workerSpin = 50 * time.Microsecond

func workerLoop(ch chan workItem) {
	for {
		var it workItem
		select {
		case it = <-ch:
		default:
			it = pollItem(ch)
		}
		if it.l.claim(it.k, it.gen, it.part, it.nchunks) {
			it.l.wake <- struct{}{}
		}
	}
}

// pollItem waits for the next item, polling for up to workerSpin first.
func pollItem(ch chan workItem) workItem {
	deadline := time.Now().Add(workerSpin)
	for i := 0; ; i++ {
		select {
		case it := <-ch:
			return it
		default:
		}
		if i%64 == 63 {
			if time.Now().After(deadline) {
				return <-ch
			}
			runtime.Gosched()
		}
	}
}

// ensureWorkers starts workers until at least n are running.
func ensureWorkers(n int) {
	if int(workers.started.Load()) >= n {
		return
	}
	workers.mu.Lock()
	if workers.ch == nil {
		workers.ch = make(chan workItem, 4*MaxParts)
	}
	for int(workers.started.Load()) < n {
		workers.started.Add(1)
		go workerLoop(workers.ch)
	}
	workers.mu.Unlock()
}
