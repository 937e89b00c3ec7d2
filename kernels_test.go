package sparsels

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
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
	var ts []triplet
	for a := 0; a < n; a++ {
		for d := -3; d <= 3; d++ {
			b := a + d*7
			if b >= 0 && b < n {
				v := -1.0
				if d == 0 {
					v = 6
				}
				ts = append(ts, triplet{a, b, v})
			}
		}
	}
	L := &perfCSRMatrix{newCSR(n, n, ts)}
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
type perfCSRMatrix struct{ a *csr }

func (c *perfCSRMatrix) Dims() (int, int) { return c.a.rows, c.a.cols }
func (c *perfCSRMatrix) At(i, j int) float64 {
	for s := c.a.ptr[i]; s < c.a.ptr[i+1]; s++ {
		if c.a.ind[s] == j {
			return c.a.val[s]
		}
	}
	return 0
}
func (c *perfCSRMatrix) T() mat.Matrix { return mat.Transpose{Matrix: c} }
func (c *perfCSRMatrix) DoNonZero(fn func(i, j int, v float64)) {
	for i := 0; i < c.a.rows; i++ {
		for s := c.a.ptr[i]; s < c.a.ptr[i+1]; s++ {
			fn(i, c.a.ind[s], c.a.val[s])
		}
	}
}

// perfVec returns n standard normal numbers.
func perfVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// perfCSR returns a random rows×cols compressed-row matrix with each entry
// present with probability density; some rows are empty.
func perfCSR(rng *rand.Rand, rows, cols int, density float64) *csr {
	var ts []triplet
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.Float64() < density {
				ts = append(ts, triplet{i, j, rng.NormFloat64()})
			}
		}
	}
	return newCSR(rows, cols, ts)
}

// TestGatherKernels checks gatherMul, gatherMul2, denseRowMul and dot against
// plain dense loops, for row lengths that exercise every remainder of the
// four-way fusion, including empty rows and c = 0 and 1.
func TestGatherKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		rows, cols, c int
		density       float64
	}{
		{7, 9, 5, 0.5}, {13, 6, 1, 0.7}, {20, 30, 67, 0.3}, {5, 4, 0, 0.5}, {9, 11, 100, 0.9}, {4, 3, 8, 0},
	} {
		a := perfCSR(rng, tc.rows, tc.cols, tc.density)
		a2 := &csr{rows: a.rows, cols: a.cols, ptr: a.ptr, ind: a.ind, val: make([]float64, a.nnz())}
		for s := range a2.val {
			a2.val[s] = rng.NormFloat64()
		}
		x1 := perfVec(rng, tc.cols*tc.c)
		x2 := perfVec(rng, tc.cols*tc.c)
		want := make([]float64, tc.rows*tc.c)
		want2 := make([]float64, tc.rows*tc.c)
		var tol float64
		for i := 0; i < tc.rows; i++ {
			for s := a.ptr[i]; s < a.ptr[i+1]; s++ {
				j := a.ind[s]
				for q := 0; q < tc.c; q++ {
					want[i*tc.c+q] += a.val[s] * x1[j*tc.c+q]
					want2[i*tc.c+q] += a.val[s]*x1[j*tc.c+q] + a2.val[s]*x2[j*tc.c+q]
					tol += math.Abs(a.val[s] * x1[j*tc.c+q])
				}
			}
		}
		tol = 1e-14 * (1 + tol)
		got := make([]float64, tc.rows*tc.c)
		for i := range got {
			got[i] = math.NaN() // every entry must be overwritten
		}
		gatherMul(got, a.ptr, a.ind, a.val, x1, tc.c, 0, tc.rows)
		perfClose(t, "gatherMul", got, want, tol)
		for i := range got {
			got[i] = math.NaN()
		}
		gatherMul2(got, a.ptr, a.ind, a.val, x1, a2.val, x2, tc.c, 0, tc.rows)
		perfClose(t, "gatherMul2", got, want2, tol)

		// denseRowMul with the dense copy of a.
		dn := make([]float64, tc.rows*tc.cols)
		for i := 0; i < tc.rows; i++ {
			for s := a.ptr[i]; s < a.ptr[i+1]; s++ {
				dn[i*tc.cols+a.ind[s]] = a.val[s]
			}
		}
		for i := range got {
			got[i] = math.NaN()
		}
		denseRowMul(got, dn, tc.cols, x1, tc.c, 0, tc.rows)
		perfClose(t, "denseRowMul", got, want, tol)
	}
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, -1, 0.5, 3, -2, 99}
	if got := dot(x, y); got != 3.5 { // 2 − 2 + 1.5 + 12 − 10
		t.Errorf("dot = %v, want 3.5", got)
	}
	if got := gatherDot([]int{4, 0, 2, 1, 3}, []float64{1, 2, 3, 4, 5}, []float64{10, 20, 30, 40, 50}); got != 50+20+90+80+200 {
		t.Errorf("gatherDot = %v, want 440", got)
	}
}

// TestTranspose checks the tiled transpose on shapes that are not multiples
// of the tile.
func TestTranspose(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {3, 70}, {65, 33}, {40, 40}} {
		r, c := sz[0], sz[1]
		src := make([]float64, r*c)
		for i := range src {
			src[i] = float64(i)
		}
		dst := make([]float64, r*c)
		tt := transposeTask{dst: dst, src: src, rows: r, cols: c}
		tt.Run(0, 0, c/2)
		tt.Run(1, c/2, c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if dst[j*r+i] != src[i*c+j] {
					t.Fatalf("%d×%d: dst[%d,%d] = %v, want %v", r, c, j, i, dst[j*r+i], src[i*c+j])
				}
			}
		}
	}
}

// TestSymbolicProduct checks the structure of a sparse product against the
// dense product's nonzeros (with positive values, so nothing cancels).
func TestSymbolicProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := perfCSR(rng, 9, 7, 0.3)
	b := perfCSR(rng, 7, 11, 0.25)
	s := symbolicProduct(9, 11, a.ptr, a.ind, b.ptr, b.ind, make([]int, 11))
	var flops float64
	for i := 0; i < 9; i++ {
		want := map[int]bool{}
		for u := a.ptr[i]; u < a.ptr[i+1]; u++ {
			k := a.ind[u]
			flops += float64(b.ptr[k+1] - b.ptr[k])
			for _, j := range b.ind[b.ptr[k]:b.ptr[k+1]] {
				want[j] = true
			}
		}
		got := s.ind[s.ptr[i]:s.ptr[i+1]]
		if len(got) != len(want) {
			t.Fatalf("row %d: %v, want the columns of %v", i, got, want)
		}
		for w, j := range got {
			if !want[j] || (w > 0 && got[w-1] >= j) {
				t.Fatalf("row %d: %v is not the ascending list of %v", i, got, want)
			}
		}
	}
	if s.flops != flops || productFlops(a.ptr, a.ind, b.ptr, 9) != flops {
		t.Errorf("flops %v and %v, want %v", s.flops, productFlops(a.ptr, a.ind, b.ptr, 9), flops)
	}
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
