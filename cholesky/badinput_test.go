package cholesky_test

// Malformed raw CSR arrays, non-finite and indefinite matrices, bad
// permutations and extreme scales for Factorize, the orderings and Envelope:
// every bad input must be an error (never a panic), and solves at extreme
// scales must match the rescaled ones. Misuse of the solves panics.

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/cholesky"
	"github.com/sparsels/sparsels/internal/sparsetest"
)

// shiftedPath returns the Laplacian of the path on 8 vertices plus shift·I,
// with f applied to its values if f is not nil.
func shiftedPath(shift float64, f func(val []float64)) *sparse.CSR {
	raw := sparsetest.PathLaplacian(8).RawMatrix()
	val := append([]float64(nil), raw.Data...)
	for i := 0; i < 8; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if raw.Ind[p] == i {
				val[p] += shift
			}
		}
	}
	if f != nil {
		f(val)
	}
	return sparse.NewCSR(8, 8, raw.Indptr, raw.Ind, val)
}

// factorNoPanic calls c.Factorize and fails the test on a panic.
func factorNoPanic(t *testing.T, c *cholesky.Cholesky, a *sparse.CSR, perm []int) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Factorize panicked: %v", r)
		}
	}()
	return c.Factorize(a, perm)
}

// TestFactorizeBadInput checks Cholesky.Factorize on malformed, non-finite
// and indefinite matrices and bad permutations: an error with the package
// prefix containing want, a receiver left empty although it held a
// factorization, and a *NotPositiveDefiniteError naming a row when the
// matrix is not positive definite.
func TestFactorizeBadInput(t *testing.T) {
	raw := sparsetest.PathLaplacian(8).RawMatrix()
	good := func() *sparse.CSR {
		return sparsetest.BuildCSR(2, []sparsetest.Triplet{{0, 0, 2}, {1, 0, -1}, {0, 1, -1}, {1, 1, 2}})
	}
	for _, test := range []struct {
		name string
		a    *sparse.CSR
		perm []int
		want string
		npd  bool // a *NotPositiveDefiniteError
	}{
		{"nil", nil, nil, "nil", false},
		{"nonsquare", sparse.NewCSR(2, 3, []int{0, 0, 0}, nil, nil), nil, "not square", false},
		{"shortIndptr", sparse.NewCSR(2, 2, []int{0, 1}, []int{0}, []float64{1}), nil, "row pointers", false},
		{"decreasing", sparse.NewCSR(2, 2, []int{0, 2, 1}, []int{0, 1}, []float64{1, 1}), nil, "decrease", false},
		{"shortData", sparse.NewCSR(2, 2, []int{0, 1, 2}, []int{0, 1}, []float64{1}), nil, "declares", false},
		{"badColumn", sparse.NewCSR(2, 2, []int{0, 1, 2}, []int{0, 2}, []float64{1, 1}), nil, "out of range", false},
		{"malformed", sparse.NewCSR(8, 8, append([]int{0, 3}, raw.Indptr[2:]...), raw.Ind, raw.Data), nil, "", false},
		{"nan", sparse.NewCSR(2, 2, []int{0, 1, 2}, []int{0, 1}, []float64{1, math.NaN()}), nil, "(1,1) is NaN", false},
		{"inf", sparse.NewCSR(2, 2, []int{0, 1, 2}, []int{0, 1}, []float64{math.Inf(-1), 1}), nil, "(0,0) is -Inf", false},
		{"NaN in a path", shiftedPath(0.5, func(v []float64) { v[4] = math.NaN() }), nil, "NaN", false},
		{"Inf in a path", shiftedPath(0.5, func(v []float64) { v[4] = math.Inf(1) }), nil, "Inf", false},
		{"permLength", good(), []int{0}, "length", false},
		{"permRange", good(), []int{0, 2}, "out of range", false},
		{"permRepeat", good(), []int{1, 1}, "both 1", false},
		{"short permutation", shiftedPath(0.5, nil), []int{0, 1, 2}, "", false},
		{"repeated permutation entry", shiftedPath(0.5, nil), []int{0, 1, 2, 3, 4, 5, 6, 6}, "", false},
		{"permutation out of range", shiftedPath(0.5, nil), []int{0, 1, 2, 3, 4, 5, 6, 8}, "", false},
		{"negative permutation entry", shiftedPath(0.5, nil), []int{0, 1, 2, 3, 4, 5, 6, -1}, "", false},
		{"indefinite", sparsetest.BuildCSR(2, []sparsetest.Triplet{{0, 0, 1}, {1, 0, 2}, {0, 1, 2}, {1, 1, 1}}), nil, "not positive definite", true},
		{"zeroDiag", sparsetest.BuildCSR(2, []sparsetest.Triplet{{0, 0, 1}}), nil, "not positive definite", true},
		{"singular (the Laplacian itself)", shiftedPath(0, nil), nil, "", true},
		{"indefinite path", shiftedPath(-1, nil), nil, "", true},
	} {
		var c cholesky.Cholesky
		if err := c.Factorize(good(), nil); err != nil {
			t.Fatal(err)
		}
		err := factorNoPanic(t, &c, test.a, test.perm)
		if err == nil {
			t.Errorf("%s: accepted", test.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cholesky: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("%s: error %q, want one containing %q", test.name, err, test.want)
		}
		if c.Size() != 0 {
			t.Errorf("%s: receiver not left empty (size %d)", test.name, c.Size())
		}
		if test.npd {
			n, _ := test.a.Dims()
			var npd *cholesky.NotPositiveDefiniteError
			if !errors.As(err, &npd) || npd.Row < 0 || npd.Row >= n {
				t.Errorf("%s: error %v (%T), want a *NotPositiveDefiniteError naming a row", test.name, err, err)
			}
		}
	}
	// The error names the original row and the pivot.
	var c cholesky.Cholesky
	err := c.Factorize(sparsetest.BuildCSR(3, []sparsetest.Triplet{{0, 0, 1}, {1, 1, 1}, {2, 2, -1}}), nil)
	var npd *cholesky.NotPositiveDefiniteError
	if !errors.As(err, &npd) || npd.Row != 2 || npd.Pivot != -1 {
		t.Errorf("error %#v, want NotPositiveDefiniteError at row 2 with pivot -1", err)
	}
}

// TestFactorizeExtremeScale checks that the factorization of s·A solves
// s·A x = s·b as A x = b, for s from 1e-300 to 1e300.
func TestFactorizeExtremeScale(t *testing.T) {
	var c cholesky.Cholesky
	b := make([]float64, 8)
	for i := range b {
		b[i] = float64(i + 1)
	}
	if err := factorNoPanic(t, &c, shiftedPath(0.5, nil), nil); err != nil {
		t.Fatal(err)
	}
	x0 := c.SolveTo(nil, b)
	for _, s := range []float64{1e-300, 1e-150, 1e150, 1e300} {
		a := shiftedPath(0.5, func(v []float64) {
			for i := range v {
				v[i] *= s
			}
		})
		if err := factorNoPanic(t, &c, a, nil); err != nil {
			t.Errorf("A·%g: %v", s, err)
			continue
		}
		sb := make([]float64, 8)
		for i := range b {
			sb[i] = s * b[i]
		}
		x := c.SolveTo(nil, sb)
		for i := range x {
			if math.Abs(x[i]-x0[i]) > 1e-12*math.Abs(x0[i]) {
				t.Errorf("A·%g: x[%d] = %v, want %v", s, i, x[i], x0[i])
				break
			}
		}
	}
}

// TestSolvePanics checks that the solves panic, with the package prefix,
// before Factorize and on shape mismatches.
func TestSolvePanics(t *testing.T) {
	var c cholesky.Cholesky
	mustPanic(t, "unfactorized", func() { c.SolveTo(nil, []float64{1}) })
	mustPanic(t, "unfactorized mat", func() { c.SolveMatTo(nil, mat.NewDense(1, 1, nil)) })
	mustPanic(t, "unfactorized many", func() { c.SolveManyTo(nil, []float64{1}, 1) })
	if err := c.Factorize(sparsetest.BuildCSR(2, []sparsetest.Triplet{{0, 0, 1}, {1, 1, 1}}), nil); err != nil {
		t.Fatal(err)
	}
	mustPanic(t, "short b", func() { c.SolveTo(nil, []float64{1}) })
	mustPanic(t, "short dst", func() { c.SolveTo(make([]float64, 1), []float64{1, 2}) })
	mustPanic(t, "mat rows", func() { c.SolveMatTo(nil, mat.NewDense(3, 1, nil)) })
	mustPanic(t, "mat dst", func() { c.SolveMatTo(mat.NewDense(2, 2, nil), mat.NewDense(2, 1, nil)) })
	mustPanic(t, "many nrhs", func() { c.SolveManyTo(nil, nil, -1) })
	mustPanic(t, "many b", func() { c.SolveManyTo(nil, []float64{1, 2, 3}, 2) })
	mustPanic(t, "many dst", func() { c.SolveManyTo(make([]float64, 2), []float64{1, 2, 3, 4}, 2) })
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
		} else if s, ok := r.(string); !ok || !strings.HasPrefix(s, "cholesky: ") {
			t.Errorf("%s: panic %v without package prefix", name, r)
		}
	}()
	f()
}

