package cholesky

import (
	"context"
	"fmt"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/rawcsr"
)

// mdCutoff is the order up to which Factorize uses MinimumDegree by default;
// larger matrices use NestedDissection, whose time grows as about n log n
// where that of MinimumDegree grows faster, for factors of similar size
// (BENCHMARKS.md, section "Sparse Cholesky and orderings").
const mdCutoff = 20000

// orderingWork is the number of adjacency entries the orderings visit
// between two checks of their context.
const orderingWork = 1 << 20

// defaultOrdering returns the ordering Factorize uses for a nil perm:
// minimum degree up to mdCutoff rows, nested dissection above.
func defaultOrdering(ctx context.Context, r rawcsr.Matrix) []int {
	xadj, adj := adjacency(r)
	if r.N <= mdCutoff {
		return minimumDegree(ctx, r.N, xadj, adj)
	}
	return nestedDissection(ctx, r.N, xadj, adj)
}

// checkPerm reports whether perm is a permutation of 0..n-1 and returns its
// inverse.
func checkPerm(perm []int, n int) ([]int, error) {
	if len(perm) != n {
		return nil, fmt.Errorf("cholesky: permutation has length %d, want %d", len(perm), n)
	}
	inv := make([]int, n)
	for i := range inv {
		inv[i] = -1
	}
	for i, p := range perm {
		if p < 0 || p >= n {
			return nil, fmt.Errorf("cholesky: permutation entry %d is %d, out of range [0,%d)", i, p, n)
		}
		if inv[p] >= 0 {
			return nil, fmt.Errorf("cholesky: permutation entries %d and %d are both %d", inv[p], i, p)
		}
		inv[p] = i
	}
	return inv, nil
}

// Envelope returns the envelope (profile) size and the bandwidth of the lower
// triangle of the symmetric pattern of P (a + aᵀ) Pᵀ, where perm describes P as
// in the package ordering convention; a nil perm is the identity. The envelope
// is Σ_i (i − f_i), where f_i ≤ i is the column of the first entry in row i;
// the bandwidth is max_i (i − f_i). It is the storage, beyond the diagonal, of
// a skyline Cholesky factor under that ordering. An error is returned if a is
// not square, its raw arrays are malformed, or perm is not a permutation.
func Envelope(a *sparse.CSR, perm []int) (envelope, bandwidth int, err error) {
	n, xadj, adj, err := graphOf(a)
	if err != nil {
		return 0, 0, err
	}
	if perm == nil {
		perm = make([]int, n)
		for i := range perm {
			perm[i] = i
		}
	}
	inv, err := checkPerm(perm, n)
	if err != nil {
		return 0, 0, err
	}
	for i := 0; i < n; i++ {
		f := i
		for _, w := range adj[xadj[perm[i]]:xadj[perm[i]+1]] {
			if j := inv[w]; j < f {
				f = j
			}
		}
		envelope += i - f
		bandwidth = max(bandwidth, i-f)
	}
	return envelope, bandwidth, nil
}
