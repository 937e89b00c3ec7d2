package sparsels_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// TestConstraintsBadAndExtremeInput checks the constraint constructors on infeasible,
// non-finite, nil, mismatched and oversized input, and Violation on
// non-finite values.
func TestConstraintsBadAndExtremeInput(t *testing.T) {
	ap := randomSmallProblem(5, 6, 4, 3, 3, 2)
	pat := ap.pattern(t)
	C := mat.NewDense(4, 2, []float64{1, 0, 1, 1, 1, 2, 1, 3})
	D := mat.NewDense(6, 2, nil)
	for a := 0; a < 6; a++ {
		cols := pat.RowColumns(a)
		D.Set(a, 0, 1)
		D.Set(a, 1, float64(cols[0])+0.5) // between the two columns of the row
	}
	if _, err := sparsels.NewConstraints(pat, C, D); err != nil {
		t.Fatalf("feasible constraints rejected: %v", err)
	}
	call := func(p *sparsels.Pattern, C, D mat.Matrix) (cs *sparsels.Constraints, err error) {
		noPanic(t, "NewConstraints", func() { cs, err = sparsels.NewConstraints(p, C, D) })
		return cs, err
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		c2 := mat.DenseCopyOf(C)
		c2.Set(2, 1, v)
		_, err := call(pat, c2, D)
		errContains(t, "C non-finite", err, fmt.Sprintf("C[2, 1] = %v", v))
		d2 := mat.DenseCopyOf(D)
		d2.Set(5, 0, v)
		_, err = call(pat, C, d2)
		errContains(t, "D non-finite", err, fmt.Sprintf("D[5, 0] = %v", v))
	}
	// Row 3 demands a value outside what its two entries can reach with
	// three equations: infeasible, and the error names row 3.
	C3 := mat.NewDense(4, 3, []float64{1, 0, 0, 1, 1, 1, 1, 2, 4, 1, 3, 9})
	D3 := mat.NewDense(6, 3, nil)
	for a := 0; a < 6; a++ {
		cols := pat.RowColumns(a)
		// The values of G[a,:] = e_{cols[0]} satisfy the equations...
		for q := 0; q < 3; q++ {
			D3.Set(a, q, C3.At(cols[0], q))
		}
	}
	D3.Set(3, 2, D3.At(3, 2)+7) // ...except in row 3.
	_, err := call(pat, C3, D3)
	errContains(t, "infeasible", err, "infeasible in row 3")
	// An equation with C = 0 on the row's columns and D ≠ 0, however tiny.
	Cz := mat.NewDense(4, 1, nil)
	Dz := mat.NewDense(6, 1, nil)
	Dz.Set(4, 0, 1e-300)
	_, err = call(pat, Cz, Dz)
	errContains(t, "C = 0, D ≠ 0", err, "infeasible in row 4")
	// Empty pattern rows cannot sum to 1.
	pe, _ := sparsels.NewPattern(3, 2, []int{0, 2}, []int{0, 1})
	var cs *sparsels.Constraints
	noPanic(t, "RowSumConstraints", func() { cs, err = sparsels.RowSumConstraints(pe) })
	if cs != nil {
		t.Error("constraints returned for an empty row")
	}
	errContains(t, "empty row", err, "row 1")
	// Shapes.
	_, err = call(pat, mat.NewDense(5, 2, nil), D)
	errContains(t, "C rows", err, "C is 5×2", "want 4 rows")
	_, err = call(pat, C, mat.NewDense(6, 3, nil))
	errContains(t, "D cols", err, "D is 6×3", "want 6×2")
	// Nil arguments are errors, not nil dereferences.
	_, err = call(nil, C, D)
	errContains(t, "nil pattern", err, "nil pattern")
	_, err = call(pat, nil, D)
	errContains(t, "nil C", err, "C is nil")
	_, err = call(pat, C, nil)
	errContains(t, "nil D", err, "D is nil")
	noPanic(t, "RowSumConstraints(nil)", func() { _, err = sparsels.RowSumConstraints(nil) })
	errContains(t, "RowSumConstraints(nil)", err, "nil pattern")
	// A sparse C with 2⁶⁰ columns is refused before anything proportional
	// to its width is allocated.
	huge := 1 << 60
	var bytes uint64
	bytes = bytesAllocated(func() {
		_, err = call(pat, sparse.NewCSR(4, huge, make([]int, 5), nil, nil), sparse.NewCSR(6, huge, make([]int, 7), nil, nil))
	})
	errContains(t, "huge s", err, "too large")
	if bytes > 1<<16 {
		t.Errorf("%d bytes allocated before refusing s = 2⁶⁰", bytes)
	}
	// Violation of a value vector with a non-finite entry is +Inf, not NaN.
	rs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	g := rs.Project(nil, ap.g0)
	if v := rs.Violation(g); !(v <= 1e-15) {
		t.Errorf("violation of a projected point %g", v)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		g2 := append([]float64(nil), g...)
		g2[3] = v
		if got := rs.Violation(g2); !math.IsInf(got, 1) {
			t.Errorf("Violation with an entry %v = %v, want +Inf", v, got)
		}
	}
	// Extreme scales of C and D.
	for _, s := range []float64{1e-300, 1e-150, 1e150, 1e300} {
		var Cs, Ds mat.Dense
		Cs.Scale(s, C)
		Ds.Scale(s, D)
		cs, err := sparsels.NewConstraints(pat, &Cs, &Ds)
		if err != nil {
			t.Errorf("C, D scaled by %g: %v", s, err)
			continue
		}
		if v := cs.Violation(cs.Project(nil, ap.g0)); !(v <= 1e-14) {
			t.Errorf("C, D scaled by %g: violation %g after projection", s, v)
		}
	}
}
