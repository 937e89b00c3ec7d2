package sparsels_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/testprob"
)

// nanDense returns an r×c matrix filled with NaN.
func nanDense(r, c int) *mat.Dense { return mat.NewDense(r, c, nanSlice(r*c)) }

// nanSym returns an n×n symmetric matrix filled with NaN.
func nanSym(n int) *mat.SymDense { return mat.NewSymDense(n, nanSlice(n*n)) }

// diagOf returns the diagonal of a square matrix.
func diagOf(a mat.Matrix) []float64 {
	n, _ := a.Dims()
	d := make([]float64, n)
	for i := range d {
		d[i] = a.At(i, i)
	}
	return d
}

// TestDerivatives compares every derivative of the core against the dense reference.
func TestDerivatives(t *testing.T) {
	for ci, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProblem(t, tc.inst)
			rp := newRef(tc.inst)
			nnz := len(tc.inst.G)
			rc := rp.r * rp.c
			for pi, g := range testPoints(tc.inst, uint64(ci))[:2] {
				ev, bd := rp.eval(g), rp.bound(g)
				at := fmt.Sprintf("point %d", pi)
				x := randomPoint(nnz, uint64(10*ci+pi))
				w := randomPoint(rc, uint64(10*ci+pi+5))
				ax, aw := absVec(x), absVec(w)

				jac := nanDense(rc, nnz)
				p.Jacobian(jac, g)
				checkMat(t, at+": Jacobian", jac, ev.Jac, mat.Norm(bd.Jac, 2), exactTol)
				var jacEmpty mat.Dense
				p.Jacobian(&jacEmpty, g)
				checkMat(t, at+": Jacobian into empty dst", &jacEmpty, ev.Jac, mat.Norm(bd.Jac, 2), exactTol)

				op := p.JacobianOperator(g)
				if r, c := op.Dims(); r != rc || c != nnz {
					t.Errorf("%s: operator Dims = %d×%d, want %d×%d", at, r, c, rc, nnz)
				}
				jx := nanSlice(rc)
				op.MulVecTo(jx, false, x)
				checkVec(t, at+": J x", jx, mulVec(ev.Jac, false, x), floats.Norm(mulVec(bd.Jac, false, ax), 2), exactTol)
				jtw := nanSlice(nnz)
				op.MulVecTo(jtw, true, w)
				checkVec(t, at+": Jᵀ w", jtw, mulVec(ev.Jac, true, w), floats.Norm(mulVec(bd.Jac, true, aw), 2), exactTol)

				gn := nanSym(nnz)
				p.GaussNewton(gn, g)
				checkMat(t, at+": GaussNewton", gn, ev.GN, mat.Norm(bd.GN, 2), exactTol)
				var gnEmpty mat.SymDense
				p.GaussNewton(&gnEmpty, g)
				checkMat(t, at+": GaussNewton into empty dst", &gnEmpty, ev.GN, mat.Norm(bd.GN, 2), exactTol)

				gnx := nanSlice(nnz)
				op.GaussNewtonMulVecTo(gnx, x)
				checkVec(t, at+": Jᵀ J x", gnx, mulVec(ev.GN, false, x), floats.Norm(mulVec(bd.GN, false, ax), 2), exactTol)

				hess := nanSym(nnz)
				p.Hessian(hess, g)
				checkMat(t, at+": Hessian", hess, ev.Hess, mat.Norm(bd.Hess, 2), exactTol)
				var hessEmpty mat.SymDense
				p.Hessian(&hessEmpty, g)
				checkMat(t, at+": Hessian into empty dst", &hessEmpty, ev.Hess, mat.Norm(bd.Hess, 2), exactTol)

				hx := nanSlice(nnz)
				op.HessianMulVecTo(hx, x)
				checkVec(t, at+": H x", hx, mulVec(ev.Hess, false, x), floats.Norm(mulVec(bd.Hess, false, ax), 2), exactTol)

				dg := p.GaussNewtonDiag(nanSlice(nnz), g)
				checkVec(t, at+": GaussNewtonDiag", dg, diagOf(ev.GN), floats.Norm(diagOf(bd.GN), 2), exactTol)
				dgNil := p.GaussNewtonDiag(nil, g)
				checkVec(t, at+": GaussNewtonDiag(nil)", dgNil, diagOf(ev.GN), floats.Norm(diagOf(bd.GN), 2), exactTol)
			}
		})
	}
}

