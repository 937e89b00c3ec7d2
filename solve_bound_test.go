package sparsels

import (
	"context"
	"math"
	"strings"
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

// TestBoundEqualPattern checks that constraints built on a second Pattern
// Equal to the problem's serve LowerBound and Solve with Settings.Bound as
// they serve Solve, with the same bound as constraints on the problem's own
// pattern object, and that constraints on a pattern with other contents are
// refused by both, by Solve before any iteration.
func TestBoundEqualPattern(t *testing.T) {
	p, cs, _ := readmeProblem(t)
	pat := p.Pattern()
	rows, cols := pat.Dims()
	I, J := make([]int, pat.NNZ()), make([]int, pat.NNZ())
	for k := range I {
		I[k], J[k] = pat.Subscripts(k)
	}
	twin, err := NewPattern(rows, cols, I, J)
	if err != nil {
		t.Fatal(err)
	}
	if twin == pat || !twin.Equal(pat) {
		t.Fatal("the twin pattern must be a distinct, Equal object")
	}
	cs2, err := RowSumConstraints(twin)
	if err != nil {
		t.Fatal(err)
	}
	want, err := LowerBound(context.Background(), p, cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	bd, err := LowerBound(context.Background(), p, cs2, nil)
	if err != nil {
		t.Fatalf("LowerBound with constraints on an Equal pattern: %v", err)
	}
	if bd.Kind != want.Kind || math.Abs(bd.Value-want.Value) > 1e-12*want.Value {
		t.Errorf("LowerBound on the twin: %v %g, on the pattern itself: %v %g", bd.Kind, bd.Value, want.Kind, want.Value)
	}
	g0 := make([]float64, pat.NNZ())
	for k := range g0 {
		g0[k] = 0.5
	}
	res, err := Solve(context.Background(), p, g0, &Settings{Constraints: cs2, Bound: true, MaxIterations: 5})
	if err != nil {
		t.Fatalf("Solve with Bound and constraints on an Equal pattern: %v", err)
	}
	if res.Bound == nil || math.Abs(res.Bound.Value-want.Value) > 1e-12*want.Value {
		t.Errorf("Solve's bound %+v, want %g", res.Bound, want.Value)
	}

	// A pattern with one entry fewer.
	other, err := NewPattern(rows, cols, I[:len(I)-1], J[:len(J)-1])
	if err != nil {
		t.Fatal(err)
	}
	csOther, err := RowSumConstraints(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LowerBound(context.Background(), p, csOther, nil); err == nil || !strings.Contains(err.Error(), "another pattern") {
		t.Errorf("LowerBound with constraints on another pattern: %v", err)
	}
	calls := 0
	res, err = Solve(context.Background(), p, g0, &Settings{Constraints: csOther, Bound: true,
		Callback: func(IterationRecord) error { calls++; return nil }})
	if err == nil || !strings.Contains(err.Error(), "another pattern") || res != nil || calls != 0 {
		t.Errorf("Solve with constraints on another pattern: result %v, error %v, %d iterations", res, err, calls)
	}
}
