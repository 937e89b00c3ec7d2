// Package coarsen implements the spectral coarsening of Liu, Jacobson and
// Ovsjanikov, "Spectral Coarsening of Geometric Operators" (ACM TOG 38(4),
// 2019), as a sparse-pattern least-squares problem solved by sparsels.
//
// # One call
//
// Spectral is the counterpart of the published MATLAB entry point
// [Lc, Mc, G, P, roots] = algebraicCoarsening(L, M, m, 'numEig', k, …):
// from an n×n symmetric positive semi-definite L (a cotangent Laplacian from
// package mesh, a graph Laplacian, …) and positive diagonal masses M it
// returns the n×m prolongation G, the coarse operator Lc = Gᵀ L G, the coarse
// masses Mc, the roots (the injection P) and clusters, the problem it solved
// and the solver's result. Options set the eigenvectors fitted (K, default
// DefaultK: round(m/3) as published, capped on large operators) and compared
// (QualityK, default min(100, K, m−1)), their weights, the smoothing of the
// start (Smooth), landmark vertices that must be roots, the clustering seed,
// the sparsels Settings, the quality monitor's rules and a progress
// callback.
//
// # Quality, and when to stop
//
// The measures are the paper's: Measure computes the smallest eigenpairs of
// (Lc, Mc), the relative eigenvalue errors against (L, M) (EigenvalueErrors)
// and the functional map C = Φcᵀ Mc P Φ (FunctionalMap) with its
// off-diagonal energy ‖C − diag(C)‖²_F/‖C‖²_F (OffDiagonalEnergy), which does
// not depend on the signs of the eigenvectors; it also counts spurious
// coarse pairs, coarse eigenvectors that match no fine one (SpuriousRows)
// and surplus coarse eigenvalues below a gap of the fine spectrum.
//
// The energy fits Gᵀ L G on the fitted vectors P U only, so minimizing it
// longer can create spurious low coarse modes in their complement: every
// later coarse eigenpair then shifts by one and the functional map moves off
// its diagonal while each eigenvalue stays close. (A coarse Rayleigh
// quotient is R_c(v) = R_f(Gv)·(Gv)ᵀM(Gv)/vᵀMc v: where Gᵀ M G ⪰ Mc no coarse
// eigenvalue can fall below its fine one, and G = Kᵀ has Gᵀ M G = Mc, but
// the minimization gives up that guarantee.) Spectral guards against it in
// two ways: it fits more eigenvectors than it compares, and a Monitor checks
// the coarse pencil at doubling iteration counts, keeps the best G and stops
// the minimization when doubling the iterations no longer improves it
// enough, when spurious pairs appear, or when the next doubling would
// outlast the stages before the minimization. The policy and the
// measurements behind it are in BENCHMARKS.md, "Coarsening quality" and
// "Coarsening quality at scale".
//
// # The pieces
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
// X, Y, B, the pattern and the initial guess G = Kᵀ, which Smooth turns into
// Spectral's smoothed start. G and Gᵀ L G are formed
// by package sparsels (Pattern.CSR and CoarseOperator), as for any problem.
// The eigenvectors are computed elsewhere (package eigs) and passed in.
//
// All sparse inputs are *sparse.CSR values from github.com/james-bowman/sparse;
// only their raw arrays are read.
package coarsen
