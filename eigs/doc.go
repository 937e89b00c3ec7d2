// Package eigs computes a few of the smallest eigenpairs of large sparse
// symmetric generalized eigenproblems
//
//	L u = λ M u,
//
// with L symmetric positive semidefinite (a graph or cotangent Laplacian, whose
// null space contains the constant vector) and M a positive diagonal (lumped)
// mass matrix, as used for Laplace–Beltrami spectra of meshes with thousands to
// tens of thousands of vertices.
//
// Smallest is the entry point. It transforms the problem to
// A = M^{-1/2} L M^{-1/2}, factorizes A − σI for a shift σ just below the
// spectrum with a sparse Cholesky factorization, and runs a block
// Krylov–Schur (thick-restart block Lanczos) iteration with full
// reorthogonalization on (A − σI)⁻¹, whose largest eigenvalues 1/(λ − σ)
// belong to the smallest λ. Eigenvectors are returned M-orthonormal, in
// ascending order of eigenvalue, with a deterministic sign.
//
// The sparse direct solver is exported for reuse: Cholesky factorizes a
// symmetric positive definite sparse.CSR matrix (reading its lower triangle)
// under a symmetric permutation with an up-looking algorithm guided by the
// elimination tree, and solves with one or many right-hand sides.
// MinimumDegree and NestedDissection (fill reducing; the default is the first
// up to n = 20000 and the second above) and ReverseCuthillMcKee
// (bandwidth and envelope reducing) compute orderings, and Envelope measures
// the profile of a permuted matrix.
//
// An ordering is a permutation perm of 0..n-1 in which perm[i] is the original
// index of the row and column placed i-th, so that the permuted matrix is
// C = P A Pᵀ with C[i,j] = A[perm[i], perm[j]]. The orderings look only at the
// symmetric nonzero pattern of A + Aᵀ (values and the diagonal are ignored)
// and are deterministic.
//
// Sparse matrices are github.com/james-bowman/sparse CSR values; only their
// raw arrays are read (never their arithmetic). Duplicate entries are summed
// and column indices need not be sorted.
package eigs
