package sparsels_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// TestEvaluationExtremeScale checks Energy, EnergyGradient, Gradient,
// GaussNewtonDiag and the Jacobian operator with entries around 1e-150 and
// 1e150, in both the direct form (dense Y) and the Gram form
// (coarsening-shaped, diagonal Y), against a rescaled computation: scaling
// Y by s and B by 1/s leaves E unchanged, and scaling X and Y by s scales E
// by s² and the gradient by s².
func TestEvaluationExtremeScale(t *testing.T) {
	inst := testprob.Coarsening(300, 12, 8, false, 3)
	instD := testprob.Coarsening(300, 12, 8, true, 4)
	for _, test := range []struct {
		name string
		inst *testprob.Instance
	}{{"diagonal Y", inst}, {"dense Y", instD}} {
		pat, err := sparsels.NewPattern(300, 12, test.inst.I, test.inst.J)
		if err != nil {
			t.Fatal(err)
		}
		X, Y, B := mat.DenseCopyOf(test.inst.X), mat.DenseCopyOf(test.inst.Y), mat.DenseCopyOf(test.inst.B)
		// Move away from the zero-residual solution so that E is not tiny.
		X.Scale(1.5, X)
		p0, err := sparsels.NewProblem(X, Y, test.inst.L, B, pat)
		if err != nil {
			t.Fatal(err)
		}
		g := test.inst.G
		ref := newDenseRef(X, Y, test.inst.L, B, pat)
		e0, gr0 := p0.Energy(g), p0.Gradient(nil, g)
		if math.Abs(e0-ref.E(g)) > 1e-11*e0 || relDiff(gr0, ref.Grad(g)) > 1e-11 {
			t.Fatalf("%s: unscaled evaluation differs from the dense reference", test.name)
		}
		d0 := p0.GaussNewtonDiag(nil, g)
		x := make([]float64, len(g))
		for k := range x {
			x[k] = math.Sin(float64(k))
		}
		hx0 := make([]float64, len(g))
		p0.JacobianOperator(g).HessianMulVecTo(hx0, x)
		for _, s := range []float64{1e-150, 1e150} {
			what := fmt.Sprintf("%s, s = %g", test.name, s)
			var Ys, Bs, Xs mat.Dense
			Ys.Scale(s, Y)
			Bs.Scale(1/s, B)
			Xs.Scale(s, X)
			// Y·s, B/s: every result is unchanged.
			pa, err := sparsels.NewProblem(X, &Ys, test.inst.L, &Bs, pat)
			if err != nil {
				t.Fatal(err)
			}
			e, gr := pa.EnergyGradient(nil, g)
			if !(math.Abs(e-e0) <= 1e-12*e0) || !(math.Abs(pa.Energy(g)-e0) <= 1e-12*e0) {
				t.Errorf("%s, Y·s and B/s: E = %v, want %v", what, e, e0)
			}
			if d := relDiff(gr, gr0); !(d <= 1e-12) {
				t.Errorf("%s, Y·s and B/s: gradient differs by %g", what, d)
			}
			if d := relDiff(pa.Gradient(nil, g), gr0); !(d <= 1e-12) {
				t.Errorf("%s, Y·s and B/s: Gradient differs by %g", what, d)
			}
			if d := relDiff(pa.GaussNewtonDiag(nil, g), d0); !(d <= 1e-12) {
				t.Errorf("%s, Y·s and B/s: GaussNewtonDiag differs by %g", what, d)
			}
			// X·s, Y·s: E·s², gradient·s², JᵀJ·s², Hessian·s².
			pb, err := sparsels.NewProblem(&Xs, &Ys, test.inst.L, B, pat)
			if err != nil {
				t.Fatal(err)
			}
			e, gr = pb.EnergyGradient(nil, g)
			if !(math.Abs(e/(s*s)-e0) <= 1e-12*e0) || math.IsInf(e, 0) || e == 0 {
				t.Errorf("%s, X·s and Y·s: E = %v, want %v·s²", what, e, e0)
			}
			floats.Scale(1/(s*s), gr)
			if d := relDiff(gr, gr0); !(d <= 1e-12) {
				t.Errorf("%s, X·s and Y·s: gradient/s² differs by %g", what, d)
			}
			dd := pb.GaussNewtonDiag(nil, g)
			floats.Scale(1/(s*s), dd)
			if d := relDiff(dd, d0); !(d <= 1e-12) {
				t.Errorf("%s, X·s and Y·s: GaussNewtonDiag/s² differs by %g", what, d)
			}
			hx := make([]float64, len(g))
			pb.JacobianOperator(g).HessianMulVecTo(hx, x)
			floats.Scale(1/(s*s), hx)
			if d := relDiff(hx, hx0); !(d <= 1e-11) {
				t.Errorf("%s, X·s and Y·s: HessianMulVecTo/s² differs by %g", what, d)
			}
		}
	}
}

