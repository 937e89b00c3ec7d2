package eigs_test

// Hostile input for Smallest: malformed raw CSR arrays, non-finite,
// non-symmetric and indefinite matrices, bad masses and settings,
// disconnected graphs, and scales up to the ends of the float64 range. Every
// bad input must be an error (never a panic), and results at extreme scales
// must match the rescaled ones.

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/internal/sparsetest"
)

// advPath returns the Laplacian of a path with n vertices and unit weights,
// scaled by s, as CSR arrays with sorted columns, and the k smallest
// eigenvalues of the unscaled one with unit mass, 2 − 2cos(πj/n).
func advPath(n int, s float64) (*sparse.CSR, []float64) {
	L := sparsetest.PathLaplacian(n)
	raw := L.RawMatrix()
	for p := range raw.Data {
		raw.Data[p] *= s
	}
	want := make([]float64, n)
	for j := range want {
		want[j] = 2 - 2*math.Cos(math.Pi*float64(j)/float64(n))
	}
	return L, want
}

func advOnes(n int, v float64) []float64 {
	m := make([]float64, n)
	for i := range m {
		m[i] = v
	}
	return m
}

// advSmallest calls eigs.Smallest and fails the test on a panic.
func advSmallest(t *testing.T, L *sparse.CSR, mass []float64, k int, s *eigs.Settings) (vals []float64, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Smallest panicked: %v", r)
		}
	}()
	vals, _, err = eigs.Smallest(context.Background(), L, mass, k, s)
	if err != nil && vals != nil {
		t.Errorf("values returned with error %v", err)
	}
	return vals, err
}

