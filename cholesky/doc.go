// Package cholesky solves sparse symmetric positive definite systems
// A x = b by the Cholesky factorization
//
//	P A Pᵀ = L Lᵀ,
//
// with P a fill-reducing permutation and L sparse lower triangular, and
// computes the orderings P. It serves the shift-invert eigensolver of package
// eigs and a preconditioner of package sparsels, and is exported for reuse.
//
// # Factorization
//
// Cholesky.Factorize reads the lower triangle of A and works in two phases.
// The symbolic analysis permutes A, builds the elimination tree of P A Pᵀ
// and counts the entries of each column of L (Liu's row-subtree algorithm
// with path compression) in O(nnz(A) + nnz(L)) time, so that L is allocated
// once. The numeric phase is up-looking: row k of L is a sparse triangular
// solve whose pattern is the reach of row k of A in the elimination tree, for
// Σ_j c_j² flops with c_j the count of column j of L. FactorNNZ runs the
// symbolic analysis alone: the storage a factorization will need, known
// before it is attempted. Cholesky.SolveTo, SolveManyTo and SolveMatTo solve
// with one or many right-hand sides at 4·nnz(L) flops per right-hand side;
// LogDet gives log det A. A pivot that is not positive is reported as a
// *NotPositiveDefiniteError; FactorizeContext stops when a context is done.
//
// # Orderings
//
// The fill of L depends on P alone. MinimumDegree eliminates at each step a
// vertex of least degree in the elimination graph; NestedDissection splits
// the graph recursively by breadth-first level-set separators and numbers
// the separators last, which on 2D meshes gives O(n log n) factor entries and
// O(n^{3/2}) flops; Factorize uses the first up to n = 20000 and the second
// above when no ordering is given. ReverseCuthillMcKee reduces the bandwidth
// and envelope instead, and Envelope measures them: the storage of a skyline
// factor, a cheap bound on the fill before any factorization.
//
// An ordering is a permutation perm of 0..n-1 in which perm[i] is the original
// index of the row and column placed i-th, so that the permuted matrix is
// C = P A Pᵀ with C[i,j] = A[perm[i], perm[j]]. The orderings look only at the
// symmetric nonzero pattern of A + Aᵀ (values and the diagonal are ignored)
// and are deterministic.
//
// Sparse matrices are github.com/james-bowman/sparse CSR values; only their
// raw arrays are read (never their arithmetic). Duplicate entries are summed
// and column indices need not be sorted. Malformed arrays and non-finite
// values are errors, not panics; shape mismatches in the solves panic.
package cholesky