// TestDerivativesFiniteDifferences compares the Jacobian with central differences of
// vec(Residual) and the Hessian with central differences of Gradient (see fdTol).
func TestDerivativesFiniteDifferences(t *testing.T) {
	for ci, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProblem(t, tc.inst)
			rp := newRef(tc.inst)
			nnz := len(tc.inst.G)
			rc := rp.r * rp.c
			for _, g := range testPoints(tc.inst, uint64(ci))[:2] {
				bd := rp.bound(g)
				var res mat.Dense
				fdJac := mat.NewDense(rc, nnz, nil)
				fd.Jacobian(fdJac, func(y, x []float64) {
					p.Residual(&res, x)
					copy(y, vec(&res))
				}, g, &fd.JacobianSettings{Formula: fd.Central})
				var jac mat.Dense
				p.Jacobian(&jac, g)
				checkMat(t, "Jacobian vs central differences", &jac, fdJac, mat.Norm(bd.Jac, 2), fdTol)

				fdHess := mat.NewDense(nnz, nnz, nil)
				fd.Jacobian(fdHess, func(y, x []float64) { p.Gradient(y, x) }, g, &fd.JacobianSettings{Formula: fd.Central})
				var hess mat.SymDense
				p.Hessian(&hess, g)
				checkMat(t, "Hessian vs central differences", &hess, fdHess, mat.Norm(bd.Hess, 2), fdTol)
			}
		})
	}
}

