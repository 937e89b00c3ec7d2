package coarsen

import (
	"context"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// TestSmoothAgainstDense compares Smooth with the dense formula: each step
// G ← G − (2/3) D⁻¹ L G, entries outside the pattern dropped and rows scaled
// to sum 1, from G0 = Kᵀ on a jittered grid (whose cotangent Laplacian has
// some positive off-diagonal entries).
func TestSmoothAgainstDense(t *testing.T) {
	L, mass := gridOperators(t, 11, 5)
	n := len(mass)
	const m = 9
	cl, err := Cluster(context.Background(), L, mass, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows, cols := Pattern(L, cl)
	pat, err := sparsels.NewPattern(n, m, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	g0 := make([]float64, len(rows))
	in := make(map[[2]int]int, len(rows))
	for q := range rows {
		in[[2]int{rows[q], cols[q]}] = q
		if cols[q] == cl.Assign[rows[q]] {
			g0[q] = 1
		}
	}
	Ld := toDense(L)
	for _, steps := range []int{0, 1, 2, 5} {
		got := Smooth(nil, L, pat, g0, steps)
		G := mat.NewDense(n, m, nil)
		for q := range rows {
			G.Set(rows[q], cols[q], g0[q])
		}
		for range steps {
			var LG mat.Dense
			LG.Mul(Ld, G)
			next := mat.NewDense(n, m, nil)
			for i := range n {
				var sum float64
				for c := range m {
					if _, ok := in[[2]int{i, c}]; ok {
						v := G.At(i, c) - 2.0/3*LG.At(i, c)/Ld.At(i, i)
						next.Set(i, c, v)
						sum += v
					}
				}
				for c := range m {
					next.Set(i, c, next.At(i, c)/sum)
				}
			}
			G = next
		}
		for q := range rows {
			if want := G.At(rows[q], cols[q]); math.Abs(got[q]-want) > 1e-13 {
				t.Fatalf("%d steps: G(%d,%d) = %v, dense %v", steps, rows[q], cols[q], got[q], want)
			}
		}
		for i, s := range rowSums(n, rows, got) {
			if math.Abs(s-1) > 1e-13 {
				t.Errorf("%d steps: row %d sums to %v", steps, i, s)
			}
		}
	}

	// In place, as Spectral calls it.
	want := Smooth(nil, L, pat, g0, 3)
	g := append([]float64(nil), g0...)
	if got := Smooth(g, L, pat, g, 3); &got[0] != &g[0] || !slices.Equal(got, want) {
		t.Errorf("Smooth in place differs from Smooth into a new slice")
	}

	// The values follow the pattern's order of subscripts, whatever it is:
	// reversed subscripts give the reversed values.
	rr, rc := slices.Clone(rows), slices.Clone(cols)
	slices.Reverse(rr)
	slices.Reverse(rc)
	rpat, err := sparsels.NewPattern(n, m, rr, rc)
	if err != nil {
		t.Fatal(err)
	}
	rg := slices.Clone(g0)
	slices.Reverse(rg)
	got := Smooth(nil, L, rpat, rg, 3)
	slices.Reverse(got)
	if !slices.Equal(got, want) {
		t.Errorf("Smooth on reversed subscripts differs from Smooth on sorted ones")
	}
}

func rowSums(n int, rows []int, g []float64) []float64 {
	s := make([]float64, n)
	for q, i := range rows {
		s[i] += g[q]
	}
	return s
}

// TestDefaultSmoothing pins ⌊√(n/m)/2⌋ steps, none below 9 vertices a
// cluster.
func TestDefaultSmoothing(t *testing.T) {
	for _, tc := range []struct{ n, m, want int }{
		{2642, 1321, 0}, {2642, 793, 0}, {2930, 500, 0}, {100, 24, 0}, {899, 100, 0}, {900, 100, 1},
		{6172, 500, 1}, {10044, 500, 2},
		{99856, 998, 5}, {1000000, 10000, 5}, {100, 0, 0},
	} {
		if got := DefaultSmoothing(tc.n, tc.m); got != tc.want {
			t.Errorf("DefaultSmoothing(%d, %d) = %d, want %d", tc.n, tc.m, got, tc.want)
		}
	}
}
