package sparsels_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// exactTol is the norm-wise relative tolerance against the dense reference. The scale it
// multiplies is the norm of the reference evaluated on absolute values (refProblem.bound), which
// bounds the magnitude of every summed term, so 1e-12 allows thousands of roundings per entry on
// these small problems while any wrong term, of size O(scale), fails.
const exactTol = 1e-12

// fdTol is the tolerance against central differences. With step 6e-6 the truncation error of
// central differences is at most h²/6 ≈ 6e-12 times the third derivative (zero for the
// quadratic residual) and the rounding error about eps/h ≈ 4e-11 times the function's scale;
// operand values are O(1), so 1e-6 relative to the bound scale is a safe margin that still
// catches any formula error, which is O(1) relative.
const fdTol = 1e-6

// newTestProblem builds the Pattern and Problem of an instance, failing t on error.
func newTestProblem(t testing.TB, inst *testprob.Instance) *sparsels.Problem {
	t.Helper()
	n, _ := inst.L.Dims()
	_, m := inst.Y.Dims()
	pat, err := sparsels.NewPattern(n, m, inst.I, inst.J)
	if err != nil {
		t.Fatalf("NewPattern: %v", err)
	}
	p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatalf("NewProblem: %v", err)
	}
	return p
}

// nanSlice returns a slice of length n filled with NaN, to check that results are stored.
func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for k := range s {
		s[k] = math.NaN()
	}
	return s
}

// testPoints returns the points at which a case is checked: the instance's own values, a random
// point, and g = 0.
func testPoints(inst *testprob.Instance, seed uint64) [][]float64 {
	return [][]float64{inst.G, randomPoint(len(inst.G), seed), make([]float64, len(inst.G))}
}

func TestResidualEnergyGradient(t *testing.T) {
	for ci, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProblem(t, tc.inst)
			rp := newRef(tc.inst)
			if n, m, r, c := p.Dims(); n != rp.n || m != rp.m || r != rp.r || c != rp.c {
				t.Fatalf("Dims = %d %d %d %d, want %d %d %d %d", n, m, r, c, rp.n, rp.m, rp.r, rp.c)
			}
			if p.Pattern().NNZ() != len(tc.inst.G) {
				t.Fatalf("Pattern().NNZ() = %d, want %d", p.Pattern().NNZ(), len(tc.inst.G))
			}
			for pi, g := range testPoints(tc.inst, uint64(ci)) {
				ev, bd := rp.eval(g), rp.bound(g)
				at := fmt.Sprintf("point %d", pi)

				res := mat.NewDense(rp.r, rp.c, nanSlice(rp.r*rp.c))
				p.Residual(res, g)
				checkMat(t, at+": Residual", res, ev.F, mat.Norm(bd.F, 2), exactTol)
				var empty mat.Dense
				p.Residual(&empty, g)
				checkMat(t, at+": Residual into empty dst", &empty, ev.F, mat.Norm(bd.F, 2), exactTol)

				e := p.Energy(g)
				checkVec(t, at+": Energy", []float64{e}, []float64{ev.E}, bd.E, exactTol)

				grad := p.Gradient(nanSlice(len(g)), g)
				checkVec(t, at+": Gradient", grad, ev.Grad, floats.Norm(bd.Grad, 2), exactTol)
				gradNil := p.Gradient(nil, g)
				checkVec(t, at+": Gradient(nil)", gradNil, ev.Grad, floats.Norm(bd.Grad, 2), exactTol)

				buf := nanSlice(len(g))
				e2, grad2 := p.EnergyGradient(buf, g)
				if &grad2[0] != &buf[0] {
					t.Errorf("%s: EnergyGradient did not return dst", at)
				}
				if e2 != e || !floats.Same(grad2, grad) {
					t.Errorf("%s: EnergyGradient = %v %v, Energy and Gradient give %v %v", at, e2, grad2, e, grad)
				}
			}
		})
	}
}

func TestGradientFiniteDifferences(t *testing.T) {
	for ci, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProblem(t, tc.inst)
			rp := newRef(tc.inst)
			for _, g := range testPoints(tc.inst, uint64(ci))[:2] {
				want := fd.Gradient(nil, p.Energy, g, &fd.Settings{Formula: fd.Central})
				got := p.Gradient(nil, g)
				checkVec(t, "Gradient vs central differences", got, want, floats.Norm(rp.bound(g).Grad, 2), fdTol)
			}
		})
	}
}

