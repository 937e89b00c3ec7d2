package sparsels

import (
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/krylov"
	"github.com/sparsels/sparsels/internal/vec"
)

// newton is NewtonTrustRegion: steps on the exact Hessian ½∇²E (+τ) in a
// trust region. Matrix-free, the subproblem is solved by Steihaug-Toint
// truncated CG in the preconditioner's norm, with the Gauss-Newton row
// blocks plus a bound on the second-order term's row blocks as the
// (positive definite) preconditioner. Along a direction of negative
// curvature the step is not cut at the boundary: E along it is an exact
// quartic (quartic.go), minimized globally, so a negative-curvature step
// goes as far as the energy itself keeps decreasing. The CG budget adapts:
// it doubles (up to 16 times Settings.CG.MaxIterations) while interior steps
// hit it and are accepted with a good ratio, and falls back when the
// boundary or negative curvature ends CG first. Dense, the subproblem is
// solved exactly from an eigendecomposition, which copes with indefinite
// Hessians.
type newton struct {
	delta  float64 // trust radius
	budget int     // CG iterations allowed in the next subproblem
}

func (m *newton) linearized(md *localModel) error {
	sv := md.sv
	if m.budget == 0 {
		m.budget = sv.set.CG.MaxIterations
		m.delta = sv.set.InitialRadius
	}
	if md.linear == LinearDense {
		t := time.Now()
		d := &md.dense
		if !d.eig.Factorize(&d.hr, true) {
			return errors.New("sparsels: Solve: eigendecomposition of the Hessian failed")
		}
		d.w = d.eig.Values(d.w)
		d.eig.VectorsTo(&d.q)
		if d.c == nil {
			d.c = make([]float64, sv.dim)
		}
		sv.res.Times.LinearSolve += time.Since(t)
		return nil
	}
	md.refreshPreconditioner(1)
	return nil
}

func (m *newton) iterate(md *localModel, rec *IterationRecord) (stepOutcome, error) {
	sv := md.sv
	t := time.Now()
	var pred, stepNorm float64
	var boundary, negCurv bool
	if md.linear == LinearCG {
		pred, boundary, negCurv = m.stepCG(md, rec)
		stepNorm = md.bp.normM(md.xi)
	} else {
		pred, boundary = m.stepDense(md, rec)
		stepNorm = math.Sqrt(vec.Dot(md.xi, md.xi))
	}
	sv.cs.ToFull(md.step, md.xi)
	sv.res.Times.LinearSolve += time.Since(t)
	rec.StepNorm = floats.Norm(md.step, 2)
	rec.Damping = m.delta
	out := stepOutcome{negligible: sv.negligible(pred)}
	if negCurv {
		// Follow the negative curvature as far as E decreases.
		tq := time.Now()
		q, w2 := md.lineQuartic()
		sv.res.Times.Evaluate += time.Since(tq)
		if s, eq := q.argmin(); s > 1 && !math.IsInf(s, 0) && eq < q[0] {
			for k := range md.step {
				md.step[k] *= s
			}
			for i := range md.xi {
				md.xi[i] *= s
			}
			pred = (q[0] - eq) * w2
			stepNorm *= s
			rec.StepNorm *= s
		}
	}
	eTrial := math.Inf(1)
	if pred > 0 {
		eTrial = md.tryPoint(1)
	}
	rho := (sv.e - eTrial) / pred
	// A boundary step that the energy confirmed was cut by the radius: a
	// tiny one says the radius is small, not that g converged.
	out.limited = boundary && rho >= 0.25
	switch {
	case !(rho >= 0.25) || !finite(eTrial):
		m.delta = 0.25 * stepNorm
	case rho > 0.75 && boundary:
		m.delta = math.Min(math.Max(2*m.delta, stepNorm), 1e300)
	}
	m.adaptBudget(sv.set.CG.MaxIterations, rec.CGIterations, rho, boundary)
	if pred > 0 && finite(eTrial) && rho > 1e-4 {
		out.accepted, out.energy = true, eTrial
	}
	return out, nil
}

// adaptBudget doubles the CG budget after an accepted interior step that
// used all of it, and returns it toward the base after a boundary step.
func (m *newton) adaptBudget(base, used int, rho float64, boundary bool) {
	switch {
	case !boundary && used >= m.budget && rho > 0.75:
		m.budget = min(2*m.budget, 16*base)
	case boundary:
		m.budget = max(m.budget/2, base)
	}
}

// stepCG solves the subproblem by Steihaug-Toint CG and returns the model
// decrease.
func (m *newton) stepCG(md *localModel, rec *IterationRecord) (pred float64, boundary, negCurv bool) {
	sv, cgw := md.sv, md.cgw
	if m.delta <= 0 {
		// First radius: the length of the Cauchy step along the
		// preconditioned gradient.
		md.bp.apply(cgw.Z, md.b)
		md.applyHess(cgw.Q, cgw.Z)
		dn := md.bp.normM(cgw.Z)
		m.delta = dn
		if kappa := vec.Dot(cgw.Z, cgw.Q); kappa > 0 {
			m.delta = vec.Dot(md.b, cgw.Z) / kappa * dn
		}
		if !(m.delta > 0) || math.IsInf(m.delta, 0) {
			m.delta = 1
		}
	}
	it, bd, nc := krylov.Steihaug(md.applyHess, md.bp.apply, md.b, md.xi, m.delta, md.eta, m.budget, cgw)
	rec.CGIterations += it
	var xAx float64
	if bd {
		md.applyHess(cgw.Q, md.xi)
		xAx = vec.Dot(md.xi, cgw.Q)
	} else {
		xAx = vec.Dot(md.xi, md.b) - vec.Dot(md.xi, cgw.R)
	}
	return -(vec.Dot(sv.rgrad, md.xi) + xAx), bd, nc
}

// stepDense solves the subproblem exactly from the eigendecomposition.
func (m *newton) stepDense(md *localModel, rec *IterationRecord) (pred float64, boundary bool) {
	sv, d := md.sv, &md.dense
	dim := sv.dim
	c := d.c[:dim]
	mat.NewVecDense(dim, c).MulVec(d.q.T(), mat.NewVecDense(dim, md.b))
	if m.delta <= 0 {
		// First radius: the Newton step's length if H is positive
		// definite, else a gradient-scaled guess.
		if dim > 0 && d.w[0] > 0 {
			var s float64
			for i, w := range d.w {
				s += (c[i] / w) * (c[i] / w)
			}
			m.delta = math.Sqrt(s)
		} else {
			m.delta = floats.Norm(md.b, 2) / math.Max(math.Abs(d.w[dim-1]), math.SmallestNonzeroFloat64)
		}
		if !(m.delta > 0) || math.IsInf(m.delta, 0) {
			m.delta = 1
		}
	}
	boundary = trustRegionEigen(md.xi, d.w, &d.q, c, m.delta)
	xv := mat.NewVecDense(dim, md.xi)
	xAx := mat.Inner(xv, &d.hr, xv)
	rec.CGIterations = 1
	return -(vec.Dot(sv.rgrad, md.xi) + xAx), boundary
}

func (m *newton) failed() (string, bool) {
	if !(m.delta > 1e-300) {
		return "the trust region collapsed", true
	}
	return "", false
}
