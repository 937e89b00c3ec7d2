package sparsels

import (
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/krylov"
	"github.com/sparsels/sparsels/internal/vec"
)

// lm is LevenbergMarquardt: Gauss-Newton steps damped in the trust-region
// form, with Moré's diagonal scaling D. The damping is
// (1/μ)·min(1, ‖∇E‖/‖∇E₀‖)·D: the radius μ follows the gain ratio (Nielsen's
// update), and the gradient factor (Fan and Yuan's choice) lets the damping
// vanish as the iterates converge, which keeps the local convergence
// quadratic on zero-residual problems.
type lm struct {
	mu, nu float64
	noStep bool // the last linear solve gave no step
}

// lmMaxRadius is the largest radius μ of LevenbergMarquardt: a damping
// (1/μ)·D below about 10⁻¹⁶ of JᵀJ's diagonal is lost to rounding, and the
// factorization of a singular JᵀJ then fails.
const lmMaxRadius = 1e16

func (m *lm) linearized(so *secondOrder) error {
	if m.mu == 0 {
		m.mu = math.Min(so.sv.set.InitialRadius, lmMaxRadius)
		if m.mu <= 0 {
			m.mu = 1e4
		}
		m.nu = 2
	}
	return nil
}

func (m *lm) iterate(so *secondOrder, rec *IterationRecord) (stepOutcome, error) {
	sv := so.sv
	damp := math.Min(1, sv.gnorm/sv.gnorm0) / m.mu
	rec.Damping = damp
	xAx, ok := so.dampedGN(damp, rec)
	m.noStep = !ok
	if !ok {
		// No step at this damping (a failed factorization or a breakdown
		// of CG): it says nothing about convergence; damp more.
		m.mu /= m.nu
		m.nu *= 2
		return stepOutcome{}, nil
	}
	// E(g+δ) ≈ E + gradᵀδ + δᵀ(JᵀJ+τ)δ; xAx includes the damping term dD.
	var dD float64
	for k, v := range so.step {
		dD += (so.shift[k] - so.tau) * v * v
	}
	pred := -(vec.Dot(sv.rgrad, so.xi) + xAx - dD)
	out := stepOutcome{negligible: sv.negligible(pred)}
	// The step is limited by the damping unless the damping is negligible
	// next to the curvature it is added to.
	limited := dD > 1e-3*math.Max(xAx-dD, 0)
	eTrial := math.Inf(1)
	if pred > 0 {
		eTrial = so.tryPoint(1)
	}
	rho := (sv.e - eTrial) / pred
	switch {
	case pred > 0 && finite(eTrial) && rho > 1e-3:
		out.accepted, out.energy = true, eTrial
		out.limited = limited && rho >= 0.25
		m.mu = math.Min(m.mu/math.Max(1.0/3, 1-math.Pow(2*rho-1, 3)), lmMaxRadius)
		m.nu = 2
	case out.negligible && dD > 1e3*math.Max(xAx-dD, 0):
		// The damping, a thousand times the curvature, made the step so
		// short that its effect is at rounding level: the ratio says
		// nothing, and only a larger radius can help.
		out.limited = true
		m.mu = math.Min(10*m.mu, lmMaxRadius)
	default:
		m.mu /= m.nu
		m.nu *= 2
	}
	return out, nil
}

func (m *lm) failed() (string, bool) {
	if m.mu < 1e-32 {
		if m.noStep {
			return "the linear solve gave no step at any damping", true
		}
		return "the damping grew without bound", true
	}
	return "", false
}

// dampedGN solves (JᵀJ + τ + damp·D)ξ = b, reduced, into so.xi and so.step
// and returns ξᵀ(JᵀJ + τ + damp·D)ξ. ok is false when the solve gave no
// step, a zero or non-finite one (the factorization failed, or CG broke
// down at once), although b is not zero.
func (so *secondOrder) dampedGN(damp float64, rec *IterationRecord) (xAx float64, ok bool) {
	sv := so.sv
	for k := range so.shift {
		so.shift[k] = so.tau + damp*so.scale[k]
	}
	t := time.Now()
	defer func() { sv.res.Times.LinearSolve += time.Since(t) }()
	if so.linear == LinearCG {
		tp := time.Now()
		so.bp.update(so.blocks, so.shift)
		sv.res.Times.Precondition += time.Since(tp)
		rec.CGIterations = krylov.PCG(so.applyGN, so.bp.apply, so.b, so.xi, false, so.eta, sv.set.MaxCGIterations, so.cgw)
		xAx = vec.Dot(so.xi, so.b) - vec.Dot(so.xi, so.cgw.R)
	} else {
		d := &so.dense
		// hr already holds τ: add the reduced damping damp·D only.
		for k := range so.xf {
			so.xf[k] = damp * so.scale[k]
		}
		sv.cs.reduceDiag(&d.dr, so.xf)
		d.lm.AddSym(&d.hr, &d.dr)
		rec.CGIterations = 1
		if !d.chol.Factorize(&d.lm) {
			zero(so.xi)
		} else {
			// A mat.ConditionError only warns of ill-conditioning: the
			// solution is still the best available step.
			xv := mat.NewVecDense(sv.dim, so.xi)
			if err := d.chol.SolveVecTo(xv, mat.NewVecDense(sv.dim, so.b)); err != nil {
				var ce mat.Condition
				if !errors.As(err, &ce) {
					zero(so.xi)
				}
			}
			xAx = vec.Dot(so.xi, so.b)
		}
	}
	sv.cs.ToFull(so.step, so.xi)
	rec.StepNorm = norm2(so.step)
	return xAx, rec.StepNorm > 0 && finite(rec.StepNorm)
}