// TestZeroPoint checks that at g = 0 the residual is X, the energy ||X||², and the gradient is
// exactly zero (every term of it contains a factor of G).
func TestZeroPoint(t *testing.T) {
	for _, tc := range refCases() {
		p := newTestProblem(t, tc.inst)
		g := make([]float64, len(tc.inst.G))
		var res mat.Dense
		p.Residual(&res, g)
		if x := toDense(tc.inst.X); !mat.Equal(&res, x) {
			t.Errorf("%s: Residual(0) = %v, want X = %v", tc.name, mat.Formatted(&res), mat.Formatted(x))
		}
		want := frobDot(tc.inst.X, tc.inst.X)
		if e := p.Energy(g); math.Abs(e-want) > 1e-14*want {
			t.Errorf("%s: Energy(0) = %v, want ||X||² = %v", tc.name, e, want)
		}
		for k, v := range p.Gradient(nanSlice(len(g)), g) {
			if v != 0 {
				t.Errorf("%s: Gradient(0)[%d] = %v, want exactly 0", tc.name, k, v)
			}
		}
	}
}

// TestEmptyPattern checks a problem whose pattern has no entries: G = 0 always.
func TestEmptyPattern(t *testing.T) {
	inst := testprob.Random(testprob.Spec{N: 4, M: 3, R: 2, C: 5, LKind: testprob.CSR, Seed: 5})
	pat, err := sparsels.NewPattern(4, 3, nil, nil)
	if err != nil {
		t.Fatalf("NewPattern with no entries: %v", err)
	}
	p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatalf("NewProblem with empty pattern: %v", err)
	}
	var res mat.Dense
	p.Residual(&res, nil)
	if !mat.Equal(&res, inst.X) {
		t.Errorf("Residual = %v, want X", mat.Formatted(&res))
	}
	if e, want := p.Energy(nil), frobDot(inst.X, inst.X); math.Abs(e-want) > 1e-14*want {
		t.Errorf("Energy = %v, want %v", e, want)
	}
	if g := p.Gradient(nil, nil); len(g) != 0 {
		t.Errorf("Gradient has length %d, want 0", len(g))
	}
	if e, g := p.EnergyGradient(nil, []float64{}); len(g) != 0 || math.Abs(e-frobDot(inst.X, inst.X)) > 1e-14*e {
		t.Errorf("EnergyGradient = %v, %v", e, g)
	}
}

// TestPanics checks that length errors in g or dst panic with a message from this package.
func TestPanics(t *testing.T) {
	inst := refCases()[0].inst
	p := newTestProblem(t, inst)
	nnz := len(inst.G)
	short := make([]float64, nnz-1)
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"Energy short g", func() { p.Energy(short) }},
		{"Energy long g", func() { p.Energy(make([]float64, nnz+1)) }},
		{"Gradient short g", func() { p.Gradient(nil, short) }},
		{"Gradient short dst", func() { p.Gradient(short, inst.G) }},
		{"EnergyGradient short dst", func() { p.EnergyGradient(short, inst.G) }},
		{"Residual wrong dst", func() { p.Residual(mat.NewDense(1, 1, nil), inst.G) }},
		{"Residual short g", func() { p.Residual(&mat.Dense{}, short) }},
		{"JacobianOperator short g", func() { p.JacobianOperator(short) }},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", c.name)
					return
				}
				if msg := fmt.Sprint(r); !strings.HasPrefix(msg, "sparsels: ") {
					t.Errorf("%s: panic message %q lacks the package prefix", c.name, msg)
				}
			}()
			c.fn()
		}()
	}
}

// TestAllocs checks that the evaluations allocate nothing once warmed up.
func TestAllocs(t *testing.T) {
	if testprob.RaceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range []struct {
		name string
		inst *testprob.Instance
	}{
		{"random", refCases()[8].inst},
		{"coarsening", testprob.Coarsening(300, 40, 10, false, 4)},
		{"coarsening/denseY", testprob.Coarsening(300, 40, 10, true, 5)},
	} {
		p := newTestProblem(t, c.inst)
		_, _, r, cc := p.Dims()
		nnz := len(c.inst.G)
		g := c.inst.G
		grad := make([]float64, nnz)
		x := randomPoint(nnz, 1)
		w := randomPoint(r*cc, 2)
		jx := make([]float64, r*cc)
		out := make([]float64, nnz)
		res := mat.NewDense(r, cc, nil)
		op := p.JacobianOperator(g)
		for _, f := range []struct {
			name string
			fn   func()
		}{
			{"Energy", func() { p.Energy(g) }},
			{"Gradient", func() { p.Gradient(grad, g) }},
			{"EnergyGradient", func() { p.EnergyGradient(grad, g) }},
			{"Residual", func() { p.Residual(res, g) }},
			{"MulVecTo", func() { op.MulVecTo(jx, false, x) }},
			{"MulVecTo trans", func() { op.MulVecTo(out, true, w) }},
			{"GaussNewtonMulVecTo", func() { op.GaussNewtonMulVecTo(out, x) }},
			{"HessianMulVecTo", func() { op.HessianMulVecTo(out, x) }},
		} {
			f.fn() // warm up
			if a := testing.AllocsPerRun(20, f.fn); a != 0 {
				t.Errorf("%s: %s allocates %v times per call", c.name, f.name, a)
			}
		}
	}
}
