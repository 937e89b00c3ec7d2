// Package sparsels solves sparse-pattern-preserving nonlinear least-squares
// problems of the form
//
//	minimize E(g) = ‖f‖²_F,  f(G) = X − Y Gᵀ L G B,  G = sparse(i, j, g),
//
// over the nonzero values g of an n×m matrix G whose sparsity pattern is fixed.
// L is n×n (usually sparse), Y is r×m, B is m×c and X is r×c.
//
// Typical uses are spectral coarsening of mesh operators (GᵀLG is a coarse
// Laplacian that keeps the low spectrum of L), energy-minimizing prolongation
// in algebraic multigrid, and graph coarsening.
//
// # A first problem, step by step
//
// The package-level Example and examples/quickstart run these steps on a
// path graph.
//
// 1. Describe where G may be nonzero. NewPattern takes the subscripts of the
// nonzeros; their order is the order of the value vector g everywhere in
// this package:
//
//	pat, err := sparsels.NewPattern(n, m, rows, cols) // G[rows[k], cols[k]] is g[k]
//
// Pattern.Index and Pattern.Subscripts convert between subscripts and
// positions, Pattern.CSR builds G from g and Pattern.Values gathers g from
// a matrix.
//
// 2. Bind the data to the pattern. NewProblem copies X, Y, L and B; each may
// be a *mat.Dense, a *mat.DiagDense, a james-bowman/sparse matrix, a
// transpose of one of these, or any mat.Matrix:
//
//	p, err := sparsels.NewProblem(X, Y, L, B, pat)
//
// To make a target from a known G, Problem.Model evaluates Y Gᵀ L G B, and
// CoarseOperator forms GᵀLG as a sparse matrix, also before a Problem exists:
//
//	X := sparsels.CoarseOperator(L, pat, gKnown) // the target GᵀLG of a known G
//
// 3. Evaluate. Energy, Residual, Gradient and EnergyGradient cost
// O(nnz(G)·c + nnz(L)·c) and allocate nothing:
//
//	e, grad := p.EnergyGradient(nil, g)
//
// 4. Add constraints if G must satisfy G·C = D row by row, such as rows that
// sum to 1:
//
//	cons, err := sparsels.RowSumConstraints(pat) // or NewConstraints(pat, C, D)
//
// 5. Minimize. Solve starts from g0 (projected onto the constraints) and
// returns the best point with a report; nil Settings mean the defaults:
//
//	res, err := sparsels.Solve(ctx, p, g0, &sparsels.Settings{Constraints: cons})
//	if err != nil { ... }                    // bad input or a non-finite energy
//	if !res.Status.Converged() { ... }       // a limit, an interruption or no decrease
//	S := p.CoarseOperator(res.G)             // the coarse operator of the result
//
// Result holds the status and its reason, energies, the constraint
// violation, evaluation counts, the time per phase and the per-iteration
// history; printing it gives a one-paragraph report.
//
// # Derivatives on the pattern
//
// Beyond the energy and gradient, a Problem evaluates
//
//   - the residual f and the energy E = ‖f‖²_F (Residual, Energy), and the
//     model Y GᵀLG B itself (Model);
//   - the gradient ∂E/∂g = 2Jᵀvec(f), the dense gradient
//     −2(LGB fᵀY + LᵀG Yᵀf Bᵀ) sampled at the pattern (Gradient);
//   - the Jacobian J = ∂vec(f)/∂g, of size (r·c)×nnz, whose column k for the
//     nonzero (a, b) is −vec(Y[:,b]·(LGB)[a,:] + (YGᵀL)[:,a]·B[b,:])
//     (Jacobian), and matrix-free products with J, Jᵀ, JᵀJ and the Hessian
//     (JacobianOperator);
//   - the Gauss-Newton matrix JᵀJ from small Gram matrices, never from J
//     (GaussNewton, GaussNewtonDiag, GaussNewtonBlocks);
//   - the exact Hessian ∇²E = 2(JᵀJ + Σ_q f_q ∇²f_q), whose second term is
//     sparse in L's pattern (Hessian).
//
// vec is column-major: vec(f)[p + q·r] = f[p, q].
//
// f is quadratic in g, so J is linear in g and changes at every iterate; at
// g = 0 both J and the gradient vanish.
//
// No dense n×m, n×n or (r·c)×(n·m) object is ever formed: every product is
// a sparse product over the pattern of G, the pattern of L, and dense r×c,
// n×c and m×c blocks.
//
// # Solvers
//
// Solve minimizes E from a starting point. Auto, the default, runs
// NewtonTrustRegion on problems with at most 1000 free values and
// QuasiNewton above (Method.Resolve). QuasiNewton is limited-memory BFGS
// whose initial inverse Hessian is the block-Jacobi inverse of the
// Gauss-Newton row blocks plus a bound on the second-order term's row
// blocks, and which minimizes E exactly along a direction whenever the unit
// step does not decrease it enough: f is quadratic in g, so E along a line is
// a quartic polynomial. The second-order methods are NewtonTrustRegion
// (Steihaug-Toint CG with negative-curvature steps extended to the quartic's
// minimizer, or an exact dense subproblem), LevenbergMarquardt and
// GaussNewtonLineSearch (minimum-norm Gauss-Newton direction, exact line
// minimization), which converge quadratically on zero-residual problems but
// stall on large-residual ones such as spectral coarsening, and
// HybridGaussNewton, which takes Gauss-Newton steps while the exact quartic
// along the last one says the Gauss-Newton model holds and QuasiNewton's
// steps otherwise, so that it is quadratic where Gauss-Newton is and keeps
// QuasiNewton's pace where it is not; for comparison there are the first-order NAdam of the
// published spectral-coarsening code and gonum's LBFGS. Linear systems are
// solved densely (from the Gram-form matrices, for a few dozen nonzeros,
// chosen by predicted cost) or matrix-free by conjugate gradients
// preconditioned with the exact JᵀJ blocks of each row of G, with an
// Eisenstat-Walker forcing sequence. The matrix-free path needs memory
// O(nnz(G) + nnz(L) + (r + n)·c).
//
// LowerBound computes a certified lower bound on E over every feasible G
// from a convex relaxation in S = GᵀLG (Settings.Bound reports it with the
// optimality gap in the Result).
//
// Constraints adds row-wise linear equality constraints G·C = D, such as
// the partition of unity G·1 = 1 (RowSumConstraints) or the near-null-space
// condition of algebraic multigrid (NewConstraints): the start is projected
// onto them, every step stays in their null space, and Result.Violation
// reports how well the result satisfies them. Constraints built on one
// Pattern work with any Problem whose pattern is Equal to it. Settings also
// offer a Tikhonov term, tolerances, iteration and time limits,
// cancellation through the context, and a per-iteration callback.
//
// Problem.Optimize and NullSpace.Optimize adapt a problem to gonum's
// optimize package, without and with constraints.
//
// # Concurrency
//
// A Problem is immutable after NewProblem and safe for concurrent use by
// several goroutines: each call takes its scratch space from an internal pool.
// A JacobianOperator owns its scratch space and must be used by one goroutine
// at a time; create one per goroutine.
package sparsels
