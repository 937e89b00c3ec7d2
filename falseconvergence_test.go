package sparsels

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// readmeProblem is the README's command-line problem: L the 12×12 path
// Laplacian, two entries per row of G, Y = I (4×4), B 4×3 random and X the
// model at a random G with rows summing to 1 plus noise 1e-3. Its minimum
// with rows summing to 1 is about 2.1e-6.
func readmeProblem(t *testing.T) (*Problem, *Constraints, []float64) {
	const n, m, c = 12, 4, 3
	rng := rand.New(rand.NewPCG(12, 4))
	L := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		L.Set(i, i, 2)
		if i > 0 {
			L.Set(i, i-1, -1)
			L.Set(i-1, i, -1)
		}
	}
	var I, J []int
	for a := 0; a < n; a++ {
		for d := 0; d < 2; d++ {
			I = append(I, a)
			J = append(J, (a*m/n+d)%m)
		}
	}
	pat, err := NewPattern(n, m, I, J)
	if err != nil {
		t.Fatal(err)
	}
	gs := make([]float64, len(I))
	for k := range gs {
		gs[k] = 0.2 + 0.8*rng.Float64()
	}
	cs, err := RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	for a := 0; a < n; a++ {
		s := gs[2*a] + gs[2*a+1]
		gs[2*a] /= s
		gs[2*a+1] /= s
	}
	B := mat.NewDense(m, c, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < c; j++ {
			B.Set(i, j, rng.NormFloat64())
		}
	}
	Y := mat.NewDiagDense(m, []float64{1, 1, 1, 1})
	zero := mat.NewDense(m, c, nil)
	p0, err := NewProblem(zero, Y, L, B, pat)
	if err != nil {
		t.Fatal(err)
	}
	X := mat.NewDense(m, c, nil)
	p0.Model(X, gs)
	for i := 0; i < m; i++ {
		for j := 0; j < c; j++ {
			X.Set(i, j, X.At(i, j)+1e-3*rng.NormFloat64())
		}
	}
	p, err := NewProblem(X, Y, L, B, pat)
	if err != nil {
		t.Fatal(err)
	}
	return p, cs, gs
}

// quickstartProblem is the problem of examples/quickstart with L and X
// scaled by s: L the 6×6 path Laplacian, two entries per row of G, Y = B =
// I (3×3) and X = GᵀLG for a G with rows summing to 1, so that the minimum
// is 0 with and without the constraints; g0 = 0.5. Scaling L and X by s
// scales E by s² and leaves its minimizers unchanged.
func quickstartProblem(t testing.TB, s float64) (*Problem, *Constraints, []float64) {
	n, m := 6, 3
	L := mat.NewDense(n, n, nil)
	for a := 0; a+1 < n; a++ {
		L.Set(a, a, L.At(a, a)+1)
		L.Set(a+1, a+1, L.At(a+1, a+1)+1)
		L.Set(a, a+1, -1)
		L.Set(a+1, a, -1)
	}
	rows := []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}
	cols := []int{0, 1, 0, 1, 0, 1, 1, 2, 1, 2, 1, 2}
	pat, err := NewPattern(n, m, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	gKnown := []float64{1, 0, 0.8, 0.2, 0.3, 0.7, 0.7, 0.3, 0.2, 0.8, 0, 1}
	X := CoarseOperator(L, pat, gKnown)
	var Xd mat.Dense
	Xd.Scale(s, X)
	L.Scale(s, L)
	I := mat.NewDiagDense(m, []float64{1, 1, 1})
	p, err := NewProblem(&Xd, I, L, I, pat)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	g0 := []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}
	return p, cons, g0
}

