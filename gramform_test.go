package sparsels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// formCase describes a random problem for the direct-versus-Gram tests.
type formCase struct {
	n, m, r, c int
	perRow     float64 // mean nonzeros per row of G
	y          sparsemat.Kind
	lSym       bool
	emptyRows  bool // a third of G's rows (and some of L's) are empty
	emptyCols  bool // a third of G's columns are empty
}

func (fc formCase) String() string {
	return fmt.Sprintf("n%d_m%d_r%d_c%d_%v_sym%v_er%v_ec%v", fc.n, fc.m, fc.r, fc.c, fc.y, fc.lSym, fc.emptyRows, fc.emptyCols)
}

// newFormProblem returns a random problem for fc and a random point.
func newFormProblem(t testing.TB, fc formCase, seed uint64) (*Problem, []float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	n, m, r, c := fc.n, fc.m, fc.r, fc.c
	if fc.y == sparsemat.Diag {
		r = m
	}
	var I, J []int
	for a := 0; a < n; a++ {
		if fc.emptyRows && a%3 == 1 {
			continue
		}
		for b := 0; b < m; b++ {
			if fc.emptyCols && b%3 == 2 {
				continue
			}
			if rng.Float64() < fc.perRow/float64(m) {
				I = append(I, a)
				J = append(J, b)
			}
		}
	}
	rng.Shuffle(len(I), func(x, y int) { I[x], I[y] = I[y], I[x]; J[x], J[y] = J[y], J[x] })
	pat, err := NewPattern(n, m, I, J)
	if err != nil {
		t.Fatal(err)
	}
	// L: about 4 entries per row, the diagonal always; rows 0 mod 5 of a
	// non-symmetric L are empty when fc.emptyRows.
	var ts []sparsemat.Triplet
	seen := map[[2]int]bool{}
	add := func(i, j int, v float64) {
		if !seen[[2]int{i, j}] {
			seen[[2]int{i, j}] = true
			ts = append(ts, sparsemat.Triplet{I: i, J: j, V: v})
		}
	}
	for a := 0; a < n; a++ {
		if fc.emptyRows && !fc.lSym && a%5 == 0 {
			continue
		}
		add(a, a, 4+rng.Float64())
		for k := 0; k < 3; k++ {
			b := rng.IntN(n)
			v := rng.NormFloat64()
			add(a, b, v)
			if fc.lSym {
				add(b, a, v)
			}
		}
	}
	if fc.lSym {
		// Make values symmetric: the first of each pair wins.
		val := map[[2]int]float64{}
		for _, tr := range ts {
			if v, ok := val[[2]int{tr.J, tr.I}]; ok {
				val[[2]int{tr.I, tr.J}] = v
			} else {
				val[[2]int{tr.I, tr.J}] = tr.V
			}
		}
		for k := range ts {
			ts[k].V = val[[2]int{ts[k].I, ts[k].J}]
		}
	}
	L := mat.NewDense(n, n, nil)
	for _, tr := range ts {
		L.Set(tr.I, tr.J, tr.V)
	}
	var Y mat.Matrix
	switch fc.y {
	case sparsemat.Diag:
		d := make([]float64, m)
		for i := range d {
			d[i] = 0.5 + rng.Float64()
		}
		Y = mat.NewDiagDense(m, d)
	case sparsemat.Sparse:
		Y = perfSparse(rng, r, m, 0.15)
	default:
		Y = mat.NewDense(r, m, perfVec(rng, r*m))
	}
	X := mat.NewDense(r, c, perfVec(rng, r*c))
	B := mat.NewDense(m, c, perfVec(rng, m*c))
	p, err := NewProblem(X, Y, L, B, pat)
	if err != nil {
		t.Fatal(err)
	}
	if p.y.Kind != fc.y {
		t.Fatalf("Y stored as %v, want %v", p.y.Kind, fc.y)
	}
	if (p.lt == p.l) != fc.lSym {
		t.Fatalf("L symmetric = %v, want %v", p.lt == p.l, fc.lSym)
	}
	g := perfVec(rng, pat.NNZ())
	return p, g
}

var formCases = []formCase{
	{n: 30, m: 8, c: 5, perRow: 3, y: sparsemat.Diag, lSym: true},
	{n: 30, m: 8, c: 5, perRow: 3, y: sparsemat.Diag, lSym: false},
	{n: 40, m: 12, r: 7, c: 6, perRow: 4, y: sparsemat.Sparse, lSym: true, emptyRows: true},
	{n: 40, m: 12, r: 9, c: 3, perRow: 4, y: sparsemat.Sparse, lSym: false, emptyCols: true},
	{n: 25, m: 10, r: 6, c: 4, perRow: 3, y: sparsemat.Dense, lSym: true, emptyRows: true, emptyCols: true},
	{n: 25, m: 10, r: 12, c: 7, perRow: 5, y: sparsemat.Dense, lSym: false, emptyRows: true},
	{n: 50, m: 9, c: 1, perRow: 2, y: sparsemat.Diag, lSym: false, emptyRows: true, emptyCols: true},
	{n: 1, m: 1, c: 2, perRow: 1, y: sparsemat.Diag, lSym: true},
}

