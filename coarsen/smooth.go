package coarsen

import (
	"fmt"
	"math"

	"github.com/james-bowman/sparse"
)

// smoothOmega is the damping ω of the Jacobi steps of Smooth: 2/3, the
// classical choice that damps the high-frequency half of the spectrum of
// D⁻¹L for a Laplacian (whose eigenvalues lie in [0, 2]).
const smoothOmega = 2.0 / 3

// Smooth applies steps damped Jacobi steps to the n×m prolongation G held as
// values g on the pattern (rows, cols), as smoothed aggregation does:
//
//	G ← G − ω D⁻¹ L G,  ω = 2/3,  D = diag(L),
//
// each restricted to the pattern (entries outside it are dropped) and
// followed by scaling every row to sum 1. Smoothing G0 = Kᵀ turns the
// cluster indicators, whose jumps at the cluster borders make every coarse
// eigenvalue far too large, into functions that decay over a few rings, a
// start from which the minimization needs fewer iterations; too many steps
// make them smoother than the fine eigenvectors and pull coarse eigenvalues
// below the fine ones (see DefaultSmoothing). A row whose diagonal entry of
// L is not positive, or whose smoothed sum is not positive and finite, is
// left as it was. The values are written to dst (allocated when nil, which
// may be g). The cost is O(steps · (nnz(L) · r + len(g))) for rows of at
// most r pattern entries.
//
// Smooth panics if L is not n×n with n = 1 + the largest row, if
// len(rows), len(cols) and len(g) differ, if the pattern is not sorted by
// row, if a column is negative, or if dst has the wrong length.
func Smooth(dst []float64, L *sparse.CSR, rows, cols []int, g []float64, steps int) []float64 {
	if len(cols) != len(rows) || len(g) != len(rows) {
		panic(fmt.Sprintf("coarsen: Smooth of %d values on a pattern of %d rows and %d columns", len(g), len(rows), len(cols)))
	}
	if dst == nil {
		dst = make([]float64, len(g))
	}
	if len(dst) != len(g) {
		panic(fmt.Sprintf("coarsen: Smooth into %d values, want %d", len(dst), len(g)))
	}
	copy(dst, g)
	if steps <= 0 || len(g) == 0 {
		return dst
	}
	n, _ := L.Dims()
	indptr, ind, data := rawCSR(L, n)
	ptr, m := patternRows(rows, cols, n)
	diag := make([]float64, n)
	for i := range n {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			if ind[p] == i {
				diag[i] += data[p]
			}
		}
	}
	mark := make([]int, m) // 1 + the index of (i, c) in row i's pattern, 0 if absent
	cur := make([]float64, len(g))
	for range steps {
		copy(cur, dst)
		for i := range n {
			lo, hi := ptr[i], ptr[i+1]
			if !(diag[i] > 0) || lo == hi {
				continue
			}
			for q := lo; q < hi; q++ {
				mark[cols[q]] = q + 1
			}
			scale := smoothOmega / diag[i]
			for p := indptr[i]; p < indptr[i+1]; p++ {
				j, l := ind[p], scale*data[p]
				for q := ptr[j]; q < ptr[j+1]; q++ {
					if t := mark[cols[q]]; t > 0 {
						dst[t-1] -= l * cur[q]
					}
				}
			}
			var sum float64
			for q := lo; q < hi; q++ {
				mark[cols[q]] = 0
				sum += dst[q]
			}
			if !(sum > 0) || math.IsInf(sum, 0) {
				copy(dst[lo:hi], cur[lo:hi])
				continue
			}
			for q := lo; q < hi; q++ {
				dst[q] /= sum
			}
		}
	}
	return dst
}

// patternRows returns the row pointers of a pattern sorted by row with rows
// below n, and the number of columns it reaches (1 + the largest column).
func patternRows(rows, cols []int, n int) (ptr []int, m int) {
	ptr = make([]int, n+1)
	for q, i := range rows {
		if i < 0 || i >= n || q > 0 && i < rows[q-1] {
			panic(fmt.Sprintf("coarsen: pattern entry %d in row %d: want rows in [0, %d), sorted", q, i, n))
		}
		if cols[q] < 0 {
			panic(fmt.Sprintf("coarsen: pattern entry %d in column %d", q, cols[q]))
		}
		ptr[i+1]++
		m = max(m, cols[q]+1)
	}
	for i := range n {
		ptr[i+1] += ptr[i]
	}
	return ptr, m
}

// DefaultSmoothing returns the default number of Smooth steps for G0 when n
// vertices are coarsened to m: ⌊√(n/m)/2⌋, about the radius in rings of a
// cluster of n/m vertices on a surface mesh, so that the smoothed cluster
// functions stay within their neighbour clusters, which the pattern allows;
// none for clusters of fewer than 9 vertices, where one step cost quality
// (BENCHMARKS.md, "Coarsening quality at scale").
func DefaultSmoothing(n, m int) int {
	if m <= 0 || n < 9*m {
		return 0
	}
	return int(math.Sqrt(float64(n)/float64(m)) / 2)
}