// TestFlatStartNoFalseConvergence checks that no method reports
// convergence from a start near G = 0, where the energy is flat (J(0) = 0)
// and every progress test is at rounding level, unless it has left the
// flat region and earned it: not the function test with E unchanged (from
// 1e-8), the step test (from 1e-20, or after one iteration with an initial
// radius of 1e-300), nor the gradient test far from a minimum (from 1e70).
func TestFlatStartNoFalseConvergence(t *testing.T) {
	p, _, gs := readmeProblem(t)
	eStart := func(v float64) []float64 {
		g := make([]float64, len(gs))
		for k := range g {
			g[k] = v
		}
		return g
	}
	best := math.Inf(1)
	if r, err := Solve(context.Background(), p, eStart(0.5), &Settings{Method: NewtonTrustRegion}); err == nil {
		best = r.Energy
	}
	for _, tc := range []struct {
		name string
		g0   float64
		set  Settings
	}{
		{"default from 1e-8", 1e-8, Settings{}},
		{"newton from 1e-8", 1e-8, Settings{Method: NewtonTrustRegion}},
		{"newton from 1e-20", 1e-20, Settings{Method: NewtonTrustRegion}},
		{"lm from 1e-8", 1e-8, Settings{Method: LevenbergMarquardt}},
		{"lm radius 1e-300", 0.5, Settings{Method: LevenbergMarquardt, InitialRadius: 1e-300}},
		{"gn from 1e-8", 1e-8, Settings{Method: GaussNewtonLineSearch}},
		{"qn from 1e-20", 1e-20, Settings{Method: QuasiNewton}},
		{"newton from 1e70", 1e70, Settings{Method: NewtonTrustRegion, MaxIterations: 300}},
		{"qn from 1e70", 1e70, Settings{Method: QuasiNewton, MaxIterations: 300}},
		{"hgn from 1e-8", 1e-8, Settings{Method: HybridGaussNewton}},
		{"hgn from 1e-20", 1e-20, Settings{Method: HybridGaussNewton}},
		{"hgn from 1e70", 1e70, Settings{Method: HybridGaussNewton, MaxIterations: 300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Solve(context.Background(), p, eStart(tc.g0), &tc.set)
			if err != nil {
				t.Fatal(err)
			}
			// A convergence status must come with an energy near the best
			// one (the runs that escape the flat start find it).
			if res.Status.Converged() && !(res.Energy <= 1.01*best) {
				t.Errorf("%v with E = %g (best %g): %v", res.Status, res.Energy, best, res)
			}
			t.Logf("%v: E %.4g (best %.4g) after %d iterations", res.Status, res.Energy, best, res.Iterations)
		})
	}
}

// TestNoFalseConvergence checks that a run that never moved does not claim
// convergence in corners where a step, a tolerance or a model fails
// numerically: every run must either reach E ≤ maxRatio·E(g0) (when
// maxRatio is set) or end with a status that is not a convergence and says
// why, and a convergence status must come within 1e-12·E(g0) of the minimum
// 0. Before the fixes: LevenbergMarquardt with LinearDense and
// InitialRadius 1e16 or more reported "relative step 0" after one rejected
// step, the factorization of the undamped, singular JᵀJ having failed; with
// L and X at 1e-150 (E about 1e-300) GaussNewtonLineSearch with LinearCG,
// and at 1e-155 LevenbergMarquardt with LinearCG and QuasiNewton, reported
// convergence at E(g0) after 0 CG iterations: the inverses of the
// preconditioner's blocks, about 1e-310, overflowed, and the NaN direction
// gave a zero step; NAdam with L and X at 1e-10 reported "relative
// decrease over 100 iterations ≤ 1e-10" at E(g0): its absolute Epsilon
// (1e-8) dwarfed the gradient, every step was lr·∇E/ε, and a decrease of a
// few ulps passed the test, which now requires a decrease above E's
// rounding error.
func TestNoFalseConvergence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scale    float64
		cons     bool
		set      Settings
		maxRatio float64
	}{
		{"lm dense radius 1e16", 1, false, Settings{Method: LevenbergMarquardt, Linear: LinearDense, InitialRadius: 1e16}, 1e-20},
		{"lm dense radius 1e20", 1, false, Settings{Method: LevenbergMarquardt, Linear: LinearDense, InitialRadius: 1e20}, 1e-20},
		{"lm dense radius 1e300", 1, false, Settings{Method: LevenbergMarquardt, Linear: LinearDense, InitialRadius: 1e300}, 1e-20},
		{"lm dense radius 1e16 constrained", 1, true, Settings{Method: LevenbergMarquardt, Linear: LinearDense, InitialRadius: 1e16}, 1e-20},
		{"lm dense radius 1e16 at 1e-10", 1e-10, false, Settings{Method: LevenbergMarquardt, Linear: LinearDense, InitialRadius: 1e16}, 1e-20},
		// At 1e-150 GN with CG must do what it does unscaled (E/E(g0)
		// 0.0066 after 1000 iterations); the others reach the minimum.
		{"gn cg at 1e-150", 1e-150, true, Settings{Method: GaussNewtonLineSearch, Linear: LinearCG}, 0.01},
		{"lm cg at 1e-150", 1e-150, true, Settings{Method: LevenbergMarquardt, Linear: LinearCG}, 1e-12},
		{"newton cg at 1e-150", 1e-150, true, Settings{Method: NewtonTrustRegion, Linear: LinearCG}, 1e-12},
		{"qn at 1e-150", 1e-150, true, Settings{Method: QuasiNewton}, 1e-12},
		{"gn cg at 1e-155", 1e-155, true, Settings{Method: GaussNewtonLineSearch, Linear: LinearCG}, 0.01},
		{"lm cg at 1e-155", 1e-155, true, Settings{Method: LevenbergMarquardt, Linear: LinearCG}, 1e-12},
		{"qn at 1e-155", 1e-155, true, Settings{Method: QuasiNewton}, 1e-12},
		{"hgn at 1e-150", 1e-150, true, Settings{Method: HybridGaussNewton}, 1e-12},
		{"hgn at 1e-155", 1e-155, true, Settings{Method: HybridGaussNewton}, 1e-12},
		// NAdam's absolute Epsilon stalls it below gradients of about
		// 1e-8: it must not claim convergence.
		{"nadam", 1, true, Settings{Method: NAdam}, 1e-12},
		{"nadam at 1e-10", 1e-10, true, Settings{Method: NAdam}, 0},
		{"nadam at 1e-10 unconstrained", 1e-10, false, Settings{Method: NAdam}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, cs, g0 := quickstartProblem(t, tc.scale)
			set := tc.set
			if tc.cons {
				set.Constraints = cs
			}
			res, err := Solve(context.Background(), p, g0, &set)
			if err != nil {
				t.Fatal(err)
			}
			ratio := res.Energy / res.InitialEnergy
			t.Logf("%s after %d iterations, E/E(g0) = %.3g", res.Reason, res.Iterations, ratio)
			if tc.maxRatio > 0 && !(ratio <= tc.maxRatio) {
				t.Errorf("E/E(g0) = %.3g, want at most %g: %s", ratio, tc.maxRatio, res.Reason)
			}
			if res.Status.Converged() && !(ratio <= 1e-12) {
				t.Errorf("%v at E/E(g0) = %.3g: %s", res.Status, ratio, res.Reason)
			}
			if !res.Status.Converged() && !strings.Contains(res.Reason, ": ") {
				t.Errorf("%v without a reason: %q", res.Status, res.Reason)
			}
		})
	}
}

