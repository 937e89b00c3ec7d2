package sparsels_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sparsels/sparsels"
)

// TestNAdamTinyStart checks that NAdam's moments cannot overflow when the
// gradient grows by hundreds of orders of magnitude from a start near 0
// (the moments are kept in a unit that follows the gradient): from starts
// 1e-4, 1e-160 and 1e-300 times g0 (the same direction) it must reach the
// same energy to 1% in 3000 iterations (the paths differ, and none has
// converged yet), and not claim convergence.
func TestNAdamTinyStart(t *testing.T) {
	ap := randomSmallProblem(4, 12, 4, 4, 3, 2)
	p := ap.problem(t, ap.pattern(t))
	run := func(scale float64) *sparsels.Result {
		g0 := make([]float64, len(ap.g0))
		for k, v := range ap.g0 {
			g0[k] = scale * v
		}
		res, err := sparsels.Solve(context.Background(), p, g0, &sparsels.Settings{Method: sparsels.NAdam, MaxIterations: 3000})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	base := run(1e-4)
	for _, scale := range []float64{1e-160, 1e-300} {
		res := run(scale)
		t.Logf("start %g: %v; from 1e-4: %v", scale, res, base)
		if !(res.Energy < 0.6*res.InitialEnergy) || res.Status.Converged() {
			t.Errorf("start %g: E %g from %g: NAdam did not move (%v)", scale, res.Energy, res.InitialEnergy, res.Status)
		}
		if d := (res.Energy - base.Energy) / base.Energy; d > 1e-2 || d < -1e-2 {
			t.Errorf("start %g: E = %.10g, from 1e-4: %.10g", scale, res.Energy, base.Energy)
		}
	}
}

// TestNAdamNoProgress checks that NAdam claims no convergence when it
// never decreased the energy: a learning rate so small that no step
// changes E must end in NumericalFailure.
func TestNAdamNoProgress(t *testing.T) {
	ap := randomSmallProblem(1, 8, 4, 4, 3, 2)
	p := ap.problem(t, ap.pattern(t))
	res, err := sparsels.Solve(context.Background(), p, ap.g0, &sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{LearningRate: 1e-300}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != sparsels.NumericalFailure || res.Energy != res.InitialEnergy || !strings.Contains(res.Reason, "no decrease") {
		t.Errorf("status %v (%s), energy %g from %g; want NumericalFailure without decrease", res.Status, res.Reason, res.Energy, res.InitialEnergy)
	}
}

// TestNAdamTinyGradients checks that NAdam claims no convergence from a
// decrease at rounding level. Its Epsilon is absolute, as published: with
// X and Y around 1e-20 the gradient is far below it and every step is about
// lr·g/ε, so E changes by a few ulps, which is no decrease
// (NumericalFailure), not a function-tolerance convergence.
func TestNAdamTinyGradients(t *testing.T) {
	ap := randomSmallProblem(1, 8, 4, 4, 3, 2)
	s := 1e-20
	ap.X.Scale(s, ap.X)
	ap.Y.Scale(s, ap.Y)
	p := ap.problem(t, ap.pattern(t))
	cs, _ := sparsels.RowSumConstraints(p.Pattern())
	set := &sparsels.Settings{Method: sparsels.NAdam, Constraints: cs}
	res, err := sparsels.Solve(context.Background(), p, ap.g0, set)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Converged() && res.Energy > 0.5*res.InitialEnergy {
		t.Errorf("%v at E = %g from %g", res.Status, res.Energy, res.InitialEnergy)
	}
}
