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

func (m *lm) linearized(md *localModel) error {
	if m.mu == 0 {
		m.mu = math.Min(md.sv.set.InitialRadius, lmMaxRadius)
		if m.mu <= 0 {
			m.mu = 1e4
		}
		m.nu = 2
	}
	return nil
}

func (m *lm) iterate(md *localModel, rec *IterationRecord) (stepOutcome, error) {
	sv := md.sv
	damp := math.Min(1, sv.gnorm/sv.gnorm0) / m.mu
	rec.Damping = damp
	xAx, ok := md.dampedGN(damp, rec)
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
	for k, v := range md.step {
		dD += (md.shift[k] - md.tau) * v * v
	}
	pred := -(vec.Dot(sv.rgrad, md.xi) + xAx - dD)
	out := stepOutcome{negligible: sv.negligible(pred)}
	// The step is limited by the damping unless the damping is negligible
	// next to the curvature it is added to.
	limited := dD > 1e-3*math.Max(xAx-dD, 0)
	eTrial := math.Inf(1)
	if pred > 0 {
		eTrial = md.tryPoint(1)
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

// dampedGN solves (JᵀJ + τ + damp·D)ξ = b, reduced, into md.xi and md.step
// and returns ξᵀ(JᵀJ + τ + damp·D)ξ. ok is false when the solve gave no
// step, a zero or non-finite one (the factorization failed, or CG broke
// down at once), although b is not zero.
func (md *localModel) dampedGN(damp float64, rec *IterationRecord) (xAx float64, ok bool) {
	sv := md.sv
	for k := range md.shift {
		md.shift[k] = md.tau + damp*md.scale[k]
	}
	t := time.Now()
	defer func() { sv.res.Times.LinearSolve += time.Since(t) }()
	if md.linear == LinearCG {
		tp := time.Now()
		md.bp.update(md.blocks, md.shift)
		sv.res.Times.Precondition += time.Since(tp)
		rec.CGIterations = krylov.PCG(md.applyGN, md.bp.apply, md.b, md.xi, false, md.eta, sv.set.CG.MaxIterations, md.cgw)
		xAx = vec.Dot(md.xi, md.b) - vec.Dot(md.xi, md.cgw.R)
	} else {
		d := &md.dense
		// hr already holds τ: add the reduced damping damp·D only.
		for k := range md.xf {
			md.xf[k] = damp * md.scale[k]
		}
		sv.cs.reduceDiag(&d.dr, md.xf)
		d.lm.AddSym(&d.hr, &d.dr)
		rec.CGIterations = 1
		if !d.chol.Factorize(&d.lm) {
			zero(md.xi)
		} else {
			// A mat.ConditionError only warns of ill-conditioning: the
			// solution is still the best available step.
			xv := mat.NewVecDense(sv.dim, md.xi)
			if err := d.chol.SolveVecTo(xv, mat.NewVecDense(sv.dim, md.b)); err != nil {
				var ce mat.Condition
				if !errors.As(err, &ce) {
					zero(md.xi)
				}
			}
			xAx = vec.Dot(md.xi, md.b)
		}
	}
	sv.cs.ToFull(md.step, md.xi)
	rec.StepNorm = norm2(md.step)
	return xAx, rec.StepNorm > 0 && finite(rec.StepNorm)
}
