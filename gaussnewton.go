package sparsels

import (
	"math"
	"time"

	"github.com/sparsels/sparsels/internal/vec"
)

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

func (gaussNewton) linearized(*secondOrder) error { return nil }

func (gaussNewton) iterate(so *secondOrder, rec *IterationRecord) (stepOutcome, error) {
	sv := so.sv
	so.dampedGN(1e-10, rec)
	if !(vec.Dot(sv.rgrad, so.xi) < 0) {
		// Not a descent direction (an inexact solve): use the
		// (preconditioned) steepest descent direction.
		if so.linear == LinearCG {
			so.bp.apply(so.xi, so.b)
		} else {
			copy(so.xi, so.b)
		}
		sv.cs.ToFull(so.step, so.xi)
	}
	t0 := time.Now()
	q, w2 := so.lineQuartic()
	sv.res.Times.Evaluate += time.Since(t0)
	t, eq := q.argmin()
	rec.Damping = t
	out := stepOutcome{negligible: sv.negligible((q[0] - eq) * w2), exact: true}
	if !(t > 0) || math.IsInf(t, 0) {
		// No step is taken; a direction that is not finite is reported
		// as such (endIteration).
		rec.StepNorm = 0
		if dn := norm2(so.step); !finite(dn) {
			rec.StepNorm = dn
		}
		return out, nil
	}
	rec.StepNorm = t * norm2(so.step)
	e := so.tryPoint(t)
	if finite(e) && e < sv.e {
		out.accepted, out.energy = true, e
	}
	return out, nil
}

func (gaussNewton) failed() (string, bool) { return "", false }