// TestFormsAgree checks that every evaluation with a Gram form gives the
// same result in the direct and in the Gram form, to 1e-12 relative to the
// largest entry, at random points and directions. The direct form is
// checked against dense references and finite differences elsewhere.
func TestFormsAgree(t *testing.T) {
	const tol = 1e-12
	for ci, fc := range formCases {
		t.Run(fc.String(), func(t *testing.T) {
			p, g := newFormProblem(t, fc, uint64(ci+1))
			dp, gp := p.withForm(false), p.withForm(true)
			nnz, rc := p.pat.NNZ(), p.r*p.c
			rng := rand.New(rand.NewPCG(uint64(ci), 7))
			x, w := perfVec(rng, nnz), perfVec(rng, rc)

			relEqual := func(what string, a, b float64) {
				t.Helper()
				if math.Abs(a-b) > tol*math.Max(1, math.Abs(a)) || math.IsNaN(b) {
					t.Errorf("%s: direct %v, Gram %v", what, a, b)
				}
			}
			relEqual("Energy", dp.Energy(g), gp.Energy(g))
			e1, g1 := dp.EnergyGradient(nil, g)
			e2, g2 := gp.EnergyGradient(nil, g)
			relEqual("EnergyGradient energy", e1, e2)
			perfClose(t, "EnergyGradient", g2, g1, tol)

			o1, o2 := dp.JacobianOperator(g), gp.JacobianOperator(g)
			if !o2.gram || o1.gram {
				t.Fatalf("operator forms: direct uses Gram %v, Gram uses Gram %v", o1.gram, o2.gram)
			}
			relEqual("operator Energy", o1.Energy(), o2.Energy())
			perfClose(t, "operator Gradient", o2.Gradient(nil), o1.Gradient(nil), tol)
			for _, f := range []struct {
				name    string
				n, in   int
				v       []float64
				product func(op *JacobianOperator, dst, v []float64)
			}{
				{"J·x", rc, nnz, x, func(op *JacobianOperator, dst, v []float64) { op.MulVecTo(dst, false, v) }},
				{"Jᵀ·w", nnz, rc, w, func(op *JacobianOperator, dst, v []float64) { op.MulVecTo(dst, true, v) }},
				{"JᵀJ·x", nnz, nnz, x, (*JacobianOperator).GaussNewtonMulVecTo},
				{"∇²E·x", nnz, nnz, x, (*JacobianOperator).HessianMulVecTo},
			} {
				d1, d2 := make([]float64, f.n), make([]float64, f.n)
				for i := range d2 {
					d2[i] = math.NaN()
				}
				f.product(o1, d1, f.v)
				f.product(o2, d2, f.v)
				perfClose(t, f.name, d2, d1, tol)
			}
			// Yᵀf, computed on demand in the Gram form, and the energy is
			// not changed by that.
			eBefore := o2.Energy()
			perfClose(t, "residualYt", o2.residualYt(), o1.residualYt(), tol)
			if o2.Energy() != eBefore {
				t.Errorf("residualYt changed the operator's energy from %v to %v", eBefore, o2.Energy())
			}
			// Move both operators and repeat one product: SetPoint must
			// refresh the Gram state.
			g3 := perfVec(rng, nnz)
			o1.SetPoint(g3)
			o2.SetPoint(g3)
			relEqual("operator Energy after SetPoint", o1.Energy(), o2.Energy())
			d1, d2 := make([]float64, nnz), make([]float64, nnz)
			o1.HessianMulVecTo(d1, x)
			o2.HessianMulVecTo(d2, x)
			perfClose(t, "∇²E·x after SetPoint", d2, d1, tol)
			// The Gram operator's direct-form products (MulVecTo when the
			// plan keeps J in the direct form) see the same point.
			gp2 := *gp
			gp2.plan.jac = false
			o3 := gp2.JacobianOperator(g3)
			d3 := make([]float64, rc)
			o1.MulVecTo(d3, false, x)
			d4 := make([]float64, rc)
			o3.MulVecTo(d4, false, x)
			perfClose(t, "J·x, Gram state with direct J", d4, d3, tol)
		})
	}
}