// TestStepOutcomeTests checks the shared end-of-iteration tests on the
// outcomes of a failed step, whatever method produced it: a non-finite step
// ends the run in NumericalFailure naming it, a zero step with a negligible
// (zero) predicted decrease claims nothing, and a NaN prediction is not
// negligible.
func TestStepOutcomeTests(t *testing.T) {
	p, _, g0 := quickstartProblem(t, 1)
	newSolver := func() *solver {
		set := (&Settings{Method: LevenbergMarquardt}).withDefaults()
		set.defaultIterations()
		sv := newSolver(context.Background(), p, set, unconstrained(p.pat), g0)
		sv.e = p.Energy(sv.g)
		sv.grad = p.Gradient(nil, sv.g)
		sv.setGradient()
		sv.gnorm0 = sv.gnorm
		return sv
	}
	for _, tc := range []struct {
		name     string
		stepNorm float64
		out      stepOutcome
		want     Status // NotTerminated: the run goes on
		reason   string
	}{
		{"NaN step", math.NaN(), stepOutcome{negligible: true}, NumericalFailure, "non-finite step"},
		{"infinite step", math.Inf(1), stepOutcome{}, NumericalFailure, "non-finite step"},
		{"NaN direction, exact line search", math.NaN(), stepOutcome{negligible: true, exact: true}, NumericalFailure, "non-finite step"},
		{"zero step, zero prediction", 0, stepOutcome{negligible: true}, NotTerminated, ""},
		{"tiny step, zero prediction", 1e-14, stepOutcome{negligible: true}, StepConvergence, "relative step"},
	} {
		sv := newSolver()
		rec := IterationRecord{Iteration: 1, StepNorm: tc.stepNorm}
		r, done, err := sv.endIteration(1, &rec, tc.out, sv.e)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		switch {
		case tc.want == NotTerminated && done:
			t.Errorf("%s: ended with %v (%s)", tc.name, r.Status, r.Reason)
		case tc.want != NotTerminated && (!done || r.Status != tc.want || !strings.Contains(r.Reason, tc.reason)):
			t.Errorf("%s: done %v, result %v; want %v with %q", tc.name, done, r, tc.want, tc.reason)
		}
	}
	if newSolver().negligible(math.NaN()) {
		t.Error("a NaN predicted decrease is negligible")
	}
}
