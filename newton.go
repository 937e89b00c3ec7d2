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
// it doubles (up to 16 times Settings.MaxCGIterations) while interior steps
// hit it and are accepted with a good ratio, and falls back when the
// boundary or negative curvature ends CG first. Dense, the subproblem is
// solved exactly from an eigendecomposition, which copes with indefinite
// Hessians.
type newton struct {
	delta  float64 // trust radius
	budget int     // CG iterations allowed in the next subproblem
}

func (m *newton) linearized(so *secondOrder) error {
	sv, p := so.sv, so.sv.p
	if m.budget == 0 {
		m.budget = sv.set.MaxCGIterations
		m.delta = sv.set.InitialRadius
	}
	if so.linear == LinearDense {
		t := time.Now()
		d := &so.dense
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
	// Preconditioner: the Gauss-Newton row blocks plus a bound on the
	// second-order term's row blocks, positive definite.
	tp := time.Now()
	so.op.secondOrderRowBounds(so.rowBound)
	for k := range so.shift {
		so.shift[k] = so.tau + so.boundWeight*so.rowBound[p.pat.i[k]] + 1e-6*so.scale[k]
	}
	so.bp.update(so.blocks, so.shift)
	for k := range so.shift {
		so.shift[k] = so.tau
	}
	sv.res.Times.Precondition += time.Since(tp)
	return nil
}

func (m *newton) iterate(so *secondOrder, rec *IterationRecord) (stepOutcome, error) {
	sv := so.sv
	t := time.Now()
	var pred, stepNorm float64
	var boundary, negCurv bool
	if so.linear == LinearCG {
		pred, boundary, negCurv = m.stepCG(so, rec)
		stepNorm = so.bp.normM(so.xi)
	} else {
		pred, boundary = m.stepDense(so, rec)
		stepNorm = math.Sqrt(vec.Dot(so.xi, so.xi))
	}
	sv.cs.ToFull(so.step, so.xi)
	sv.res.Times.LinearSolve += time.Since(t)
	rec.StepNorm = floats.Norm(so.step, 2)
	rec.Damping = m.delta
	out := stepOutcome{negligible: sv.negligible(pred)}
	if negCurv {
		// Follow the negative curvature as far as E decreases.
		tq := time.Now()
		q, w2 := so.lineQuartic()
		sv.res.Times.Evaluate += time.Since(tq)
		if s, eq := q.argmin(); s > 1 && !math.IsInf(s, 0) && eq < q[0] {
			for k := range so.step {
				so.step[k] *= s
			}
			for i := range so.xi {
				so.xi[i] *= s
			}
			pred = (q[0] - eq) * w2
			stepNorm *= s
			rec.StepNorm *= s
		}
	}
	eTrial := math.Inf(1)
	if pred > 0 {
		eTrial = so.tryPoint(1)
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
	m.adaptBudget(sv.set.MaxCGIterations, rec.CGIterations, rho, boundary)
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
func (m *newton) stepCG(so *secondOrder, rec *IterationRecord) (pred float64, boundary, negCurv bool) {
	sv, cgw := so.sv, so.cgw
	if m.delta <= 0 {
		// First radius: the length of the Cauchy step along the
		// preconditioned gradient.
		so.bp.apply(cgw.Z, so.b)
		so.applyHess(cgw.Q, cgw.Z)
		dn := so.bp.normM(cgw.Z)
		m.delta = dn
		if kappa := vec.Dot(cgw.Z, cgw.Q); kappa > 0 {
			m.delta = vec.Dot(so.b, cgw.Z) / kappa * dn
		}
		if !(m.delta > 0) || math.IsInf(m.delta, 0) {
			m.delta = 1
		}
	}
	it, bd, nc := krylov.Steihaug(so.applyHess, so.bp.apply, so.b, so.xi, m.delta, so.eta, m.budget, cgw)
	rec.CGIterations += it
	var xAx float64
	if bd {
		so.applyHess(cgw.Q, so.xi)
		xAx = vec.Dot(so.xi, cgw.Q)
	} else {
		xAx = vec.Dot(so.xi, so.b) - vec.Dot(so.xi, cgw.R)
	}
	return -(vec.Dot(sv.rgrad, so.xi) + xAx), bd, nc
}

// stepDense solves the subproblem exactly from the eigendecomposition.
func (m *newton) stepDense(so *secondOrder, rec *IterationRecord) (pred float64, boundary bool) {
	sv, d := so.sv, &so.dense
	dim := sv.dim
	c := d.c[:dim]
	mat.NewVecDense(dim, c).MulVec(d.q.T(), mat.NewVecDense(dim, so.b))
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
			m.delta = floats.Norm(so.b, 2) / math.Max(math.Abs(d.w[dim-1]), math.SmallestNonzeroFloat64)
		}
		if !(m.delta > 0) || math.IsInf(m.delta, 0) {
			m.delta = 1
		}
	}
	boundary = trustRegionEigen(so.xi, d.w, &d.q, c, m.delta)
	xv := mat.NewVecDense(dim, so.xi)
	xAx := mat.Inner(xv, &d.hr, xv)
	rec.CGIterations = 1
	return -(vec.Dot(sv.rgrad, so.xi) + xAx), boundary
}

func (m *newton) failed() (string, bool) {
	if !(m.delta > 1e-300) {
		return "the trust region collapsed", true
	}
	return "", false
}
