package eigs

import (
	"fmt"
	"math"
	"slices"

	"github.com/james-bowman/sparse"
)

// rawCSR is a validated view of the raw arrays of a square sparse.CSR.
type rawCSR struct {
	n      int
	indptr []int
	ind    []int
	data   []float64
}

// checkCSR validates the raw arrays of the square matrix a, named name in
// errors, and returns a view of them. Duplicate entries are allowed (they are
// summed by every consumer in this package); column indices need not be sorted.
// Values must be finite.
func checkCSR(name string, a *sparse.CSR) (rawCSR, error) {
	if a == nil {
		return rawCSR{}, fmt.Errorf("eigs: %s is nil", name)
	}
	r, c := a.Dims()
	if r != c {
		return rawCSR{}, fmt.Errorf("eigs: %s is %d×%d, not square", name, r, c)
	}
	n := r
	raw := a.RawMatrix()
	if len(raw.Indptr) != n+1 {
		return rawCSR{}, fmt.Errorf("eigs: %s has %d row pointers, want %d", name, len(raw.Indptr), n+1)
	}
	if raw.Indptr[0] != 0 {
		return rawCSR{}, fmt.Errorf("eigs: %s row pointer 0 is %d, want 0", name, raw.Indptr[0])
	}
	for i := 0; i < n; i++ {
		if raw.Indptr[i+1] < raw.Indptr[i] {
			return rawCSR{}, fmt.Errorf("eigs: %s row pointers decrease at row %d", name, i)
		}
	}
	nnz := raw.Indptr[n]
	if nnz > len(raw.Ind) || nnz > len(raw.Data) {
		return rawCSR{}, fmt.Errorf("eigs: %s declares %d nonzeros but has %d indices and %d values",
			name, nnz, len(raw.Ind), len(raw.Data))
	}
	for i := 0; i < n; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			j := raw.Ind[p]
			if j < 0 || j >= n {
				return rawCSR{}, fmt.Errorf("eigs: %s entry %d in row %d has column %d out of range [0,%d)",
					name, p, i, j, n)
			}
			v := raw.Data[p]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return rawCSR{}, fmt.Errorf("eigs: %s(%d,%d) is %v", name, i, j, v)
			}
		}
	}
	return rawCSR{n: n, indptr: raw.Indptr[:n+1], ind: raw.Ind[:nnz], data: raw.Data[:nnz]}, nil
}

// adjacency returns the graph of the symmetric pattern of a + aᵀ without the
// diagonal: the neighbours of vertex i are adj[xadj[i]:xadj[i+1]], sorted
// ascending and without duplicates.
func adjacency(a rawCSR) (xadj, adj []int) {
	n := a.n
	cnt := make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := a.indptr[i]; p < a.indptr[i+1]; p++ {
			if j := a.ind[p]; j != i {
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
		for p := a.indptr[i]; p < a.indptr[i+1]; p++ {
			if j := a.ind[p]; j != i {
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

// checkPerm reports whether perm is a permutation of 0..n-1 and returns its
// inverse.
func checkPerm(perm []int, n int) ([]int, error) {
	if len(perm) != n {
		return nil, fmt.Errorf("eigs: permutation has length %d, want %d", len(perm), n)
	}
	inv := make([]int, n)
	for i := range inv {
		inv[i] = -1
	}
	for i, p := range perm {
		if p < 0 || p >= n {
			return nil, fmt.Errorf("eigs: permutation entry %d is %d, out of range [0,%d)", i, p, n)
		}
		if inv[p] >= 0 {
			return nil, fmt.Errorf("eigs: permutation entries %d and %d are both %d", inv[p], i, p)
		}
		inv[p] = i
	}
	return inv, nil
}
