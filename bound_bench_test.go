package sparsels_test

import (
	"context"
	"testing"

	"github.com/sparsels/sparsels"

	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/internal/testprob"
	"github.com/sparsels/sparsels/mesh"
)

// spotProblem sets up the published coarsening problem of examples/coarsen
// on testdata/spot.obj with m coarse vertices and k eigenvectors.
func spotProblem(tb testing.TB, m, k int) (*sparsels.Problem, *sparsels.Constraints, []float64) {
	tb.Helper()
	msh, err := mesh.ReadFile(context.Background(), "testdata/spot.obj")
	if err != nil {
		tb.Fatal(err)
	}
	if err := msh.Normalize(); err != nil {
		tb.Fatal(err)
	}
	L := msh.Cotangent()
	mass := msh.Mass(mesh.Voronoi)
	_, U, err := eigs.Smallest(context.Background(), L, mass, k, &eigs.Settings{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	cl, err := coarsen.Cluster(context.Background(), L, mass, m, 1)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := coarsen.Setup(L, mass, U, cl)
	if err != nil {
		tb.Fatal(err)
	}
	pat, err := sparsels.NewPattern(len(mass), m, data.Rows, data.Cols)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := sparsels.NewProblem(data.X, data.Y, L, data.B, pat)
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		tb.Fatal(err)
	}
	return p, cs, data.G0
}

// BenchmarkLowerBound measures the plain bound on Spot (m = 500, k = 100,
// the published problem) and on a grid coarsening problem of the bunny's
// size (n = 6172, m = 500, c = 100, rows summing to 1, zero residual), and
// reports the bound, its error estimate and the CGLS iterations.
func BenchmarkLowerBound(b *testing.B) {
	for _, bc := range []struct {
		name  string
		setup func(testing.TB) (*sparsels.Problem, *sparsels.Constraints)
	}{
		{"Spot", func(tb testing.TB) (*sparsels.Problem, *sparsels.Constraints) {
			p, cs, _ := spotProblem(tb, 500, 100)
			return p, cs
		}},
		{"Coarsening6172", func(tb testing.TB) (*sparsels.Problem, *sparsels.Constraints) {
			inst := testprob.Coarsening(6172, 500, 100, false, 1)
			pat, err := sparsels.NewPattern(6172, 500, inst.I, inst.J)
			if err != nil {
				tb.Fatal(err)
			}
			p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
			if err != nil {
				tb.Fatal(err)
			}
			cs, err := sparsels.RowSumConstraints(pat)
			if err != nil {
				tb.Fatal(err)
			}
			return p, cs
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, cs := bc.setup(b)
			var bd *sparsels.Bound
			for b.Loop() {
				var err error
				bd, err = sparsels.LowerBound(context.Background(), p, cs, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(bd.Value, "bound")
			b.ReportMetric(bd.ErrorEstimate, "estimate")
			b.ReportMetric(float64(bd.Iterations), "iterations")
			b.ReportMetric(float64(bd.Unknowns), "unknowns")
		})
	}
}
