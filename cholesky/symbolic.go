package cholesky

import (
	"context"
	"fmt"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/rawcsr"
)

// analysis is the symbolic analysis of C = P A Pᵀ that precedes the numeric
// factorization: the ordering, the upper triangle of C by columns, the
// elimination tree of C and the column counts of its factor L.
type analysis struct {
	perm     []int     // perm[i] = original index of permuted row i
	up, uind []int     // column k of C's upper triangle holds rows uind[up[k]:up[k+1]], all ≤ k
	uval     []float64 // their values, or nil
	parent   []int     // parent[j] in the elimination tree, −1 at a root
	counts   []int     // off-diagonal entries of column j of L
}

// analyze validates a and perm and returns the analysis of C = P A Pᵀ, with
// the values of C's upper triangle if values is set. A nil perm selects the
// default ordering (defaultOrdering); a non-nil one is copied. analyze checks
// ctx before it starts and after the ordering, and returns an error wrapping
// ctx.Err() once ctx is done.
func analyze(ctx context.Context, a *sparse.CSR, perm []int, values bool) (*analysis, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cholesky: factorization stopped before the ordering: %w", err)
	}
	r, err := rawcsr.Check("a", a)
	if err != nil {
		return nil, fmt.Errorf("cholesky: %w", err)
	}
	if perm == nil {
		perm = defaultOrdering(ctx, r)
	} else {
		perm = append([]int(nil), perm...)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cholesky: factorization stopped in the ordering: %w", err)
	}
	inv, err := checkPerm(perm, r.N)
	if err != nil {
		return nil, err
	}
	an := &analysis{perm: perm}
	an.up, an.uind, an.uval = upperTriangle(r, inv, values)
	an.parent, an.counts = symbolic(r.N, an.up, an.uind)
	return an, nil
}

// FactorNNZ returns the number of entries, diagonal included, of the
// Cholesky factor of P A Pᵀ for the symmetric matrix a (its lower triangle
// is read, as by Factorize) and the ordering perm (nil for the ordering
// Factorize would choose), without computing the factor: the storage a
// factorization will need, in O(nnz(a) + NNZ) time after the ordering. It
// returns an error if a is not square or its raw arrays are malformed, or
// perm is not a permutation of 0..n-1.
func FactorNNZ(a *sparse.CSR, perm []int) (int, error) {
	an, err := analyze(context.Background(), a, perm, false)
	if err != nil {
		return 0, err
	}
	nnz := len(an.perm)
	for _, c := range an.counts {
		nnz += c
	}
	return nnz, nil
}

// upperTriangle returns the upper triangle of C = P A Pᵀ by columns, from
// the lower triangle of A and inv, the inverse of the permutation: column k
// holds the rows uind[up[k]:up[k+1]], all at most k, with the values uval
// if values is set (nil otherwise).
func upperTriangle(r rawcsr.Matrix, inv []int, values bool) (up, uind []int, uval []float64) {
	n := r.N
	up = make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := r.Indptr[i]; p < r.Indptr[i+1]; p++ {
			if j := r.Ind[p]; j <= i {
				up[max(inv[i], inv[j])+1]++
			}
		}
	}
	for k := 0; k < n; k++ {
		up[k+1] += up[k]
	}
	uind = make([]int, up[n])
	if values {
		uval = make([]float64, up[n])
	}
	pos := append([]int(nil), up[:n]...)
	for i := 0; i < n; i++ {
		for p := r.Indptr[i]; p < r.Indptr[i+1]; p++ {
			if j := r.Ind[p]; j <= i {
				col := max(inv[i], inv[j])
				uind[pos[col]] = min(inv[i], inv[j])
				if values {
					uval[pos[col]] = r.Data[p]
				}
				pos[col]++
			}
		}
	}
	return up, uind, uval
}

// symbolic returns the elimination tree of the matrix whose upper triangle
// by columns is (up, uind) — column k holds the rows uind[up[k]:up[k+1]],
// all at most k — and the number of off-diagonal entries of each column of
// its Cholesky factor, from the row subtrees (Liu's algorithm with path
// compression).
func symbolic(n int, up, uind []int) (parent, counts []int) {
	parent = make([]int, n)
	ancestor := make([]int, n)
	for k := 0; k < n; k++ {
		parent[k] = -1
		ancestor[k] = -1
		for p := up[k]; p < up[k+1]; p++ {
			for i := uind[p]; i != -1 && i < k; {
				next := ancestor[i]
				ancestor[i] = k
				if next == -1 {
					parent[i] = k
				}
				i = next
			}
		}
	}
	mark := ancestor // reuse
	for j := range mark {
		mark[j] = -1
	}
	counts = make([]int, n)
	for k := 0; k < n; k++ {
		mark[k] = k
		for p := up[k]; p < up[k+1]; p++ {
			for j := uind[p]; mark[j] != k; j = parent[j] {
				mark[j] = k
				counts[j]++
			}
		}
	}
	return parent, counts
}
