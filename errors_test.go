package sparsels

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestSolveErrorKinds checks that every invalid argument of Solve is
// refused with an error of its kind (errors.Is) that names the culprit,
// and with no result.
func TestSolveErrorKinds(t *testing.T) {
	sp := newSolveProblem(31, 10, 4, 4, 3, 2, false, true)
	nnz := sp.p.Pattern().NNZ()
	g0 := sp.gStar
	nan := func(x []float64, k int) []float64 {
		y := append([]float64(nil), x...)
		y[k] = math.NaN()
		return y
	}
	// Constraints built for a pattern of the same size but other entries.
	I, J := make([]int, 10), make([]int, 10)
	for a := range I {
		I[a], J[a] = a, (a+1)%4
	}
	other, err := NewPattern(10, 4, I, J)
	if err != nil {
		t.Fatal(err)
	}
	csOther, err := RowSumConstraints(other)
	if err != nil {
		t.Fatal(err)
	}
	csOwn, err := RowSumConstraints(sp.p.Pattern())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		p       *Problem
		g0      []float64
		set     *Settings
		kind    error
		culprit string
	}{
		{"nil problem", nil, g0, nil, ErrInput, "nil problem"},
		{"short g0", sp.p, g0[1:], nil, ErrShape, "g0 has length"},
		{"NaN in g0", sp.p, nan(g0, 2), nil, ErrInput, "g0[2]"},
		{"short Ref", sp.p, g0, &Settings{Lambda: 1, Ref: make([]float64, nnz-1)}, ErrShape, "Ref has length"},
		{"NaN in Ref", sp.p, g0, &Settings{Lambda: 1, Ref: nan(g0, 4)}, ErrInput, "Ref[4]"},
		{"negative Lambda", sp.p, g0, &Settings{Lambda: -1}, ErrSettings, "Lambda"},
		{"constraints of another pattern", sp.p, g0, &Settings{Constraints: csOther}, ErrShape, "another pattern"},
		{"unknown method", sp.p, g0, &Settings{Method: 99}, ErrSettings, "unknown method"},
		{"unknown linear solver", sp.p, g0, &Settings{Linear: 99}, ErrSettings, "Settings.Linear"},
		{"unknown preconditioner", sp.p, g0, &Settings{CG: CGSettings{Preconditioner: 99}}, ErrSettings, "Settings.CG.Preconditioner"},
		{"NaN tolerance", sp.p, g0, &Settings{FunctionTol: math.NaN()}, ErrSettings, "Settings.FunctionTol"},
		{"negative time limit", sp.p, g0, &Settings{TimeLimit: -time.Second}, ErrSettings, "Settings.TimeLimit"},
		{"Beta1 of 1", sp.p, g0, &Settings{Method: NAdam, NAdam: NAdamSettings{Beta1: 1}}, ErrSettings, "Settings.NAdam.Beta1"},
		{"Forcing of 1", sp.p, g0, &Settings{CG: CGSettings{Forcing: 1}}, ErrSettings, "Settings.CG.Forcing"},
		// HybridGaussNewton is matrix-free: an explicit LinearDense is
		// refused, also from a stationary start (checked before the start is).
		{"hgn with LinearDense", sp.p, g0, &Settings{Method: HybridGaussNewton, Linear: LinearDense}, ErrSettings, "Settings.Linear = LinearDense"},
		{"hgn with LinearDense, constrained, stationary start", sp.p, make([]float64, nnz),
			&Settings{Method: HybridGaussNewton, Linear: LinearDense, Constraints: csOwn}, ErrSettings, "Settings.Linear = LinearDense"},
		{"over MemoryLimit", sp.p, g0, &Settings{MemoryLimit: 1}, ErrMemoryLimit, "MemoryLimit"},
	} {
		res, err := Solve(context.Background(), tc.p, tc.g0, tc.set)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.culprit) || !strings.HasPrefix(err.Error(), "sparsels: ") {
			t.Errorf("%s: error %v, want one wrapping %v naming %q", tc.name, err, tc.kind, tc.culprit)
		}
		if res != nil {
			t.Errorf("%s: a result with the error", tc.name)
		}
		for _, k := range []error{ErrInput, ErrShape, ErrSettings, ErrMemoryLimit} {
			if k != tc.kind && errors.Is(err, k) {
				t.Errorf("%s: error %v also matches %v", tc.name, err, k)
			}
		}
	}
}

// TestParseErrorKinds checks that unknown method and linear-solver names
// are refused with errors wrapping ErrSettings that list the known names.
func TestParseErrorKinds(t *testing.T) {
	if _, err := ParseMethod("bfgs"); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), `"bfgs" (want auto, lm, gn, newton, nadam, lbfgs, qn or hgn)`) {
		t.Errorf("ParseMethod: %v", err)
	}
	if _, err := ParseLinearSolver("lu"); !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), `"lu" (want auto, dense or cg)`) {
		t.Errorf("ParseLinearSolver: %v", err)
	}
	for m := Auto; m.valid(); m++ {
		if got, err := ParseMethod(m.String()); err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	// The names are part of the API (the command line and the README use
	// them): HybridGaussNewton is hgn.
	if m, err := ParseMethod("hgn"); err != nil || m != HybridGaussNewton || m.String() != "hgn" {
		t.Errorf(`ParseMethod("hgn") = %v, %v; want HybridGaussNewton, named hgn`, m, err)
	}
}
