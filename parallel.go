package sparsels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel kernels.
//
// A kernel is a loop over independent items (rows of a product, columns of
// G, blocks of rows of a reduction). runRange cuts the items into a few
// contiguous chunks per goroutine, wakes up to parts−1 goroutines of a
// package-wide pool of persistent workers, and lets the calling goroutine and
// the workers claim chunks from an atomic counter until none is left. A
// worker that is not scheduled in time finds no chunk and returns, so the
// caller never waits for a worker that has not started, only for chunks in
// progress. Kernels are task structs stored in a dispatch, which the Problem
// keeps in a free list, so a parallel call allocates nothing.
//
// Every kernel writes each item's output from that item alone, and
// reductions are formed from partial sums over fixed blocks of items that
// are added in a fixed order afterwards, so results are bit-identical for
// any number of goroutines and any assignment of chunks to goroutines.

// maxParts bounds the number of goroutines that run one loop; a loop is cut
// into at most chunksPerPart·maxParts chunks.
const (
	maxParts      = 64
	chunksPerPart = 4
	maxChunks     = chunksPerPart * maxParts
)

// minPartWork is the least number of multiply-adds worth handing to another
// goroutine: about 20 µs of work, several times the cost of waking a worker.
var minPartWork float64 = 1 << 16

// rangeKernel is a loop body over the items [lo, hi). part, in [0, parts),
// identifies the goroutine running it, so that a kernel can use per-goroutine
// scratch space; two calls with the same part never overlap in time.
type rangeKernel interface {
	run(part, lo, hi int)
}

// workItem asks a worker to claim chunks of generation gen of d.
type workItem struct {
	d       *dispatch
	k       rangeKernel
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
		if it.d.claim(it.k, it.gen, it.part, it.nchunks) {
			it.d.wake <- struct{}{}
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
		workers.ch = make(chan workItem, 4*maxParts)
	}
	for int(workers.started.Load()) < n {
		workers.started.Add(1)
		go workerLoop(workers.ch)
	}
	workers.mu.Unlock()
}

// dispatch holds what one parallel call needs: the chunk bounds, the claim
// and completion counters and the task structs of the kernels, so that
// handing a kernel to the workers allocates nothing. Obtain one with
// Problem.getDispatch; a dispatch runs one loop at a time.
type dispatch struct {
	// state is gen<<32 | next unclaimed chunk; gen changes at every loop,
	// so that a late worker cannot claim chunks of a later loop.
	state  atomic.Uint64
	done   atomic.Int64  // chunks finished in the current loop
	wake   chan struct{} // the worker finishing the last chunk signals the caller
	gen    uint64
	bounds [maxChunks + 1]int
	tmp    []float64 // slot-ordered output of a split sampling kernel

	gather  gatherTask
	gather2 gather2Task
	operand operandTask
	resid   residualTask
	sample  sampleTask
	hsample hessianSampleTask
	transp  transposeTask
	load    loadTask
	prod    productTask
	gquad   gramQuadTask
	gsample gramSampleTask
	ssample sDotsTask
	mirror  mirrorTask
}

// getDispatch returns a dispatch from p's free list; return it with
// putDispatch.
func (p *Problem) getDispatch() *dispatch {
	sh := p.shared
	sh.mu.Lock()
	if n := len(sh.freeDispatch); n > 0 {
		d := sh.freeDispatch[n-1]
		sh.freeDispatch[n-1] = nil
		sh.freeDispatch = sh.freeDispatch[:n-1]
		sh.mu.Unlock()
		return d
	}
	sh.mu.Unlock()
	return &dispatch{wake: make(chan struct{}, 1)}
}

func (p *Problem) putDispatch(d *dispatch) {
	sh := p.shared
	sh.mu.Lock()
	sh.freeDispatch = append(sh.freeDispatch, d)
	sh.mu.Unlock()
}

// claim runs chunks of generation gen on behalf of part until none is left.
// It reports whether it finished the last chunk of the loop.
func (d *dispatch) claim(k rangeKernel, gen uint64, part, nchunks int) bool {
	for {
		v := d.state.Load()
		c := int(v & (1<<32 - 1))
		if v>>32 != gen&(1<<32-1) || c >= nchunks {
			return false
		}
		if !d.state.CompareAndSwap(v, v+1) {
			continue
		}
		k.run(part, d.bounds[c], d.bounds[c+1])
		if d.done.Add(1) == int64(nchunks) {
			return true
		}
	}
}

// maxThreads returns the number of goroutines p may use: its WithThreads
// setting, capped by GOMAXPROCS.
func (p *Problem) maxThreads() int {
	procs := runtime.GOMAXPROCS(0)
	if p.threads > 0 && p.threads < procs {
		return p.threads
	}
	return procs
}

// partsFor returns the number of ranges for a loop of n items costing about
// work multiply-adds in all.
func (p *Problem) partsFor(n int, work float64) int {
	t := p.maxThreads()
	if w := int(work / minPartWork); w < t {
		t = w
	}
	t = min(t, n, maxParts)
	return max(t, 1)
}

// runRange runs k over the items [0, n) on up to partsFor(⌈n/block⌉, work)
// goroutines, the calling one included, in chunks of about equal weight. If
// ptr is not nil (length n+1, nondecreasing) item i weighs
// 1 + ptr[i+1] − ptr[i], otherwise 1. If block > 1 the inner chunk bounds
// are multiples of block.
func (p *Problem) runRange(d *dispatch, k rangeKernel, n int, work float64, ptr []int, block int) {
	if n <= 0 {
		return
	}
	if block < 1 {
		block = 1
	}
	nb := (n + block - 1) / block
	t := p.partsFor(nb, work)
	if t == 1 {
		k.run(0, 0, n)
		return
	}
	nc := min(chunksPerPart*t, nb)
	split(d.bounds[:nc+1], n, ptr, block)
	d.gen++
	gen := d.gen & (1<<32 - 1)
	d.done.Store(0)
	d.state.Store(gen << 32)
	ensureWorkers(t - 1)
	for i := 1; i < t; i++ {
		workers.ch <- workItem{d: d, k: k, gen: gen, part: i, nchunks: nc}
	}
	if !d.claim(k, gen, 0, nc) {
		// A worker finishes the last chunk and signals.
		<-d.wake
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
