package sparsels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// perfProblem returns a problem shaped like spectral coarsening: G is n×m
// with perRow nonzeros per row near column a·m/n, L is a symmetric banded
// n×n matrix with 7 nonzeros per row, Y is an m×m diagonal, X and B are
// dense (m×c). It also returns a point g.
func perfProblem(tb testing.TB, n, m, c, perRow int, seed uint64) (*Problem, []float64) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 4))
	var I, J []int
	for a := 0; a < n; a++ {
		base := a * m / n
		seen := map[int]bool{}
		for len(seen) < min(perRow, m) {
			b := (base + rng.IntN(2*perRow) - perRow + m) % m
			if !seen[b] {
				seen[b] = true
				I = append(I, a)
				J = append(J, b)
			}
		}
	}
	pat, err := NewPattern(n, m, I, J)
	if err != nil {
		tb.Fatal(err)
	}
	var ts []sparsemat.Triplet
	for a := 0; a < n; a++ {
		for d := -3; d <= 3; d++ {
			b := a + d*7
			if b >= 0 && b < n {
				v := -1.0
				if d == 0 {
					v = 6
				}
				ts = append(ts, sparsemat.Triplet{I: a, J: b, V: v})
			}
		}
	}
	L := &perfCSRMatrix{sparsemat.NewCSR(n, n, ts)}
	X, B := perfDense(rng, m, c), perfDense(rng, m, c)
	d := make([]float64, m)
	for i := range d {
		d[i] = 1 + rng.Float64()
	}
	p, err := NewProblem(X, mat.NewDiagDense(m, d), L, B, pat)
	if err != nil {
		tb.Fatal(err)
	}
	g := make([]float64, pat.NNZ())
	for i := range g {
		g[i] = rng.Float64()
	}
	return p, g
}

func perfDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d.Set(i, j, rng.NormFloat64())
		}
	}
	return d
}

// perfCSRMatrix exposes a csr as a mat.Matrix read through DoNonZero.
type perfCSRMatrix struct{ a *sparsemat.CSR }

func (c *perfCSRMatrix) Dims() (int, int) { return c.a.Rows, c.a.Cols }
func (c *perfCSRMatrix) At(i, j int) float64 {
	for s := c.a.Ptr[i]; s < c.a.Ptr[i+1]; s++ {
		if c.a.Ind[s] == j {
			return c.a.Val[s]
		}
	}
	return 0
}
func (c *perfCSRMatrix) T() mat.Matrix { return mat.Transpose{Matrix: c} }
func (c *perfCSRMatrix) DoNonZero(fn func(i, j int, v float64)) {
	for i := 0; i < c.a.Rows; i++ {
		for s := c.a.Ptr[i]; s < c.a.Ptr[i+1]; s++ {
			fn(i, c.a.Ind[s], c.a.Val[s])
		}
	}
}

// perfSparse returns a random rows×cols sparse matrix with each entry
// present with probability density; some rows are empty.
func perfSparse(rng *rand.Rand, rows, cols int, density float64) *sparse.DOK {
	a := sparse.NewDOK(rows, cols)
	for i := range rows * cols {
		if rng.Float64() < density {
			a.Set(i/cols, i%cols, rng.NormFloat64())
		}
	}
	return a
}

// perfVec returns n standard normal numbers.
func perfVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// perfClose fails t unless max|got − want| ≤ tol·max(1, max|want|).
func perfClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	var d, s float64
	for i := range got {
		if math.IsNaN(got[i]) {
			t.Fatalf("%s: entry %d is NaN", what, i)
		}
		d = math.Max(d, math.Abs(got[i]-want[i]))
		s = math.Max(s, math.Abs(want[i]))
	}
	if d > tol*math.Max(s, 1) {
		t.Fatalf("%s: max difference %g, scale %g, tolerance %g", what, d, s, tol)
	}
}
