package vec

import (
	"math"
	"testing"
)

// TestVec checks the helpers on small vectors, including the extreme scales
// Norm must survive.
func TestVec(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, -1, 0.5, 3, -2, 99}
	if got := Dot(x, y); got != 3.5 { // 2 − 2 + 1.5 + 12 − 10
		t.Errorf("Dot = %v, want 3.5", got)
	}
	if got := SumSquares(x); got != 55 {
		t.Errorf("SumSquares = %v, want 55", got)
	}
	for _, s := range []float64{1, 1e-200, 1e200} {
		if got := Norm([]float64{3 * s, 4 * s}); math.Abs(got-5*s) > 1e-15*5*s {
			t.Errorf("Norm at scale %g = %v, want %v", s, got, 5*s)
		}
	}
	z := []float64{1, 1}
	Axpy(z, 2, []float64{1, -1, 7})
	if z[0] != 3 || z[1] != -1 {
		t.Errorf("Axpy = %v, want [3 -1]", z)
	}
	if r := Row(x, 2, 1); len(r) != 2 || r[0] != 3 {
		t.Errorf("Row(x, 2, 1) = %v, want [3 4]", r)
	}
	Zero(z)
	if z[0] != 0 || z[1] != 0 {
		t.Errorf("Zero left %v", z)
	}
	buf := make([]float64, 2, 8)
	if g := Grow(buf, 6); len(g) != 6 || &g[0] != &buf[0] {
		t.Error("Grow did not reuse a large enough buffer")
	}
	if g := Grow(buf, 9); len(g) != 9 {
		t.Errorf("Grow(buf, 9) has length %d", len(g))
	}
	for _, tc := range []struct {
		x    []float64
		want int
	}{
		{nil, -1}, {[]float64{1, 2}, -1}, {[]float64{1, math.NaN(), math.Inf(1)}, 1}, {[]float64{math.Inf(-1)}, 0},
	} {
		if got := FirstNonFinite(tc.x); got != tc.want {
			t.Errorf("FirstNonFinite(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
}
