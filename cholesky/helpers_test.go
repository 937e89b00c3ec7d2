package cholesky

import (
	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// triplet is one entry of a matrix under construction.
type triplet = sparsetest.Triplet

// permuteSym returns P a Pᵀ for the permutation perm (new i = old perm[i]).
func permuteSym(a *sparse.CSR, perm []int) *sparse.CSR {
	n, _ := a.Dims()
	inv := make([]int, n)
	for i, p := range perm {
		inv[p] = i
	}
	var ts []triplet
	a.DoNonZero(func(i, j int, v float64) {
		ts = append(ts, triplet{inv[i], inv[j], v})
	})
	return sparsetest.BuildCSR(n, ts)
}

// identityPerm returns 0..n-1.
func identityPerm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
