package sparsels

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// memProblem returns a problem whose G is n×4 with 24 entries in its first
// 12 rows and whose L is a path Laplacian on those rows (tiny files, huge
// n), with c columns.
func memProblem(t testing.TB, n, c int) (*Problem, []float64) {
	t.Helper()
	var I, J []int
	for i := 0; i < 12; i++ {
		a := i * 4 / 12
		I = append(I, i, i)
		J = append(J, a, (a+1)%4)
	}
	pat, err := NewPattern(n, 4, I, J)
	if err != nil {
		t.Fatal(err)
	}
	L := sparse.NewDOK(n, n)
	for i := 0; i < 12; i++ {
		L.Set(i, i, 2)
	}
	B, X := mat.NewDense(4, c, nil), mat.NewDense(4, c, nil)
	for i := 0; i < 4; i++ {
		for j := 0; j < c; j++ {
			B.Set(i, j, float64(i+2*j+1))
			X.Set(i, j, float64(3*i-j))
		}
	}
	p, err := NewProblem(X, mat.NewDiagDense(4, []float64{1, 1, 1, 1}), L.ToCSR(), B, pat)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, 24)
	for k := range g {
		g[k] = 0.5
	}
	return p, g
}

// TestMemoryEstimate checks that EstimateMemory bounds the live heap of
// NewProblem plus Solve, sampled after a collection at every iteration, for
// every method: an estimate that missed the solver's workspaces would let a
// solve start that does not fit its budget.
func TestMemoryEstimate(t *testing.T) {
	for _, sz := range []struct{ n, c int }{{200_000, 3}, {50_000, 32}} {
		n, c := sz.n, sz.c
		if testing.Short() {
			n /= 4
		}
		for _, m := range []Method{NewtonTrustRegion, LevenbergMarquardt, GaussNewtonLineSearch, QuasiNewton, HybridGaussNewton, NAdam, LBFGS} {
			var base runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&base)
			p, g := memProblem(t, n, c)
			var peak uint64
			sample := func() {
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base.HeapAlloc {
					peak = max(peak, ms.HeapAlloc-base.HeapAlloc)
				}
			}
			set := &Settings{Method: m, MaxIterations: 3, Callback: func(IterationRecord) error { sample(); return nil }}
			if _, err := Solve(context.Background(), p, g, set); err != nil {
				t.Fatal(err)
			}
			est := p.memoryEstimate(set)
			t.Logf("n %d, c %d, %v: live heap %d bytes, estimate %.0f (%.2f×)", n, c, m, peak, est, est/float64(peak))
			if peak == 0 || float64(peak) > est {
				t.Errorf("n %d, c %d, %v: live heap %d bytes above the estimate %.0f", n, c, m, peak, est)
			}
			runtime.KeepAlive(p)
		}
	}
}

// TestMemoryErrorBytes checks the memory error: ErrMemoryLimit, with exact
// byte counts below 1 MiB (not "needs about 0 MiB … over MemoryLimit
// (0 MiB)").
func TestMemoryErrorBytes(t *testing.T) {
	p, _ := memProblem(t, 20, 1)
	err := p.memoryError(&Settings{MemoryLimit: 1}, 1)
	if !errors.Is(err, ErrMemoryLimit) || !strings.Contains(err.Error(), "over MemoryLimit (1 byte)") || !strings.Contains(err.Error(), " bytes for NewProblem") {
		t.Errorf("error %v", err)
	}
	if err := p.memoryError(nil, 1<<30); err != nil {
		t.Errorf("a tiny problem over 1 GiB: %v", err)
	}
}
