package sparsels_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/mesh"
)

// coarseningBench is the published spectral-coarsening problem on a wavy,
// jittered triangulated grid of nx×ny vertices: n ≈ 6000, m = 500, k = 100,
// about 7 nonzeros per row of G, rows of G summing to 1.
type coarseningBench struct {
	p  *sparsels.Problem
	cs *sparsels.Constraints
	g0 []float64
}

var (
	benchOnce sync.Once
	benchProb *coarseningBench
	benchErr  error
)

func coarseningProblem(b *testing.B) *coarseningBench {
	benchOnce.Do(func() {
		msh := mesh.WavyGrid(78, 79, 1)
		if benchErr = msh.Normalize(); benchErr != nil {
			return
		}
		L := msh.Cotangent()
		mass := msh.Mass(mesh.Voronoi)
		_, U, err := eigs.Smallest(context.Background(), L, mass, 100, nil)
		if err != nil {
			benchErr = err
			return
		}
		cl, err := coarsen.Cluster(context.Background(), L, mass, 500, 1)
		if err != nil {
			benchErr = err
			return
		}
		d, err := coarsen.Setup(L, mass, U, cl)
		if err != nil {
			benchErr = err
			return
		}
		pat, err := sparsels.NewPattern(len(msh.V), 500, d.Rows, d.Cols)
		if err != nil {
			benchErr = err
			return
		}
		p, err := sparsels.NewProblem(d.X, d.Y, L, d.B, pat)
		if err != nil {
			benchErr = err
			return
		}
		cs, err := sparsels.RowSumConstraints(pat)
		if err != nil {
			benchErr = err
			return
		}
		benchProb = &coarseningBench{p: p, cs: cs, g0: d.G0}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchProb
}

// timeTo returns the elapsed time at which the history first reached the
// energy target, or −1.
func timeTo(h []sparsels.IterationRecord, target float64) time.Duration {
	for _, r := range h {
		if r.Energy <= target {
			return r.Elapsed
		}
	}
	return -1
}

// BenchmarkSolveCoarsening runs NAdam exactly as published (β1 = β2 = 0.9,
// lr 0.02, row projection, learning-rate halving on stalls, 5000
// iterations), then sparsels' LM and Newton and gonum's LBFGS on the same
// problem in the same run, and reports for each method the speed-up in
// reaching NAdam's best energy and its final energy relative to NAdam's best:
//
//	go test -run '^$' -bench SolveCoarsening -benchtime 1x -timeout 30m .
func BenchmarkSolveCoarsening(b *testing.B) {
	cb := coarseningProblem(b)
	for i := 0; i < b.N; i++ {
		nadam, err := sparsels.Solve(context.Background(), cb.p, cb.g0, &sparsels.Settings{
			Method: sparsels.NAdam, Constraints: cb.cs, MaxIterations: 5000, FunctionTol: -1,
		})
		if err != nil {
			b.Fatal(err)
		}
		best := nadam.Energy
		tNAdam := timeTo(nadam.History, best)
		b.ReportMetric(best/nadam.InitialEnergy, "nadam_E/E0")
		b.ReportMetric(tNAdam.Seconds(), "nadam_s")
		for _, m := range []sparsels.Method{sparsels.LevenbergMarquardt, sparsels.NewtonTrustRegion, sparsels.LBFGS} {
			res, err := sparsels.Solve(context.Background(), cb.p, cb.g0, &sparsels.Settings{
				Method: m, Constraints: cb.cs, MaxIterations: 5000, FunctionTol: 1e-7, TimeLimit: tNAdam,
			})
			if err != nil {
				b.Fatal(err)
			}
			name := m.String()
			if t := timeTo(res.History, best); t > 0 {
				b.ReportMetric(tNAdam.Seconds()/t.Seconds(), name+"_speedup")
			} else {
				b.ReportMetric(0, name+"_speedup")
			}
			b.ReportMetric(res.Energy/best, name+"_E/nadamE")
		}
	}
}
