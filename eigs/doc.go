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
// The sparse Cholesky factorization and its fill-reducing orderings are those
// of package github.com/sparsels/sparsels/cholesky.
//
// Sparse matrices are github.com/james-bowman/sparse CSR values; only their
// raw arrays are read (never their arithmetic). Duplicate entries are summed
// and column indices need not be sorted.
package eigs
