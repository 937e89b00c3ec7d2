package sparsels_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sparsels/sparsels"
)

// TestSolveInvalidArguments checks that Solve rejects every invalid argument with an
// error that names it, before doing any work.
func TestSolveInvalidArguments(t *testing.T) {
	ap := randomSmallProblem(5, 6, 4, 3, 3, 2)
	pat := ap.pattern(t)
	p := ap.problem(t, pat)
	nnz := pat.NNZ()
	// A pattern with other contents (one entry fewer); one with the same
	// contents is accepted (TestSolveEqualPattern).
	other, _ := sparsels.NewPattern(6, 4, ap.I[:len(ap.I)-1], ap.J[:len(ap.J)-1])
	csOther, err := sparsels.RowSumConstraints(other)
	if err != nil {
		t.Fatal(err)
	}
	bad := func(k int, v float64) []float64 {
		g := append([]float64(nil), ap.g0...)
		g[k] = v
		return g
	}
	for _, test := range []struct {
		name string
		p    *sparsels.Problem
		g0   []float64
		set  *sparsels.Settings
		want []string
	}{
		{"nil problem", nil, ap.g0, nil, []string{"nil problem"}},
		{"short g0", p, ap.g0[1:], nil, []string{"g0 has length", fmt.Sprint(nnz - 1)}},
		{"nil g0", p, nil, nil, []string{"g0 has length 0"}},
		{"NaN g0", p, bad(3, math.NaN()), nil, []string{"g0[3] = NaN"}},
		{"+Inf g0", p, bad(0, math.Inf(1)), nil, []string{"g0[0] = +Inf"}},
		{"-Inf g0", p, bad(nnz-1, math.Inf(-1)), nil, []string{fmt.Sprintf("g0[%d] = -Inf", nnz-1)}},
		{"NaN Lambda", p, ap.g0, &sparsels.Settings{Lambda: math.NaN()}, []string{"Lambda = NaN"}},
		{"Inf Lambda", p, ap.g0, &sparsels.Settings{Lambda: math.Inf(1)}, []string{"Lambda = +Inf"}},
		{"negative Lambda", p, ap.g0, &sparsels.Settings{Lambda: -1}, []string{"Lambda = -1"}},
		{"short Ref", p, ap.g0, &sparsels.Settings{Lambda: 1, Ref: make([]float64, 2)}, []string{"Ref has length 2"}},
		{"NaN Ref", p, ap.g0, &sparsels.Settings{Lambda: 1, Ref: bad(2, math.NaN())}, []string{"Ref[2] = NaN"}},
		{"Inf Ref", p, ap.g0, &sparsels.Settings{Lambda: 1, Ref: bad(1, math.Inf(-1))}, []string{"Ref[1] = -Inf"}},
		{"other pattern", p, ap.g0, &sparsels.Settings{Constraints: csOther}, []string{"another pattern"}},
		{"unknown method", p, ap.g0, &sparsels.Settings{Method: 42}, []string{"unknown method"}},
		{"negative method", p, ap.g0, &sparsels.Settings{Method: -1}, []string{"unknown method"}},
	} {
		var res *sparsels.Result
		var err error
		noPanic(t, test.name, func() { res, err = sparsels.Solve(context.Background(), test.p, test.g0, test.set) })
		if res != nil {
			t.Errorf("%s: result returned with error %v", test.name, err)
		}
		errContains(t, test.name, err, test.want...)
	}
}

// TestSolveInvalidSettings checks that Solve rejects an unknown linear
// solver and non-finite settings with an error naming the field.
func TestSolveInvalidSettings(t *testing.T) {
	ap := randomSmallProblem(5, 6, 4, 3, 3, 2)
	p := ap.problem(t, ap.pattern(t))
	t.Run("unknown linear solver", func(t *testing.T) {
		noPanic(t, "Linear 99", func() {
			_, err := sparsels.Solve(context.Background(), p, ap.g0, &sparsels.Settings{Linear: 99})
			errContains(t, "Linear 99", err, "linear solver")
		})
	})
	t.Run("non-finite settings", func(t *testing.T) {
		for _, set := range []*sparsels.Settings{
			{InitialRadius: math.NaN()},
			{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{LearningRate: math.NaN()}},
			{FunctionTol: math.Inf(1)},
			{CG: sparsels.CGSettings{Forcing: math.NaN()}},
		} {
			_, err := sparsels.Solve(context.Background(), p, ap.g0, set)
			errContains(t, fmt.Sprintf("%+v", *set), err, "Settings")
		}
	})
	// Zero means the default; a negative value is an error naming the
	// field, not the default.
	t.Run("negative settings", func(t *testing.T) {
		for _, test := range []struct {
			field string
			set   sparsels.Settings
		}{
			{"MaxIterations", sparsels.Settings{MaxIterations: -1}},
			{"TimeLimit", sparsels.Settings{TimeLimit: -time.Second}},
			{"MemoryLimit", sparsels.Settings{MemoryLimit: -1}},
			{"CG.Forcing", sparsels.Settings{CG: sparsels.CGSettings{Forcing: -0.1}}},
			{"CG.MaxIterations", sparsels.Settings{CG: sparsels.CGSettings{MaxIterations: -3}}},
			{"InitialRadius", sparsels.Settings{InitialRadius: -1}},
			{"NAdam.LearningRate", sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{LearningRate: -0.02}}},
			{"NAdam.Beta1", sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{Beta1: -0.9}}},
			{"NAdam.Beta2", sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{Beta2: -0.9}}},
			{"NAdam.Epsilon", sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{Epsilon: -1e-8}}},
			{"NAdam.StallPatience", sparsels.Settings{Method: sparsels.NAdam, NAdam: sparsels.NAdamSettings{StallPatience: -20}}},
		} {
			res, err := sparsels.Solve(context.Background(), p, ap.g0, &test.set)
			if res != nil {
				t.Errorf("%s: result returned with error %v", test.field, err)
			}
			errContains(t, test.field, err, "Settings."+test.field, "negative")
		}
		// The tolerances take negative values to disable their test.
		res, err := sparsels.Solve(context.Background(), p, ap.g0, &sparsels.Settings{FunctionTol: -1, GradientTol: -1, StepTol: -1, MaxIterations: 3})
		if err != nil || res == nil {
			t.Errorf("negative tolerances: %v", err)
		}
	})
}
