package sparsels

import "github.com/sparsels/sparsels/internal/vec"

// gaussNewton is GaussNewtonLineSearch: the Gauss-Newton direction, the
// minimum-norm solution of the linearized problem, followed by an exact
// minimization of E along it.
//
// The Gauss-Newton matrix JᵀJ of spectral-coarsening problems is singular on
// most of the constraints' null space (the directions of g that do not move
// GᵀLG to first order). Conjugate gradients started at 0 stay in its range,
// so they return the minimum-norm (in the preconditioner's metric) step
// without a damping that would have to fight that null space; only a
// negligible shift 10⁻¹⁰·D keeps the preconditioner definite. Because f is
// quadratic in g, E along the direction is an exact quartic (quartic.go),
// whose global minimizer over t > 0 is the step: no trust region and no
// backtracking.
type gaussNewton struct{}

func (gaussNewton) linearized(*localModel) error { return nil }

func (gaussNewton) iterate(md *localModel, rec *IterationRecord) (stepOutcome, error) {
	sv := md.sv
	md.dampedGN(1e-10, rec)
	if !(vec.Dot(sv.rgrad, md.xi) < 0) {
		// Not a descent direction (an inexact solve): use the
		// (preconditioned) steepest descent direction.
		if md.linear == LinearCG {
			md.bp.apply(md.xi, md.b)
		} else {
			copy(md.xi, md.b)
		}
		sv.cs.ToFull(md.step, md.xi)
	}
	return md.exactStep(rec), nil
}

func (gaussNewton) failed() (string, bool) { return "", false }