// TestDerivativeIdentities checks relations between the core's own outputs.
func TestDerivativeIdentities(t *testing.T) {
	for ci, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProblem(t, tc.inst)
			rp := newRef(tc.inst)
			nnz := len(tc.inst.G)
			rc := rp.r * rp.c
			g := tc.inst.G
			bd := rp.bound(g)

			var J mat.Dense
			p.Jacobian(&J, g)

			// GaussNewton == Jᵀ J.
			var jtj mat.Dense
			jtj.Mul(J.T(), &J)
			var gn mat.SymDense
			p.GaussNewton(&gn, g)
			checkMat(t, "GaussNewton vs Jᵀ J", &gn, &jtj, mat.Norm(bd.GN, 2), exactTol)

			// Gradient == 2 Jᵀ vec(f).
			var res mat.Dense
			p.Residual(&res, g)
			want := mulVec(&J, true, vec(&res))
			floats.Scale(2, want)
			checkVec(t, "Gradient vs 2 Jᵀ vec(f)", p.Gradient(nil, g), want, floats.Norm(bd.Grad, 2), exactTol)

			// The operator is the Jacobian, both ways.
			op := p.JacobianOperator(g)
			x := randomPoint(nnz, uint64(ci))
			w := randomPoint(rc, uint64(ci)+1)
			jx := nanSlice(rc)
			op.MulVecTo(jx, false, x)
			checkVec(t, "operator J x vs Jacobian", jx, mulVec(&J, false, x), floats.Norm(mulVec(bd.Jac, false, absVec(x)), 2), exactTol)
			jtw := nanSlice(nnz)
			op.MulVecTo(jtw, true, w)
			checkVec(t, "operator Jᵀ w vs Jacobian", jtw, mulVec(&J, true, w), floats.Norm(mulVec(bd.Jac, true, absVec(w)), 2), exactTol)

			// J is linear in g: J(2g) == 2 J(g) (scaling by 2 is exact in floating point), and not
			// constant.
			g2 := make([]float64, nnz)
			floats.ScaleTo(g2, 2, g)
			var J2, twoJ mat.Dense
			p.Jacobian(&J2, g2)
			twoJ.Scale(2, &J)
			checkMat(t, "J(2g) vs 2 J(g)", &J2, &twoJ, 2*mat.Norm(bd.Jac, 2), 1e-15)
			var J3 mat.Dense
			p.Jacobian(&J3, randomPoint(nnz, 77))
			var diff mat.Dense
			diff.Sub(&J3, &J)
			if mat.Norm(&diff, 2) < 1e-3*mat.Norm(bd.Jac, 2) {
				t.Errorf("Jacobian is the same at two different points")
			}

			// At g = 0 the Jacobian and its products vanish exactly.
			zero := make([]float64, nnz)
			var J0 mat.Dense
			p.Jacobian(&J0, zero)
			if !mat.Equal(&J0, mat.NewDense(rc, nnz, nil)) {
				t.Errorf("Jacobian at 0 is not exactly zero: %v", mat.Formatted(&J0))
			}
			op0 := p.JacobianOperator(zero)
			op0.MulVecTo(jx, false, x)
			op0.MulVecTo(jtw, true, w)
			gnx := nanSlice(nnz)
			op0.GaussNewtonMulVecTo(gnx, x)
			for _, v := range [][]float64{jx, jtw, gnx, p.GaussNewtonDiag(nil, zero)} {
				for k, e := range v {
					if e != 0 {
						t.Errorf("product at g = 0 has entry %d = %v, want exactly 0", k, e)
					}
				}
			}

			// Hessian == 2 GaussNewton + 2 S, with S the reference second-order term.
			var hess, want2 mat.SymDense
			p.Hessian(&hess, g)
			ev := rp.eval(g)
			var s2 mat.Dense
			s2.Scale(2, ev.S)
			want2.ScaleSym(2, &gn)
			var sum mat.Dense
			sum.Add(&want2, &s2)
			checkMat(t, "Hessian vs 2 GaussNewton + 2 S", &hess, &sum, mat.Norm(bd.Hess, 2), exactTol)
		})
	}
}

// TestZeroResidualHessian checks that where X = Y Gᵀ L G B exactly (up to the rounding of the
// dense products that define X) the Hessian equals 2 GaussNewton and the gradient vanishes.
func TestZeroResidualHessian(t *testing.T) {
	for _, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			inst := *tc.inst
			rp0 := newRef(&inst)
			inst.X = chain(rp0.Y, rp0.denseG(inst.G).T(), rp0.L, rp0.denseG(inst.G), rp0.B)
			p := newTestProblem(t, &inst)
			bd := newRef(&inst).bound(inst.G)
			nnz := len(inst.G)

			var hess, gn mat.SymDense
			p.Hessian(&hess, inst.G)
			p.GaussNewton(&gn, inst.G)
			var twoGN mat.SymDense
			twoGN.ScaleSym(2, &gn)
			checkMat(t, "Hessian vs 2 GaussNewton at zero residual", &hess, &twoGN, mat.Norm(bd.Hess, 2), exactTol)
			checkVec(t, "Gradient at zero residual", p.Gradient(nil, inst.G), make([]float64, nnz), floats.Norm(bd.Grad, 2), exactTol)
			if e := p.Energy(inst.G); !(e <= 1e-24*bd.E) {
				t.Errorf("Energy at zero residual = %v, scale %v", e, bd.E)
			}
		})
	}
}

