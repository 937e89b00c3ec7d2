package sparsels_test

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/sparsels/sparsels"
)

// The tests of invalid, degenerate, non-finite and extreme input check
// contracts rather than single numbers: an entry point must not panic,
// must refuse bad data with an error that carries the package prefix and
// names the culprit, and must never report a wrong answer as success.
// checkSolveContract states what every Solve result keeps.

// errContains fails unless err is an error whose message contains every
// part, which is how a culprit is named.
func errContains(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one naming %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not contain %q", what, err, p)
		}
	}
	if !strings.HasPrefix(err.Error(), "sparsels: ") {
		t.Errorf("%s: error %q lacks the package prefix", what, err)
	}
}

// noPanic runs f and fails the test if it panics.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic %v", what, r)
		}
	}()
	f()
}

// bytesAllocated returns the bytes allocated while running f.
func bytesAllocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// methodSolvers lists every method with the linear solvers it distinguishes.
var methodSolvers = []struct {
	m sparsels.Method
	l sparsels.LinearSolver
}{
	{sparsels.LevenbergMarquardt, sparsels.LinearDense},
	{sparsels.LevenbergMarquardt, sparsels.LinearCG},
	{sparsels.GaussNewtonLineSearch, sparsels.LinearDense},
	{sparsels.GaussNewtonLineSearch, sparsels.LinearCG},
	{sparsels.NewtonTrustRegion, sparsels.LinearDense},
	{sparsels.NewtonTrustRegion, sparsels.LinearCG},
	{sparsels.QuasiNewton, sparsels.LinearAuto},
	{sparsels.HybridGaussNewton, sparsels.LinearAuto},
	{sparsels.NAdam, sparsels.LinearAuto},
	{sparsels.LBFGS, sparsels.LinearAuto},
}

// checkSolveContract verifies the contract of a Solve result: a non-nil result
// whose G has the pattern's length and finite values, an energy that is
// finite and equals E(G) (plus the Tikhonov term) recomputed from G, a
// history whose energies never increase and never exceed the initial
// energy, an accepted step in every record whose energy decreased,
// constraints satisfied to 1e-12 and reported truthfully, and no
// convergence claim without either a decrease of the energy or a zero
// projected gradient.
func checkSolveContract(t *testing.T, what string, p *sparsels.Problem, set *sparsels.Settings, res *sparsels.Result) {
	t.Helper()
	if res == nil {
		t.Errorf("%s: nil result", what)
		return
	}
	if len(res.G) != p.Pattern().NNZ() {
		t.Errorf("%s: len(G) = %d, want %d", what, len(res.G), p.Pattern().NNZ())
		return
	}
	for k, v := range res.G {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s: G[%d] = %v", what, k, v)
			return
		}
	}
	if math.IsNaN(res.Energy) || math.IsInf(res.Energy, 0) || math.IsNaN(res.InitialEnergy) {
		t.Errorf("%s: energy %v (initial %v) reported with status %v", what, res.Energy, res.InitialEnergy, res.Status)
		return
	}
	e := p.Energy(res.G)
	if set != nil && set.Lambda > 0 {
		for k, v := range res.G {
			d := v
			if set.Ref != nil {
				d -= set.Ref[k]
			}
			e += set.Lambda * d * d
		}
	}
	if math.Abs(e-res.Energy) > 1e-10*math.Max(e, math.Abs(res.Energy)) {
		t.Errorf("%s: Result.Energy %.17g but E(Result.G) = %.17g", what, res.Energy, e)
	}
	if res.Energy > res.InitialEnergy {
		t.Errorf("%s: final energy %g above the initial %g", what, res.Energy, res.InitialEnergy)
	}
	prev := res.InitialEnergy
	for _, h := range res.History {
		if h.Energy > prev {
			t.Errorf("%s: iteration %d: energy rose from %.17g to %.17g", what, h.Iteration, prev, h.Energy)
		}
		if h.Energy < prev && !h.Accepted {
			t.Errorf("%s: iteration %d: energy changed on a rejected step", what, h.Iteration)
		}
		if math.IsNaN(h.Energy) || math.IsNaN(h.GradientNorm) {
			t.Errorf("%s: iteration %d: NaN in the history %+v", what, h.Iteration, h)
		}
		prev = h.Energy
	}
	if len(res.History) > 0 && res.History[len(res.History)-1].Energy != res.Energy {
		t.Errorf("%s: last history energy %g, result %g", what, res.History[len(res.History)-1].Energy, res.Energy)
	}
	if set != nil && set.Constraints != nil {
		v := set.Constraints.Violation(res.G)
		if !(v <= 1e-12) {
			t.Errorf("%s: constraint violation %g", what, v)
		}
		if res.Violation != v {
			t.Errorf("%s: reported violation %g, actual %g", what, res.Violation, v)
		}
	}
	// A start that is already a minimum to rounding (E below 1e-20 of
	// E(0) = ‖X‖²) may converge without a decrease; any other start may not.
	x2 := p.Energy(make([]float64, len(res.G)))
	if res.Status.Converged() && !(res.Energy < res.InitialEnergy) && res.GradientNorm != 0 && res.InitialEnergy > 1e-20*x2 {
		t.Errorf("%s: status %v (%s) without any decrease of E = %g and with gradient %g",
			what, res.Status, res.Reason, res.Energy, res.GradientNorm)
	}
}
