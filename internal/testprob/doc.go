// Package testprob generates test and benchmark problems for the sparse-pattern-preserving
// least squares problem
//
//	minimize E(g) = ||X - Y Gᵀ L G B||_F²
//
// over the values g of an n×m matrix G with a fixed sparsity pattern, where L is n×n, Y is r×m,
// B is m×c and X is r×c.
//
// Random builds small random problems whose operands can be stored in any of the matrix types
// accepted by the core package (dense, diagonal, and the CSR, CSC, COO and DOK types of
// github.com/james-bowman/sparse); Coarsening builds larger problems shaped like a graph or mesh
// coarsening operator. Every generator is deterministic for a given seed.
//
// Sparse operands are always assembled from raw arrays built here, never through the COO to CSR
// conversion of the sparse package, so the generated matrices hold exactly the intended entries
// (sorted indices, no duplicates) unless a COO or DOK is requested on purpose.
package testprob