// TestOrderingsBadInput checks the orderings and Envelope on malformed
// input.
func TestOrderingsBadInput(t *testing.T) {
	L := sparsetest.PathLaplacian(6)
	raw := L.RawMatrix()
	bad := sparse.NewCSR(6, 6, raw.Indptr, append([]int{9}, raw.Ind[1:]...), raw.Data)
	rect := sparse.NewCSR(2, 3, make([]int, 3), nil, nil)
	for name, f := range map[string]func(a *sparse.CSR) error{
		"MinimumDegree":       func(a *sparse.CSR) error { _, err := cholesky.MinimumDegree(a); return err },
		"ReverseCuthillMcKee": func(a *sparse.CSR) error { _, err := cholesky.ReverseCuthillMcKee(a); return err },
		"Envelope":            func(a *sparse.CSR) error { _, _, err := cholesky.Envelope(a, nil); return err },
	} {
		for what, a := range map[string]*sparse.CSR{"column out of range": bad, "not square": rect} {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s, %s: panic %v", name, what, r)
					}
				}()
				err = f(a)
			}()
			if err == nil {
				t.Errorf("%s, %s: accepted", name, what)
			}
		}
	}
	if _, _, err := cholesky.Envelope(L, []int{0, 1, 2, 3, 4, 4}); err == nil {
		t.Error("Envelope accepted a repeated permutation entry")
	}
}
