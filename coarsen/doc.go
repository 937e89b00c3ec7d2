// Package coarsen sets up the spectral coarsening problem of Liu, Jacobson and
// Ovsjanikov, "Spectral Coarsening of Geometric Operators" (ACM TOG 38(4),
// 2019), as a sparse-pattern least-squares problem.
//
// Given an n×n positive semi-definite operator L (typically the cotangent
// Laplacian of a mesh), a diagonal mass M, and the k lowest generalized
// eigenvectors U of (L, M), spectral coarsening looks for a sparse
// prolongation G (n×m, fixed pattern, every row summing to 1) whose coarse
// operator Gᵀ L G keeps the low spectrum of L. The published energy is
//
//	E(G) = ‖Mc^{1/2} (P M⁻¹ L U − Mc⁻¹ Gᵀ L G P U)‖²_F = ‖X − Y Gᵀ L G B‖²_F
//
// with X = Mc^{1/2} P M⁻¹ L U (m×k), Y = Mc^{-1/2} (m×m diagonal) and
// B = P U (m×k). Here K (m×n) is the 0/1 cluster assignment, Mc = K M Kᵀ the
// diagonal of cluster masses and P (m×n) injects each cluster's root vertex.
//
// Cluster picks the m roots and the assignment by graph k-medoids on the
// strength-of-connection lengths sqrt(M_i+M_j)/(−L_ij). Pattern returns the
// allowed nonzeros of G, H = (Kᵀ ((K (L≠0) Kᵀ) ≠ 0)) ≠ 0, Setup assembles
// X, Y, B, the pattern and the initial guess G = Kᵀ, and CoarseOperator
// evaluates Gᵀ L G sparsely. The eigenvectors are computed elsewhere and passed
// in.
//
// All sparse inputs are *sparse.CSR values from github.com/james-bowman/sparse;
// only their raw arrays are read.
package coarsen