// TestSolveScaleInvariance solves the same problem with X and Y scaled
// by a power of two s, which changes no rounding: E scales by s² and every
// method should take the same steps. At s = 2^±350 (about 1e±105) the
// histories must agree; at s = 2^±500 (about 1e±150, E about 1e±300, where
// squares of gradient entries underflow or overflow) runs may differ but a
// convergence claim must come with the unscaled run's energy. Every run must
// keep the contract of checkSolveContract, in particular never claim
// convergence without progress: the norms of CG and the Steihaug boundary
// step must not underflow, and LBFGS's and NAdam's absolute thresholds must
// not turn a tiny or huge scale into convergence at the start. NAdam's
// iterates are compared by contract and final energy only.
func TestSolveScaleInvariance(t *testing.T) {
	type run struct {
		status sparsels.Status
		energy float64
		hist   []float64
	}
	solve := func(t *testing.T, s float64, cons bool, m sparsels.Method, l sparsels.LinearSolver) (run, bool) {
		ap := randomSmallProblem(1, 8, 4, 4, 3, 2)
		ap.X.Scale(s, ap.X)
		ap.Y.Scale(s, ap.Y)
		p := ap.problem(t, ap.pattern(t))
		set := &sparsels.Settings{Method: m, Linear: l, MaxIterations: 30}
		if m == sparsels.NAdam || m == sparsels.LBFGS || m == sparsels.QuasiNewton || m == sparsels.HybridGaussNewton {
			set.MaxIterations = 300
		}
		if cons {
			set.Constraints, _ = sparsels.RowSumConstraints(p.Pattern())
		}
		res, err := sparsels.Solve(context.Background(), p, ap.g0, set)
		if err != nil {
			t.Errorf("s = %g: %v", s, err)
			return run{}, false
		}
		checkSolveContract(t, fmt.Sprintf("s = %g", s), p, set, res)
		r := run{status: res.Status, energy: res.Energy / (s * s)}
		for _, h := range res.History {
			r.hist = append(r.hist, h.Energy/(s*s))
		}
		return r, true
	}
	for _, cons := range []bool{false, true} {
		for _, mt := range methodSolvers {
			t.Run(fmt.Sprintf("%v-%v-constrained=%v", mt.m, mt.l, cons), func(t *testing.T) {
				base, ok := solve(t, 1, cons, mt.m, mt.l)
				if !ok {
					return
				}
				for _, e := range []int{-350, 350, -500, 500} {
					// Failures in solve.go: TestSolveDenseExtremeScale.
					r, ok := solve(t, math.Ldexp(1, e), cons, mt.m, mt.l)
					if !ok {
						continue
					}
					if mt.m == sparsels.NAdam {
						// Scaled up, ε becomes negligible, as it nearly is
						// unscaled: the runs end at the same energy.
						if e > 0 && !(math.Abs(r.energy-base.energy) <= 1e-6*base.energy) {
							t.Errorf("2^%d: NAdam ends at E/s² = %g, unscaled at %g", e, r.energy, base.energy)
						}
						continue
					}
					if e == -350 || e == 350 {
						if r.status != base.status || len(r.hist) != len(base.hist) {
							t.Errorf("2^%d: %v after %d iterations, unscaled %v after %d", e, r.status, len(r.hist), base.status, len(base.hist))
						} else if d := relDiff(r.hist, base.hist); d > 1e-9 {
							t.Errorf("2^%d: history differs by %g", e, d)
						}
					} else if r.status.Converged() && r.energy > 1.01*base.energy {
						t.Errorf("2^%d: %v at E/s² = %g, unscaled %v at %g", e, r.status, r.energy, base.status, base.energy)
					}
				}
			})
		}
	}
}
