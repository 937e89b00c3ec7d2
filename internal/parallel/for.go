package parallel

import "sync"

// loops is the free list of the Loops used by For.
var loops = sync.Pool{New: func() any { return new(Loop) }}

// For runs fn over the items [0, n) as Loop.Run does, with unit weights and
// no block, on a Loop taken from a free list. It suits loops run a few times
// per call; a loop run once per step of an iteration keeps its own Loop and
// kernel struct, so that it allocates nothing.
func For(threads, n int, work float64, fn func(part, lo, hi int)) {
	if Parts(threads, n, work) == 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	l := loops.Get().(*Loop)
	l.Run(threads, Func(fn), n, work, nil, 1)
	loops.Put(l)
}