// TestOperatorPanics checks that operator products with wrongly sized vectors panic with a
// message from this package.
func TestOperatorPanics(t *testing.T) {
	inst := refCases()[0].inst
	p := newTestProblem(t, inst)
	nnz := len(inst.G)
	_, _, r, c := p.Dims()
	rc := r * c
	op := p.JacobianOperator(inst.G)
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"J x short dst", func() { op.MulVecTo(make([]float64, rc-1), false, make([]float64, nnz)) }},
		{"J x short x", func() { op.MulVecTo(make([]float64, rc), false, make([]float64, nnz-1)) }},
		{"Jᵀ w short dst", func() { op.MulVecTo(make([]float64, nnz-1), true, make([]float64, rc)) }},
		{"Jᵀ w short w", func() { op.MulVecTo(make([]float64, nnz), true, make([]float64, rc-1)) }},
		{"Jᵀ J x short x", func() { op.GaussNewtonMulVecTo(make([]float64, nnz), make([]float64, nnz-1)) }},
		{"H x short dst", func() { op.HessianMulVecTo(make([]float64, nnz-1), make([]float64, nnz)) }},
		{"Jacobian wrong dst", func() { p.Jacobian(mat.NewDense(rc+1, nnz, nil), inst.G) }},
		{"GaussNewton wrong dst", func() { p.GaussNewton(mat.NewSymDense(nnz+1, nil), inst.G) }},
		{"Hessian short g", func() { p.Hessian(&mat.SymDense{}, inst.G[1:]) }},
		{"GaussNewtonDiag short dst", func() { p.GaussNewtonDiag(make([]float64, nnz-1), inst.G) }},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", tc.name)
					return
				}
				if msg := fmt.Sprint(r); !strings.HasPrefix(msg, "sparsels: ") {
					t.Errorf("%s: panic message %q lacks the package prefix", tc.name, msg)
				}
			}()
			tc.fn()
		}()
	}
}

// TestOperatorLarger checks the operator products on a coarsening-shaped problem too large for
// the dense reference against the core's own dense Jacobian, which TestDerivatives validated.
func TestOperatorLarger(t *testing.T) {
	for _, denseY := range []bool{false, true} {
		inst := testprob.Coarsening(150, 20, 6, denseY, 8)
		p := newTestProblem(t, inst)
		nnz := len(inst.G)
		_, _, r, c := p.Dims()
		g := inst.G
		var J, H mat.Dense
		p.Jacobian(&J, g)
		var hs mat.SymDense
		p.Hessian(&hs, g)
		H.CloneFrom(&hs)
		absJ := absDense(&J)
		op := p.JacobianOperator(g)
		x := randomPoint(nnz, 3)
		w := randomPoint(r*c, 4)
		jx := nanSlice(r * c)
		op.MulVecTo(jx, false, x)
		// Scale: |J| |x|, a lower bound of the honest one (J's own terms are not expanded), so
		// the tolerance is looser than exactTol.
		checkVec(t, fmt.Sprintf("denseY=%v: J x", denseY), jx, mulVec(&J, false, x), floats.Norm(mulVec(absJ, false, absVec(x)), 2), 1e-10)
		jtw := nanSlice(nnz)
		op.MulVecTo(jtw, true, w)
		checkVec(t, fmt.Sprintf("denseY=%v: Jᵀ w", denseY), jtw, mulVec(&J, true, w), floats.Norm(mulVec(absJ, true, absVec(w)), 2), 1e-10)
		gnx := nanSlice(nnz)
		op.GaussNewtonMulVecTo(gnx, x)
		want := mulVec(&J, true, mulVec(&J, false, x))
		checkVec(t, fmt.Sprintf("denseY=%v: Jᵀ J x", denseY), gnx, want, floats.Norm(mulVec(absJ, true, mulVec(absJ, false, absVec(x))), 2), 1e-10)
		hx := nanSlice(nnz)
		op.HessianMulVecTo(hx, x)
		checkVec(t, fmt.Sprintf("denseY=%v: H x", denseY), hx, mulVec(&H, false, x), floats.Norm(mulVec(absDense(&H), false, absVec(x)), 2), 1e-10)
		if math.IsNaN(floats.Sum(hx)) {
			t.Errorf("denseY=%v: NaN in H x", denseY)
		}
	}
}
