// Package krylov holds the matrix-free linear algebra of the solvers and of
// the lower bound: preconditioned conjugate gradients with an optional warm
// start, the Steihaug-Toint truncated CG for trust-region subproblems, CGLS
// for linear least squares, a block-Jacobi preconditioner with explicit
// block inverses, and the small dense Cholesky factorization behind it.
//
// Operators are functions dst = A·x on vectors of one length; a
// preconditioner M is applied as dst = M⁻¹·r and must be symmetric positive
// definite. The methods allocate nothing per iteration: their scratch space
// lives in a Work, or in the preconditioner.
package krylov
