package sparsels_test

import (
	"context"
	"slices"
	"testing"

	"gonum.org/v1/gonum/optimize"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

func mustPattern(t *testing.T, rows, cols int, i, j []int) *sparsels.Pattern {
	t.Helper()
	p, err := sparsels.NewPattern(rows, cols, i, j)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPatternEqual(t *testing.T) {
	i, j := []int{0, 1, 1, 2}, []int{0, 0, 1, 1}
	base := mustPattern(t, 3, 2, i, j)
	for _, tc := range []struct {
		name string
		q    *sparsels.Pattern
		want bool
	}{
		{"same object", base, true},
		{"same subscripts, new object", mustPattern(t, 3, 2, []int{0, 1, 1, 2}, []int{0, 0, 1, 1}), true},
		{"same entries, other order", mustPattern(t, 3, 2, []int{1, 0, 1, 2}, []int{0, 0, 1, 1}), false},
		{"one entry moved", mustPattern(t, 3, 2, []int{0, 1, 1, 2}, []int{0, 0, 1, 0}), false},
		{"one entry fewer", mustPattern(t, 3, 2, []int{0, 1, 1}, []int{0, 0, 1}), false},
		{"more rows", mustPattern(t, 4, 2, i, j), false},
		{"more columns", mustPattern(t, 3, 3, i, j), false},
		{"nil", nil, false},
	} {
		if got := base.Equal(tc.q); got != tc.want {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.want)
		}
		if got := tc.q.Equal(base); got != tc.want {
			t.Errorf("%s: reversed Equal = %v, want %v", tc.name, got, tc.want)
		}
	}
	var nilPat *sparsels.Pattern
	if !nilPat.Equal(nil) {
		t.Error("nil.Equal(nil) = false, want true")
	}
	// Empty patterns of the same shape are equal.
	if !mustPattern(t, 2, 2, nil, nil).Equal(mustPattern(t, 2, 2, []int{}, []int{})) {
		t.Error("empty 2×2 patterns are not Equal")
	}
}

// TestConstraintsFromEqualPattern checks that constraints, null spaces and
// block-diagonal matrices built on one Pattern work with a problem built on
// another Pattern with the same subscripts, as they do with the same object.
func TestConstraintsFromEqualPattern(t *testing.T) {
	inst := testprob.Coarsening(40, 6, 2, false, 3)
	patP := mustPattern(t, 40, 6, inst.I, inst.J)
	patC := mustPattern(t, 40, 6, inst.I, inst.J)
	p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, patP)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sparsels.RowSumConstraints(patC)
	if err != nil {
		t.Fatal(err)
	}
	ns := sparsels.NewNullSpace(cs, inst.G)
	var prob optimize.Problem
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("NullSpace.Optimize with an equal pattern panicked: %v", r)
			}
		}()
		prob = ns.Optimize(p)
	}()
	xi := make([]float64, ns.Dim())
	if got, want := prob.Func(xi), p.Energy(ns.G(nil, xi)); got != want {
		t.Errorf("Func(0) = %v, want %v", got, want)
	}

	want := p.GaussNewtonBlocks(nil, inst.G)
	var got *sparsels.BlockDiag
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("GaussNewtonBlocks with dst on an equal pattern panicked: %v", r)
			}
		}()
		got = p.GaussNewtonBlocks(sparsels.NewBlockDiag(patC), inst.G)
	}()
	for a := 0; a < 40; a++ {
		if w, g := want.Block(a), got.Block(a); !slices.Equal(w, g) {
			t.Fatalf("row %d: block %v, want %v", a, g, w)
		}
	}

	// A pattern with other subscripts is still refused.
	other := mustPattern(t, 40, 6, inst.I[1:], inst.J[1:])
	csOther, err := sparsels.RowSumConstraints(other)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NullSpace.Optimize accepted constraints for another pattern")
			}
		}()
		sparsels.NewNullSpace(csOther, make([]float64, other.NNZ())).Optimize(p)
	}()
}

// TestSolveEqualPattern checks that constraints built on a second Pattern
// with the same subscripts serve a Problem built on the first.
func TestSolveEqualPattern(t *testing.T) {
	ap := randomSmallProblem(5, 6, 4, 3, 3, 2)
	p := ap.problem(t, ap.pattern(t))
	twin, err := sparsels.NewPattern(6, 4, ap.I, ap.J)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sparsels.RowSumConstraints(twin)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sparsels.Solve(context.Background(), p, ap.g0, &sparsels.Settings{Constraints: cs, MaxIterations: 3})
	if err != nil || res == nil || res.Iterations == 0 {
		t.Fatalf("Solve with constraints on an equal pattern: %v, %v", res, err)
	}
}
