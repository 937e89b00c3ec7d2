package sparsemat

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// randVec returns n standard normal numbers.
func randVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, 0, n)
	for range n {
		x = append(x, rng.NormFloat64())
	}
	return x
}

// checkClose fails t unless got has no NaN and max|got − want| ≤
// tol·max(1, max|want|).
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) || floats.HasNaN(got) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	if d, s := floats.Distance(got, want, math.Inf(1)), floats.Norm(want, math.Inf(1)); d > tol*math.Max(s, 1) {
		t.Fatalf("%s: max difference %g, scale %g, tolerance %g", what, d, s, tol)
	}
}

// randCSR returns a random rows×cols compressed-row matrix with each entry
// present with probability density; some rows are empty.
func randCSR(rng *rand.Rand, rows, cols int, density float64) *CSR {
	var ts []Triplet
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.Float64() < density {
				ts = append(ts, Triplet{I: i, J: j, V: rng.NormFloat64()})
			}
		}
	}
	return NewCSR(rows, cols, ts)
}

// TestGatherKernels checks GatherMul, GatherMul2, DenseRowMul and GatherDot against
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
		a := randCSR(rng, tc.rows, tc.cols, tc.density)
		a2 := &CSR{Rows: a.Rows, Cols: a.Cols, Ptr: a.Ptr, Ind: a.Ind, Val: make([]float64, a.NNZ())}
		for s := range a2.Val {
			a2.Val[s] = rng.NormFloat64()
		}
		x1 := randVec(rng, tc.cols*tc.c)
		x2 := randVec(rng, tc.cols*tc.c)
		want := make([]float64, tc.rows*tc.c)
		want2 := make([]float64, tc.rows*tc.c)
		var tol float64
		for i := 0; i < tc.rows; i++ {
			for s := a.Ptr[i]; s < a.Ptr[i+1]; s++ {
				j := a.Ind[s]
				for q := 0; q < tc.c; q++ {
					want[i*tc.c+q] += a.Val[s] * x1[j*tc.c+q]
					want2[i*tc.c+q] += a.Val[s]*x1[j*tc.c+q] + a2.Val[s]*x2[j*tc.c+q]
					tol += math.Abs(a.Val[s] * x1[j*tc.c+q])
				}
			}
		}
		tol = 1e-14 * (1 + tol)
		got := make([]float64, tc.rows*tc.c)
		for i := range got {
			got[i] = math.NaN() // every entry must be overwritten
		}
		GatherMul(got, a.Ptr, a.Ind, a.Val, x1, tc.c, 0, tc.rows)
		checkClose(t, "gatherMul", got, want, tol)
		for i := range got {
			got[i] = math.NaN()
		}
		GatherMul2(got, a.Ptr, a.Ind, a.Val, x1, a2.Val, x2, tc.c, 0, tc.rows)
		checkClose(t, "gatherMul2", got, want2, tol)

		// denseRowMul with the dense copy of a.
		dn := make([]float64, tc.rows*tc.cols)
		for i := 0; i < tc.rows; i++ {
			for s := a.Ptr[i]; s < a.Ptr[i+1]; s++ {
				dn[i*tc.cols+a.Ind[s]] = a.Val[s]
			}
		}
		for i := range got {
			got[i] = math.NaN()
		}
		DenseRowMul(got, dn, tc.cols, x1, tc.c, 0, tc.rows)
		checkClose(t, "denseRowMul", got, want, tol)
	}
	if got := GatherDot([]int{4, 0, 2, 1, 3}, []float64{1, 2, 3, 4, 5}, []float64{10, 20, 30, 40, 50}); got != 50+20+90+80+200 {
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
		tt := TransposeKernel{Dst: dst, Src: src, Rows: r, Cols: c}
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
	a := randCSR(rng, 9, 7, 0.3)
	b := randCSR(rng, 7, 11, 0.25)
	s := SymbolicProduct(9, 11, a.Ptr, a.Ind, b.Ptr, b.Ind, make([]int, 11))
	var flops float64
	for i := 0; i < 9; i++ {
		want := map[int]bool{}
		for u := a.Ptr[i]; u < a.Ptr[i+1]; u++ {
			k := a.Ind[u]
			flops += float64(b.Ptr[k+1] - b.Ptr[k])
			for _, j := range b.Ind[b.Ptr[k]:b.Ptr[k+1]] {
				want[j] = true
			}
		}
		got := s.Ind[s.Ptr[i]:s.Ptr[i+1]]
		if len(got) != len(want) {
			t.Fatalf("row %d: %v, want the columns of %v", i, got, want)
		}
		for w, j := range got {
			if !want[j] || (w > 0 && got[w-1] >= j) {
				t.Fatalf("row %d: %v is not the ascending list of %v", i, got, want)
			}
		}
	}
	if s.Flops != flops || ProductFlops(a.Ptr, a.Ind, b.Ptr, 9) != flops {
		t.Errorf("flops %v and %v, want %v", s.Flops, ProductFlops(a.Ptr, a.Ind, b.Ptr, 9), flops)
	}
}
