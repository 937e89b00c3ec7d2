package sparsels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// randomCSR returns an r×k CSR matrix with about perRow entries per row in
// random column order, with a repeated column in some rows when dup is set,
// and the dense matrix it represents (repeats summed).
func randomCSR(rng *rand.Rand, r, k, perRow int, dup bool) (*sparse.CSR, *mat.Dense) {
	ptr := make([]int, r+1)
	var ind []int
	var val []float64
	dense := mat.NewDense(r, k, nil)
	for i := range r {
		cnt := 0
		if perRow > 0 {
			cnt = rng.IntN(2 * perRow) // some rows empty
		}
		for range cnt {
			j := rng.IntN(k)
			v := rng.Float64()*2 - 1
			ind = append(ind, j)
			val = append(val, v)
			dense.Set(i, j, dense.At(i, j)+v)
			if dup && rng.IntN(4) == 0 {
				ind = append(ind, j)
				val = append(val, 0.5)
				dense.Set(i, j, dense.At(i, j)+0.5)
			}
		}
		ptr[i+1] = len(ind)
	}
	return sparse.NewCSR(r, k, ptr, ind, val), dense
}

func randomDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.Float64()*2 - 1
	}
	return mat.NewDense(r, c, d)
}

func TestMulSparseDense(t *testing.T) {
	for _, tc := range []struct {
		name        string
		r, k, c     int
		perRow      int
		dup         bool
		viewX, view bool // x and dst as strided views
		nilDst      bool
	}{
		{name: "small", r: 5, k: 4, c: 3, perRow: 2},
		{name: "rows longer than four", r: 30, k: 40, c: 17, perRow: 9},
		{name: "duplicates", r: 20, k: 10, c: 8, perRow: 4, dup: true},
		{name: "nil dst", r: 12, k: 7, c: 64, perRow: 5, nilDst: true},
		{name: "strided x", r: 15, k: 9, c: 6, perRow: 3, viewX: true},
		{name: "strided dst", r: 15, k: 9, c: 6, perRow: 3, view: true, dup: true},
		{name: "one column", r: 9, k: 9, c: 1, perRow: 3},
		{name: "all rows empty", r: 6, k: 5, c: 4, perRow: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.r*1000+tc.c)))
			a, ad := randomCSR(rng, tc.r, tc.k, tc.perRow, tc.dup)
			x := randomDense(rng, tc.k, tc.c)
			if tc.viewX {
				big := randomDense(rng, tc.k+2, tc.c+3)
				x = big.Slice(1, tc.k+1, 2, tc.c+2).(*mat.Dense)
			}
			want := mat.NewDense(tc.r, tc.c, nil)
			want.Mul(ad, x)
			var dst *mat.Dense
			if !tc.nilDst {
				// Start from garbage: the result must overwrite it.
				dst = randomDense(rng, tc.r, tc.c)
				if tc.view {
					big := randomDense(rng, tc.r+1, tc.c+5)
					dst = big.Slice(1, tc.r+1, 3, tc.c+3).(*mat.Dense)
				}
			}
			got := sparsels.MulSparseDense(dst, a, x)
			if !tc.nilDst && got != dst {
				t.Fatal("MulSparseDense did not return dst")
			}
			if r, c := got.Dims(); r != tc.r || c != tc.c {
				t.Fatalf("result is %d×%d, want %d×%d", r, c, tc.r, tc.c)
			}
			for i := range tc.r {
				for j := range tc.c {
					if g, w := got.At(i, j), want.At(i, j); math.Abs(g-w) > 1e-13*(1+math.Abs(w)) {
						t.Fatalf("(%d,%d) = %v, want %v", i, j, g, w)
					}
				}
			}
		})
	}
}

func TestMulSparseDensePanics(t *testing.T) {
	a := sparse.NewCSR(2, 3, []int{0, 1, 2}, []int{0, 2}, []float64{1, 2})
	x := mat.NewDense(3, 2, nil)
	for _, tc := range []struct {
		name string
		fn   func()
		want string
	}{
		{"nil a", func() { sparsels.MulSparseDense(nil, nil, x) }, "nil operand"},
		{"nil x", func() { sparsels.MulSparseDense(nil, a, nil) }, "nil operand"},
		{"x rows", func() { sparsels.MulSparseDense(nil, a, mat.NewDense(2, 2, nil)) }, "a is 2×3 but x is 2×2"},
		{"dst shape", func() { sparsels.MulSparseDense(mat.NewDense(2, 3, nil), a, x) }, "dst is 2×3, want 2×2"},
		{"dst is x", func() {
			sq := sparse.NewCSR(3, 3, []int{0, 0, 0, 0}, nil, nil)
			sparsels.MulSparseDense(x, sq, x)
		}, "dst is x"},
		{"column out of range", func() {
			bad := sparse.NewCSR(2, 3, []int{0, 1, 2}, []int{0, 3}, []float64{1, 2})
			sparsels.MulSparseDense(nil, bad, x)
		}, "column index 3 at slot 1"},
		{"row pointers", func() {
			bad := sparse.NewCSR(2, 3, []int{0, 2, 1}, []int{0, 1}, []float64{1, 2})
			sparsels.MulSparseDense(nil, bad, x)
		}, "row pointer 1 (2) above"},
		{"short arrays", func() {
			bad := sparse.NewCSR(2, 3, []int{0, 1, 3}, []int{0, 1}, []float64{1, 2})
			sparsels.MulSparseDense(nil, bad, x)
		}, "malformed CSR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if s := fmt.Sprint(r); !strings.HasPrefix(s, "sparsels: ") || !strings.Contains(s, tc.want) {
					t.Fatalf("panic %q, want it to contain %q", s, tc.want)
				}
			}()
			tc.fn()
		})
	}
}

func TestMulSparseDenseAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, _ := randomCSR(rng, 200, 200, 7, false)
	x := randomDense(rng, 200, 64)
	dst := mat.NewDense(200, 64, nil)
	if n := testing.AllocsPerRun(20, func() { sparsels.MulSparseDense(dst, a, x) }); n != 0 {
		t.Errorf("MulSparseDense allocates %v times per call with a dst", n)
	}
}

func ExampleMulSparseDense() {
	// a = [2 0 1; 0 0 0; 0 3 0] in compressed rows, x 3×2.
	a := sparse.NewCSR(3, 3, []int{0, 2, 2, 3}, []int{2, 0, 1}, []float64{1, 2, 3})
	x := mat.NewDense(3, 2, []float64{
		1, 2,
		3, 4,
		5, 6,
	})
	dst := sparsels.MulSparseDense(nil, a, x)
	fmt.Println(mat.Formatted(dst))
	// Output:
	// ⎡ 7  10⎤
	// ⎢ 0   0⎥
	// ⎣ 9  12⎦
}
