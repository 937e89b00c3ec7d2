package sparsels_test

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// TestNewProblemErrors checks NewProblem's argument errors: nil
// arguments, every shape mismatch, and NaN or infinite entries in every
// operand and storage type, each error naming the matrix (and the entry).
func TestNewProblemErrors(t *testing.T) {
	ap := randomSmallProblem(1, 5, 3, 4, 2, 2)
	pat := ap.pattern(t)
	good := []mat.Matrix{ap.X, ap.Y, ap.L, ap.B}
	names := []string{"X", "Y", "L", "B"}
	call := func(m []mat.Matrix, p *sparsels.Pattern) (pr *sparsels.Problem, err error) {
		noPanic(t, "NewProblem", func() { pr, err = sparsels.NewProblem(m[0], m[1], m[2], m[3], p) })
		return pr, err
	}
	with := func(k int, a mat.Matrix) []mat.Matrix {
		m := append([]mat.Matrix(nil), good...)
		m[k] = a
		return m
	}
	if _, err := call(good, nil); err == nil {
		t.Error("nil pattern accepted")
	}
	for k, name := range names {
		if pr, err := call(with(k, nil), pat); pr != nil || err == nil {
			t.Errorf("nil %s accepted", name)
		} else {
			errContains(t, "nil "+name, err, name)
		}
	}
	// Shapes: X 4×2, Y 4×3, L 5×5, B 3×2 with G 5×3.
	for _, test := range []struct {
		k    int
		a    mat.Matrix
		want []string
	}{
		{0, zeroMatrix{5, 2}, []string{"Y is 4×3", "X is 5×2"}},
		{0, zeroMatrix{4, 3}, []string{"B is 3×2", "X is 4×3"}},
		{1, zeroMatrix{4, 4}, []string{"Y is 4×4", "want 3 columns"}},
		{1, zeroMatrix{3, 3}, []string{"Y is 3×3", "X is 4×2"}},
		{2, zeroMatrix{5, 4}, []string{"L is 5×4", "want 5×5"}},
		{2, zeroMatrix{3, 3}, []string{"L is 3×3"}},
		{3, zeroMatrix{2, 2}, []string{"B is 2×2", "want 3 rows"}},
		{3, zeroMatrix{3, 5}, []string{"B is 3×5", "X is 4×2"}},
		{2, zeroMatrix{0, 0}, []string{"L is 0×0"}},
	} {
		_, err := call(with(test.k, test.a), pat)
		errContains(t, fmt.Sprintf("%s %v", names[test.k], test.a), err, test.want...)
	}
	// Non-finite entries, in dense, diagonal and sparse storage.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for k, name := range names {
			d := mat.DenseCopyOf(good[k])
			r, c := d.Dims()
			d.Set(r-1, c-1, v)
			_, err := call(with(k, d), pat)
			errContains(t, name+" dense", err, fmt.Sprintf("%s[%d, %d] = %v", name, r-1, c-1, v), "not finite")
			// The same entry in CSR storage, built from raw arrays.
			ptr := make([]int, r+1)
			ptr[r] = 1
			_, err = call(with(k, sparse.NewCSR(r, c, ptr, []int{c - 1}, []float64{v})), pat)
			errContains(t, name+" CSR", err, fmt.Sprintf("%s[%d, %d]", name, r-1, c-1), "not finite")
		}
		diag := mat.NewDiagDense(3, []float64{1, v, 1})
		pat3, _ := sparsels.NewPattern(5, 3, ap.I, ap.J)
		_, err := call([]mat.Matrix{zeroMatrix{3, 3}, diag, ap.L, mat.NewDense(3, 3, nil)}, pat3)
		errContains(t, "diagonal Y", err, "Y[1, 1]", "not finite")
	}
	// Duplicates of a COO matrix are summed; a sum that overflows is named.
	coo := sparse.NewCOO(4, 2, []int{3, 3}, []int{1, 1}, []float64{1e308, 1e308})
	_, err := call(with(0, coo), pat)
	errContains(t, "COO overflow", err, "X[3, 1]", "overflows")
	// Blocks whose element count exceeds the index range are refused before
	// anything is allocated (X is read through DoNonZero, so it costs
	// nothing).
	big := sparse.NewCSR(1<<21, 1<<20, make([]int, 1<<21+1), nil, nil)
	var bytes uint64
	bytes = bytesAllocated(func() {
		_, err = call([]mat.Matrix{big, zeroMatrix{1 << 21, 3}, ap.L, zeroMatrix{3, 1 << 20}}, pat)
	})
	errContains(t, "huge X", err, "too large")
	if bytes > 1<<16 {
		t.Errorf("%d bytes allocated before refusing a %d×%d X", bytes, 1<<21, 1<<20)
	}
}

// TestNewProblemTypedNilAndTooLarge checks NewProblem on a typed nil operand and on
// blocks too large for memory: both are errors, not a panic or an
// allocation that ends the process.
func TestNewProblemTypedNilAndTooLarge(t *testing.T) {
	t.Run("typed nil operand", func(t *testing.T) {
		ap := randomSmallProblem(1, 5, 3, 4, 2, 2)
		var X *mat.Dense
		noPanic(t, "typed nil X", func() {
			_, err := sparsels.NewProblem(X, ap.Y, ap.L, ap.B, ap.pattern(t))
			errContains(t, "typed nil X", err, "X")
		})
	})
	t.Run("blocks that cannot fit in memory", func(t *testing.T) {
		ap := randomSmallProblem(1, 5, 3, 4, 2, 2)
		big := sparse.NewCSR(1<<20, 1<<20, make([]int, 1<<20+1), nil, nil)
		_, err := sparsels.NewProblem(big, zeroMatrix{1 << 20, 3}, ap.L, zeroMatrix{3, 1 << 20}, ap.pattern(t))
		errContains(t, "8 TiB X", err, "too large")
	})
}

