package parallel

import (
	"runtime"
	"sync/atomic"
)

// MaxParts bounds the number of goroutines that run one loop; a loop is cut
// into at most chunksPerPart·MaxParts chunks.
const (
	MaxParts      = 64
	chunksPerPart = 4
	maxChunks     = chunksPerPart * MaxParts
)

// MinPartWork is the least number of multiply-adds worth handing to another
// goroutine: several times the cost of waking a worker. Tests lower it to
// split small loops.
var MinPartWork float64 = 1 << 16

// Kernel is a loop body over the items [lo, hi). part, in [0, parts),
// identifies the goroutine running it, so that a kernel can use
// per-goroutine scratch space; two calls with the same part never overlap in
// time, and one part may be called for several ranges.
type Kernel interface {
	Run(part, lo, hi int)
}

// Func is a Kernel given by a function.
type Func func(part, lo, hi int)

// Run calls f(part, lo, hi).
func (f Func) Run(part, lo, hi int) { f(part, lo, hi) }

// Loop holds what one parallel loop needs: the chunk bounds and the claim
// and completion counters, so that handing a kernel to the workers
// allocates nothing. The zero value is ready to use; a Loop runs one loop at
// a time and must not be copied after first use.
type Loop struct {
	// state is gen<<32 | next unclaimed chunk; gen changes at every loop,
	// so that a late worker cannot claim chunks of a later loop.
	state  atomic.Uint64
	done   atomic.Int64  // chunks finished in the current loop
	wake   chan struct{} // the worker finishing the last chunk signals the caller
	gen    uint64
	bounds [maxChunks + 1]int
}

// Threads returns the number of goroutines a loop may use under the limit
// threads: threads capped by GOMAXPROCS, or GOMAXPROCS if threads ≤ 0.
func Threads(threads int) int {
	procs := runtime.GOMAXPROCS(0)
	if threads > 0 && threads < procs {
		return threads
	}
	return procs
}

// Parts returns the number of goroutines for a loop of n items costing
// about work multiply-adds in all, under the limit threads (see Threads).
func Parts(threads, n int, work float64) int {
	t := Threads(threads)
	if w := int(work / MinPartWork); w < t {
		t = w
	}
	t = min(t, n, MaxParts)
	return max(t, 1)
}

// Run runs k over the items [0, n) on up to Parts(threads, ⌈n/block⌉, work)
// goroutines, the calling one included, in chunks of about equal weight,
// and returns when every item is done. If ptr is not nil (length n+1,
// nondecreasing) item i weighs 1 + ptr[i+1] − ptr[i], otherwise 1. If
// block > 1 the inner chunk bounds are multiples of block.
func (l *Loop) Run(threads int, k Kernel, n int, work float64, ptr []int, block int) {
	if n <= 0 {
		return
	}
	if block < 1 {
		block = 1
	}
	nb := (n + block - 1) / block
	t := Parts(threads, nb, work)
	if t == 1 {
		k.Run(0, 0, n)
		return
	}
	if l.wake == nil {
		l.wake = make(chan struct{}, 1)
	}
	nc := min(chunksPerPart*t, nb)
	split(l.bounds[:nc+1], n, ptr, block)
	l.gen++
	gen := l.gen & (1<<32 - 1)
	l.done.Store(0)
	l.state.Store(gen << 32)
	ensureWorkers(t - 1)
	for i := 1; i < t; i++ {
		workers.ch <- workItem{l: l, k: k, gen: gen, part: i, nchunks: nc}
	}
	if !l.claim(k, gen, 0, nc) {
		// A worker finishes the last chunk and signals.
		<-l.wake
	}
}

// claim runs chunks of generation gen on behalf of part until none is left.
// It reports whether it finished the last chunk of the loop.
func (l *Loop) claim(k Kernel, gen uint64, part, nchunks int) bool {
	for {
		v := l.state.Load()
		c := int(v & (1<<32 - 1))
		if v>>32 != gen&(1<<32-1) || c >= nchunks {
			return false
		}
		if !l.state.CompareAndSwap(v, v+1) {
			continue
		}
		k.Run(part, l.bounds[c], l.bounds[c+1])
		if l.done.Add(1) == int64(nchunks) {
			return true
		}
	}
}

// split fills b (length t+1) with bounds 0 = b[0] ≤ … ≤ b[t] = n that cut
// [0, n) into t ranges of about equal weight, item i weighing
// 1 + ptr[i+1] − ptr[i] (1 if ptr is nil), with inner bounds rounded to
// multiples of block.
func split(b []int, n int, ptr []int, block int) {
	t := len(b) - 1
	b[0], b[t] = 0, n
	weight := func(i int) float64 {
		if ptr == nil {
			return float64(i)
		}
		return float64(i + ptr[i] - ptr[0])
	}
	total := weight(n)
	for k := 1; k < t; k++ {
		target := total * float64(k) / float64(t)
		// Smallest i with weight(i) ≥ target.
		lo, hi := b[k-1], n
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if weight(mid) < target {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		i := (lo + block/2) / block * block
		b[k] = min(max(i, b[k-1]), n)
	}
}
