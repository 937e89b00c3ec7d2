package sparsels

import (
	"context"
	"math"
	"testing"
)

// TestSolveBound checks Settings.Bound: Result.Bound is the certified
// lower bound, the gap is nonnegative, and on the README's problem with rows
// summing to 1 the report names it; without the setting no bound is
// computed.
func TestSolveBound(t *testing.T) {
	p, cs, _ := readmeProblem(t)
	g0 := make([]float64, p.Pattern().NNZ())
	for k := range g0 {
		g0[k] = 0.5
	}
	res, err := Solve(context.Background(), p, g0, &Settings{Constraints: cs, Bound: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bound == nil {
		t.Fatal("no bound with Settings.Bound")
	}
	gap, rel := res.Gap()
	if !(gap >= 0) || !(rel >= 0 && rel <= 1) {
		t.Errorf("gap %g (%g relative): E %g, bound %g", gap, rel, res.Energy, res.Bound.Value)
	}
	if want := res.Bound.Value; math.Abs(res.Energy-gap-want) > 1e-12*res.Energy {
		t.Errorf("E − gap = %g, bound %g", res.Energy-gap, want)
	}
	if res.Times.Bound <= 0 {
		t.Errorf("bound time %v", res.Times.Bound)
	}
	t.Logf("%v", res)
	plain, err := Solve(context.Background(), p, g0, &Settings{Constraints: cs})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Bound != nil {
		t.Error("bound computed without Settings.Bound")
	}
	if g, r := plain.Gap(); !math.IsNaN(g) || !math.IsNaN(r) {
		t.Errorf("Gap without a bound: %g, %g", g, r)
	}
}
