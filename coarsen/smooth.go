package coarsen

import (
	"fmt"
	"math"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels"
)

// smoothOmega is the damping ω of the Jacobi steps of Smooth: 2/3, the
// classical choice that damps the high-frequency half of the spectrum of
// D⁻¹L for a Laplacian (whose eigenvalues lie in [0, 2]).
const smoothOmega = 2.0 / 3

// Smooth applies steps damped Jacobi steps to the n×m prolongation G held as
// values g on the pattern pat, as smoothed aggregation does:
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
// Smooth panics if L is not n×n for the n×m pattern, or if g or dst does not
// have the pattern's length.
func Smooth(dst []float64, L *sparse.CSR, pat *sparsels.Pattern, g []float64, steps int) []float64 {
	n, m := pat.Dims()
	if len(g) != pat.NNZ() {
		panic(fmt.Sprintf("coarsen: Smooth of %d values on a pattern of %d", len(g), pat.NNZ()))
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
	indptr, ind, data := rawCSR(L, n)
	diag := make([]float64, n)
	for i := range n {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			if ind[p] == i {
				diag[i] += data[p]
			}
		}
	}
	mark := make([]int, m) // 1 + the position of (i, c) in g, 0 if absent from row i
	cur := make([]float64, len(g))
	for range steps {
		copy(cur, dst)
		for i := range n {
			pos, cols := pat.RowIndices(i), pat.RowColumns(i)
			if !(diag[i] > 0) || len(pos) == 0 {
				continue
			}
			for t, c := range cols {
				mark[c] = pos[t] + 1
			}
			scale := smoothOmega / diag[i]
			for p := indptr[i]; p < indptr[i+1]; p++ {
				l := scale * data[p]
				jpos, jcols := pat.RowIndices(ind[p]), pat.RowColumns(ind[p])
				for t, c := range jcols {
					if k := mark[c]; k > 0 {
						dst[k-1] -= l * cur[jpos[t]]
					}
				}
			}
			var sum float64
			for t, c := range cols {
				mark[c] = 0
				sum += dst[pos[t]]
			}
			if !(sum > 0) || math.IsInf(sum, 0) {
				for _, k := range pos {
					dst[k] = cur[k]
				}
				continue
			}
			for _, k := range pos {
				dst[k] /= sum
			}
		}
	}
	return dst
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