// TestSmallestBadInput checks that every malformed argument of Smallest
// is an error naming it.
func TestSmallestBadInput(t *testing.T) {
	L, _ := advPath(12, 1)
	raw := L.RawMatrix()
	n := 12
	clone := func(f func(ptr, ind []int, val []float64)) *sparse.CSR {
		ptr := append([]int(nil), raw.Indptr...)
		ind := append([]int(nil), raw.Ind...)
		val := append([]float64(nil), raw.Data...)
		f(ptr, ind, val)
		return sparse.NewCSR(n, n, ptr, ind, val)
	}
	for _, test := range []struct {
		name string
		L    *sparse.CSR
		mass []float64
		k    int
		set  *eigs.Settings
		want string
	}{
		{"nil L", nil, advOnes(n, 1), 2, nil, "L is nil"},
		{"not square", sparse.NewCSR(3, 4, make([]int, 4), nil, nil), advOnes(3, 1), 1, nil, "not square"},
		{"short row pointers", sparse.NewCSR(n, n, raw.Indptr[:n], raw.Ind, raw.Data), advOnes(n, 1), 2, nil, "row pointers"},
		{"first pointer", clone(func(p, _ []int, _ []float64) { p[0] = 1 }), advOnes(n, 1), 2, nil, "row pointer 0"},
		{"decreasing pointers", clone(func(p, _ []int, _ []float64) { p[5] = p[4] - 1 }), advOnes(n, 1), 2, nil, "decrease"},
		{"pointers past the arrays", clone(func(p, _ []int, _ []float64) { p[n] += 5 }), advOnes(n, 1), 2, nil, "declares"},
		{"column out of range", clone(func(_, i []int, _ []float64) { i[7] = n }), advOnes(n, 1), 2, nil, "out of range"},
		{"negative column", clone(func(_, i []int, _ []float64) { i[7] = -1 }), advOnes(n, 1), 2, nil, "out of range"},
		{"NaN entry", clone(func(_, _ []int, v []float64) { v[3] = math.NaN() }), advOnes(n, 1), 2, nil, "NaN"},
		{"Inf entry", clone(func(_, _ []int, v []float64) { v[3] = math.Inf(-1) }), advOnes(n, 1), 2, nil, "Inf"},
		{"not symmetric", clone(func(_, _ []int, v []float64) { v[1] = -2 }), advOnes(n, 1), 2, nil, "symmetric"},
		{"not PSD", clone(func(_, _ []int, v []float64) { v[0] = -5 }), advOnes(n, 1), 2, nil, ""},
		{"k = 0", L, advOnes(n, 1), 0, nil, "k = 0"},
		{"k < 0", L, advOnes(n, 1), -3, nil, "k = -3"},
		{"k = n", L, advOnes(n, 1), n, nil, "k = 12"},
		{"short mass", L, advOnes(n-1, 1), 2, nil, "len(mass) = 11"},
		{"zero mass", L, append(advOnes(n-1, 1), 0), 2, nil, "mass[11] = 0 is not positive and finite (M is singular: on a mesh, vertex 11 is in no triangle of positive area; remove such vertices with mesh.Mesh.RemoveUnreferenced)"},
		{"negative mass", L, append(advOnes(n-1, 1), -1), 2, nil, "mass[11] = -1"},
		{"NaN mass", L, append(advOnes(n-1, 1), math.NaN()), 2, nil, "mass[11] = NaN"},
		{"Inf mass", L, append(advOnes(n-1, 1), math.Inf(1)), 2, nil, "mass[11] = +Inf"},
		{"NaN Tol", L, advOnes(n, 1), 2, &eigs.Settings{Tol: math.NaN()}, "Tol"},
		{"negative Tol", L, advOnes(n, 1), 2, &eigs.Settings{Tol: -1}, "Tol"},
		{"Inf Shift", L, advOnes(n, 1), 2, &eigs.Settings{Shift: math.Inf(-1)}, "Shift"},
		{"shift above the spectrum", L, advOnes(n, 1), 2, &eigs.Settings{Shift: 10}, ""},
		{"negative MaxIter", L, advOnes(n, 1), 2, &eigs.Settings{MaxIter: -1}, "negative"},
		{"negative BlockSize", L, advOnes(n, 1), 2, &eigs.Settings{BlockSize: -1}, "negative"},
		{"1×1", sparse.NewCSR(1, 1, []int{0, 1}, []int{0}, []float64{1}), advOnes(1, 1), 1, nil, "k = 1"},
	} {
		_, err := advSmallest(t, test.L, test.mass, test.k, test.set)
		if err == nil {
			t.Errorf("%s: accepted", test.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "eigs: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("%s: error %q, want one containing %q", test.name, err, test.want)
		}
	}
}

// TestSmallestExtremeScale checks that scaling L and the masses by s
// leaves the eigenvalues unchanged (and scaling L alone scales them), for s
// from 1e-150 to 1e150, and that non-uniform masses spanning 30 orders of
// magnitude are handled.
func TestSmallestExtremeScale(t *testing.T) {
	const n, k = 40, 4
	_, want := advPath(n, 1)
	for _, s := range []float64{1e-150, 1e-50, 1, 1e50, 1e150} {
		L, _ := advPath(n, s)
		vals, err := advSmallest(t, L, advOnes(n, s), k, nil)
		if err != nil {
			t.Errorf("L·%g, M·%g: %v", s, s, err)
			continue
		}
		for j, v := range vals {
			if math.Abs(v-want[j]) > 1e-8*math.Max(want[j], 1e-2) {
				t.Errorf("L·%g, M·%g: λ%d = %v, want %v", s, s, j, v, want[j])
			}
		}
		vals, err = advSmallest(t, L, advOnes(n, 1), k, nil)
		if err != nil {
			t.Errorf("L·%g: %v", s, err)
			continue
		}
		for j, v := range vals {
			if math.Abs(v-s*want[j]) > 1e-8*s*math.Max(want[j], 1e-2) {
				t.Errorf("L·%g: λ%d = %v, want %v", s, j, v, s*want[j])
			}
		}
	}
}

// TestSmallestDisconnected checks a graph with more components than
// the block size: the null space has dimension 6 and all six zero
// eigenvalues must be found.
func TestSmallestDisconnected(t *testing.T) {
	const comps, size = 6, 5
	n := comps * size
	ptr := []int{0}
	var ind []int
	var val []float64
	for c := 0; c < comps; c++ {
		L, _ := advPath(size, float64(c+1))
		raw := L.RawMatrix()
		for i := 0; i < size; i++ {
			for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
				ind = append(ind, c*size+raw.Ind[p])
				val = append(val, raw.Data[p])
			}
			ptr = append(ptr, len(ind))
		}
	}
	L := sparse.NewCSR(n, n, ptr, ind, val)
	vals, err := advSmallest(t, L, advOnes(n, 1), comps+1, &eigs.Settings{BlockSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < comps; j++ {
		if math.Abs(vals[j]) > 1e-8 {
			t.Errorf("λ%d = %v, want 0 (one per component)", j, vals[j])
		}
	}
	// The smallest nonzero eigenvalue: component 1 (weight 1), 2 − 2cos(π/5).
	if want := 2 - 2*math.Cos(math.Pi/size); math.Abs(vals[comps]-want) > 1e-8 {
		t.Errorf("λ%d = %v, want %v", comps, vals[comps], want)
	}
}

// TestSmallestFullRange checks L and masses scaled to the ends of the
// float64 range. When M^{-1/2} L M^{-1/2} is representable the eigenvalues
// must be found (scaled by l/m to a relative 1e-8); when it is not, the
// error must say so and name the masses. Regression test for L·1e300 ("0 of
// 2 eigenpairs converged … residual NaN") and masses 1e-300 ("projected
// eigenproblem did not converge"): squares of the entries overflowed inside
// the iteration.
func TestSmallestFullRange(t *testing.T) {
	const n, k = 40, 3
	_, want := advPath(n, 1)
	for _, test := range []struct{ l, m float64 }{
		{1e300, 1}, {1, 1e-300}, {1e-300, 1}, {1, 1e300}, {1e-300, 1e-300}, {1e300, 1e300}, {1e307, 1},
	} {
		L, _ := advPath(n, test.l)
		vals, err := advSmallest(t, L, advOnes(n, test.m), k, &eigs.Settings{Seed: 3})
		if err != nil {
			t.Errorf("L·%g, M·%g: %v", test.l, test.m, err)
			continue
		}
		s := test.l / test.m
		for j, v := range vals {
			if math.Abs(v-s*want[j]) > 1e-8*s*math.Max(want[j], 1e-2) {
				t.Errorf("L·%g, M·%g: λ%d = %v, want %v", test.l, test.m, j, v, s*want[j])
			}
		}
	}
	for _, test := range []struct{ l, m float64 }{{1, 1e-310}, {1e300, 1e-300}, {1e307, 1e-1}} {
		L, _ := advPath(n, test.l)
		_, err := advSmallest(t, L, advOnes(n, test.m), k, nil)
		if err == nil || !strings.Contains(err.Error(), "overflows") || !strings.Contains(err.Error(), "masses are too small") {
			t.Errorf("L·%g, M·%g: error %v, want one saying M^{-1/2} L M^{-1/2} overflows", test.l, test.m, err)
		}
	}
}