// TestGramEnergyFallback checks that at a point where the residual vanishes
// the Gram-form energy is recomputed in the direct form (the difference
// ‖X‖² − 2⟨P,S⟩ + ⟨S,QSR⟩ would be rounding noise of size ε‖X‖²), and that
// slightly away from it both forms agree to 1e-9 relative.
func TestGramEnergyFallback(t *testing.T) {
	fc := formCase{n: 30, m: 8, c: 5, perRow: 3, y: sparsemat.Diag, lSym: true}
	p0, g := newFormProblem(t, fc, 3)
	// X := Y GᵀLG B at g, so that E(g) is zero up to rounding.
	f := mat.NewDense(p0.r, p0.c, nil)
	p0.Residual(f, g)
	X := mat.NewDense(p0.r, p0.c, nil)
	X.Sub(mat.NewDense(p0.r, p0.c, p0.x), f)
	Y := mat.NewDiagDense(p0.m, p0.y.Diag)
	L := &perfCSRMatrix{p0.l}
	B := mat.NewDense(p0.m, p0.c, p0.b)
	p, err := NewProblem(X, Y, L, B, p0.pat)
	if err != nil {
		t.Fatal(err)
	}
	dp, gp := p.withForm(false), p.withForm(true)
	xn := mat.Norm(X, 2)
	xn *= xn
	ws := gp.getWorkspace()
	d := gp.getDispatch()
	eRaw, scale := gp.gramState(d, ws, g, true)
	gp.putDispatch(d)
	gp.putWorkspace(ws)
	if gramEnergyOK(eRaw, scale) {
		t.Fatalf("raw Gram energy %v (scale %v) accepted at a zero-residual point", eRaw, scale)
	}
	e1, e2 := dp.Energy(g), gp.Energy(g)
	if e1 != e2 || e1 > 1e-24*xn {
		t.Errorf("zero residual: direct %v, Gram %v, want equal and ≤ %v", e1, e2, 1e-24*xn)
	}
	eg, _ := gp.EnergyGradient(nil, g)
	if eg != e1 {
		t.Errorf("zero residual: EnergyGradient %v, want %v", eg, e1)
	}
	if op := gp.JacobianOperator(g); op.Energy() != e1 || !op.direct {
		t.Errorf("zero residual: operator energy %v (direct state %v), want %v", op.Energy(), op.direct, e1)
	}
	// Away from the exact fit the Gram energy is accepted and accurate.
	h := append([]float64(nil), g...)
	for i := range h {
		h[i] *= 1 + 0.05*float64(i%3-1)
	}
	e1, e2 = dp.Energy(h), gp.Energy(h)
	if math.Abs(e1-e2) > 1e-9*e1 {
		t.Errorf("near fit: direct %v, Gram %v", e1, e2)
	}
}

// TestPlanChoice checks the cost model's decisions on clear-cut shapes: the
// coarsening shape (m ≪ n, c = 100) uses the Gram form, c = 1 and an m too
// large for the dense m×m storage do not.
func TestPlanChoice(t *testing.T) {
	p, _ := perfProblem(t, 2000, 150, 100, 7, 1)
	if !p.plan.grad || !p.plan.jac {
		t.Errorf("coarsening shape: plan %+v, want all Gram", p.plan)
	}
	if p.gram == nil {
		t.Errorf("coarsening shape: Gram data not built")
	}
	p, _ = perfProblem(t, 2000, 150, 1, 7, 1)
	if p.plan.grad || p.plan.jac {
		t.Errorf("c = 1: plan %+v, want direct", p.plan)
	}
	if p.gram != nil {
		t.Errorf("c = 1: Gram data built although unused")
	}
	if testing.Short() {
		return
	}
	// m = 3000: 9·10⁶ floats for R exceed the 64 MiB cap.
	p, _ = perfProblem(t, 6000, 3000, 20, 2, 1)
	if p.plan.grad {
		t.Errorf("m = 3000: plan %+v, want direct", p.plan)
	}
}

// TestGramEmpty checks the Gram form on degenerate patterns: no nonzeros,
// and a pattern whose only nonzeros sit in rows that L does not reach.
func TestGramEmpty(t *testing.T) {
	X := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	Y := mat.NewDiagDense(2, []float64{1, 2})
	B := mat.NewDense(2, 3, []float64{1, 0, 1, 0, 1, 0})
	L := mat.NewDense(3, 3, []float64{0, 0, 0, 0, 2, 0, 0, 0, 0}) // only L[1,1]
	for _, tc := range []struct {
		name string
		i, j []int
	}{
		{"no nonzeros", nil, nil},
		{"unreached rows", []int{0, 2}, []int{1, 0}},
	} {
		pat, err := NewPattern(3, 2, tc.i, tc.j)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewProblem(X, Y, L, B, pat)
		if err != nil {
			t.Fatal(err)
		}
		gp := p.withForm(true)
		g := make([]float64, pat.NNZ())
		for k := range g {
			g[k] = float64(k + 1)
		}
		// S = GᵀLG = 0, so E = ‖X‖² = 91 and the gradient is zero.
		e, grad := gp.EnergyGradient(nil, g)
		if e != 91 {
			t.Errorf("%s: E = %v, want 91", tc.name, e)
		}
		for k, v := range grad {
			if v != 0 {
				t.Errorf("%s: gradient[%d] = %v, want 0", tc.name, k, v)
			}
		}
		op := gp.JacobianOperator(g)
		hx := make([]float64, len(g))
		op.HessianMulVecTo(hx, g)
		for k, v := range hx {
			if v != 0 {
				t.Errorf("%s: Hessian product[%d] = %v, want 0", tc.name, k, v)
			}
		}
	}
}
