package cholesky

import (
	"fmt"
	"slices"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/rawcsr"
)

// graphOf validates the square matrix a and returns its order n and the
// graph of its symmetric pattern, as adjacency does.
func graphOf(a *sparse.CSR) (n int, xadj, adj []int, err error) {
	r, err := rawcsr.Check("a", a)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("cholesky: %w", err)
	}
	xadj, adj = adjacency(r)
	return r.N, xadj, adj, nil
}

// adjacency returns the graph of the symmetric pattern of a + aᵀ without the
// diagonal: the neighbours of vertex i are adj[xadj[i]:xadj[i+1]], sorted
// ascending and without duplicates.
func adjacency(a rawcsr.Matrix) (xadj, adj []int) {
	n := a.N
	cnt := make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			if j := a.Ind[p]; j != i {
				cnt[i+1]++
				cnt[j+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	tmp := make([]int, cnt[n])
	pos := make([]int, n)
	copy(pos, cnt[:n])
	for i := 0; i < n; i++ {
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			if j := a.Ind[p]; j != i {
				tmp[pos[i]] = j
				pos[i]++
				tmp[pos[j]] = i
				pos[j]++
			}
		}
	}
	// Deduplicate with a marker array; then sort each (short) row.
	mark := make([]int, n)
	for i := range mark {
		mark[i] = -1
	}
	xadj = make([]int, n+1)
	w := 0
	for i := 0; i < n; i++ {
		start := w
		for p := cnt[i]; p < cnt[i+1]; p++ {
			j := tmp[p]
			if mark[j] != i {
				mark[j] = i
				tmp[w] = j
				w++
			}
		}
		slices.Sort(tmp[start:w])
		xadj[i+1] = w
	}
	return xadj, tmp[:w]
}
