package sparsels

import (
	"context"
	"testing"
	"time"

	"github.com/sparsels/sparsels/internal/testprob"
)

// TestLinearAutoChoice checks LinearAuto's choice on problems where
// matrix-free CG is much faster than the dense path (Newton at nnz 500, LM
// at nnz 2000, a random graph problem at nnz 1195), and on small problems
// where dense is right.
func TestLinearAutoChoice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inst   *testprob.Instance
		n, m   int
		method Method
		want   LinearSolver
	}{
		{"newton nnz≈500", testprob.Coarsening(72, 12, 8, false, 1), 72, 12, NewtonTrustRegion, LinearCG},
		{"lm nnz≈2000", testprob.Coarsening(286, 40, 16, false, 2), 286, 40, LevenbergMarquardt, LinearCG},
		{"random graph nnz≈1200", testprob.Random(testprob.Spec{N: 300, M: 40, R: 40, C: 8, NNZPerRow: 4, LKind: testprob.CSR, YKind: testprob.Diag, BKind: testprob.Dense, Symmetric: true, Seed: 3}), 300, 40, NewtonTrustRegion, LinearCG},
		{"newton nnz 30", testprob.Coarsening(10, 3, 3, false, 4), 10, 3, NewtonTrustRegion, LinearDense},
		{"lm nnz 30", testprob.Coarsening(10, 3, 3, false, 4), 10, 3, LevenbergMarquardt, LinearDense},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pat, err := NewPattern(tc.n, tc.m, tc.inst.I, tc.inst.J)
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewProblem(tc.inst.X, tc.inst.Y, tc.inst.L, tc.inst.B, pat)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Solve(context.Background(), p, tc.inst.G, &Settings{Method: tc.method, MaxIterations: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Linear != tc.want {
				t.Errorf("nnz %d: LinearAuto chose %v, want %v", pat.NNZ(), res.Linear, tc.want)
			}
		})
	}
}

// TestDenseTimeLimit checks that the dense path does not start a
// factorization predicted to outlast the time limit: Newton with
// LinearDense at nnz ≈ 2000, whose eigendecomposition takes seconds,
// returns well within twice a 0.3 s limit.
func TestDenseTimeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("dense matrices of 2000² entries")
	}
	inst := testprob.Coarsening(286, 40, 8, false, 5)
	pat, err := NewPattern(286, 40, inst.I, inst.J)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	limit := 300 * time.Millisecond
	t0 := time.Now()
	res, err := Solve(context.Background(), p, inst.G, &Settings{Method: NewtonTrustRegion, Linear: LinearDense, TimeLimit: limit})
	elapsed := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != TimeLimit {
		t.Errorf("status %v, want TimeLimit: %v", res.Status, res)
	}
	if elapsed > 2*limit+200*time.Millisecond {
		t.Errorf("returned after %v for a %v limit: %v", elapsed, limit, res)
	}
}
