package sparsels_test

import (
	"context"
	"testing"

	"github.com/sparsels/sparsels"
)

// TestAdvNAdamTinyStart is the regression test for NAdam's moments
// overflowing after a start near 0: with the unit of the moments fixed
// from the start's gradient, about 1e-160 here, once the first steps
// brought the gradient to order 1, g² in that unit overflowed, every
// later step was 0 and NAdam reported FunctionConvergence far from a
// stationary point (from 1e-300 it did not move at all). From starts 1e-4,
// 1e-160 and 1e-300 times g0 (the same direction) it must now reach the
// same energy to 1% in 3000 iterations (the paths differ, and none has
// converged yet), and not claim convergence.
func TestAdvNAdamTinyStart(t *testing.T) {
	ap := advRandom(4, 12, 4, 4, 3, 2)
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
