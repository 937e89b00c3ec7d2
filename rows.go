package sparsels

import "sync"

// parallelRows runs fn over [0, n) split into at most threads contiguous
// ranges, one goroutine each, when the loop's work (in multiply-adds) is
// large enough to pay for the goroutines; part numbers the ranges from 0.
// Rows must be independent: results then do not depend on the split. It is
// for the solver-side loops that run once per outer iteration (the kernels
// evaluated per CG step use the allocation-free worker pool instead).
func parallelRows(n, threads int, work float64, fn func(part, lo, hi int)) {
	const minWork = 1 << 18
	parts := min(threads, n)
	if w := int(work / minWork); w < parts {
		parts = w
	}
	if parts <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + parts - 1) / parts
	for part, lo := 0, 0; lo < n; part, lo = part+1, lo+chunk {
		hi := min(lo+chunk, n)
		if part == parts-1 || hi == n {
			fn(part, lo, hi) // the caller takes the last range
			break
		}
		wg.Add(1)
		go func(part, lo, hi int) {
			defer wg.Done()
			fn(part, lo, hi)
		}(part, lo, hi)
	}
	wg.Wait()
}