// namesMatrix reports whether msg names one of the matrices as a separate word.
func namesMatrix(msg string, names ...string) bool {
	for _, n := range names {
		if regexp.MustCompile(`\b` + n + `\b`).MatchString(msg) {
			return true
		}
	}
	return false
}

// newProblemNoPanic calls NewProblem and turns a panic into a test failure.
func newProblemNoPanic(t *testing.T, what string, X, Y, L, B mat.Matrix, pat *sparsels.Pattern) (p *sparsels.Problem, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: NewProblem panicked: %v", what, r)
			err = fmt.Errorf("panic")
		}
	}()
	return sparsels.NewProblem(X, Y, L, B, pat)
}

// TestNewProblemShapeErrors checks that every shape mismatch, in dense,
// sparse and diagonal storage, is an error naming the mismatched matrix.
func TestNewProblemShapeErrors(t *testing.T) {
	// G is 3×2, so n = 3, m = 2; r = 2, c = 4.
	pat, err := sparsels.NewPattern(3, 2, []int{0, 2, 1}, []int{1, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	d := func(r, c int) *mat.Dense {
		a := mat.NewDense(r, c, nil)
		for i := range r {
			for j := range c {
				a.Set(i, j, float64(1+i+2*j))
			}
		}
		return a
	}
	if _, err := sparsels.NewProblem(d(2, 4), d(2, 2), d(3, 3), d(2, 4), pat); err != nil {
		t.Fatalf("valid problem rejected: %v", err)
	}
	for _, c := range []struct {
		name       string
		X, Y, L, B mat.Matrix
		culprits   []string // the error must name one of these
	}{
		{"Y has too many columns", d(2, 4), d(2, 3), d(3, 3), d(2, 4), []string{"Y"}},
		{"Y has too few columns", d(2, 4), d(2, 1), d(3, 3), d(2, 4), []string{"Y"}},
		{"L not square", d(2, 4), d(2, 2), d(3, 4), d(2, 4), []string{"L"}},
		{"L wrong size", d(2, 4), d(2, 2), d(4, 4), d(2, 4), []string{"L"}},
		{"L sparse wrong size", d(2, 4), d(2, 2), testprob.Store(testprob.CSR, d(2, 2), nil), d(2, 4), []string{"L"}},
		{"B wrong rows", d(2, 4), d(2, 2), d(3, 3), d(3, 4), []string{"B"}},
		{"B diagonal wrong size", d(2, 4), d(2, 2), d(3, 3), mat.NewDiagDense(3, []float64{1, 2, 3}), []string{"B"}},
		{"X rows differ from Y rows", d(3, 4), d(2, 2), d(3, 3), d(2, 4), []string{"X", "Y"}},
		{"X columns differ from B columns", d(2, 5), d(2, 2), d(3, 3), d(2, 4), []string{"X", "B"}},
	} {
		p, err := newProblemNoPanic(t, c.name, c.X, c.Y, c.L, c.B, pat)
		if err == nil {
			t.Errorf("%s: no error (problem %v)", c.name, p)
			continue
		}
		if !namesMatrix(err.Error(), c.culprits...) {
			t.Errorf("%s: error %q does not name %s", c.name, err, strings.Join(c.culprits, " or "))
		}
	}
}

// TestNewProblemNonFinite checks that a NaN or ±Inf in any operand, in
// every storage kind, is an error naming the operand.
func TestNewProblemNonFinite(t *testing.T) {
	inst := testprob.Random(testprob.Spec{N: 4, M: 3, R: 2, C: 3, NNZPerRow: 1.5, Seed: 9})
	pat, err := sparsels.NewPattern(4, 3, inst.I, inst.J)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"X", "Y", "L", "B"} {
		for _, kind := range []testprob.Kind{testprob.Dense, testprob.CSR, testprob.CSC, testprob.COO, testprob.DOK} {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				ops := map[string]*mat.Dense{
					"X": toDense(inst.X), "Y": toDense(inst.Y), "L": toDense(inst.L), "B": toDense(inst.B),
				}
				ops[name].Set(1, 2, bad)
				stored := map[string]mat.Matrix{}
				for k, v := range ops {
					stored[k] = v
				}
				stored[name] = testprob.Store(kind, ops[name], nil)
				what := fmt.Sprintf("%v in %s stored as %v", bad, name, kind)
				p, err := newProblemNoPanic(t, what, stored["X"], stored["Y"], stored["L"], stored["B"], pat)
				if err == nil {
					t.Errorf("%s: no error (problem %v)", what, p)
					continue
				}
				if !namesMatrix(err.Error(), name) {
					t.Errorf("%s: error %q does not name %s", what, err, name)
				}
			}
		}
	}
	// A non-finite diagonal entry.
	Y := mat.NewDiagDense(3, []float64{1, math.NaN(), 2})
	B := mat.NewDense(3, 3, nil)
	X := mat.NewDense(3, 3, nil)
	if _, err := newProblemNoPanic(t, "diagonal Y", X, Y, inst.L, B, pat); err == nil || !namesMatrix(err.Error(), "Y") {
		t.Errorf("NaN in diagonal Y: error %v, want one naming Y", err)
	}
}
