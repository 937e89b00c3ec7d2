// Package parallel runs loops over independent items on a pool of
// persistent worker goroutines.
//
// A loop is a Kernel over the items [0, n) (rows of a product, columns of a
// matrix, blocks of rows of a reduction). Loop.Run cuts the items into a few
// contiguous chunks per goroutine, wakes up to parts−1 goroutines of a
// package-wide pool of persistent workers, and lets the calling goroutine and
// the workers claim chunks from an atomic counter until none is left. A
// worker that is not scheduled in time finds no chunk and returns, so the
// caller never waits for a worker that has not started, only for chunks in
// progress. A Loop holds the counters and chunk bounds of one loop at a time
// and a Kernel is typically a task struct stored next to it, so a loop run
// by Loop.Run allocates nothing. For wraps a function in a Loop taken from a
// free list, for loops that run a few times per call rather than once per
// step of an iteration.
//
// Kernels must write each item's output from that item alone, and reductions
// must be formed from partial sums over fixed blocks of items that are added
// in a fixed order afterwards; results are then bit-identical for any number
// of goroutines and any assignment of chunks to goroutines.
package parallel
