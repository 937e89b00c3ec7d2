package sparsels_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// TestZeroSizes runs every entry point on problems with a zero
// dimension or no pattern entries: nothing to optimize, E = ‖X‖², and no
// panic, NaN or convergence claim anywhere.
func TestZeroSizes(t *testing.T) {
	for _, test := range []struct {
		n, m, r, c int
		nnz        bool // one pattern entry at (0, 0) if possible
	}{
		{0, 0, 0, 0, false},
		{0, 3, 2, 2, false},
		{3, 0, 2, 2, false},
		{3, 2, 0, 2, true},
		{3, 2, 2, 0, true},
		{3, 2, 2, 2, false},
		{1, 1, 1, 1, false},
	} {
		name := fmt.Sprintf("n%d m%d r%d c%d nnz%v", test.n, test.m, test.r, test.c, test.nnz)
		t.Run(name, func(t *testing.T) {
			var I, J []int
			if test.nnz {
				I, J = []int{0}, []int{0}
			}
			pat, err := sparsels.NewPattern(test.n, test.m, I, J)
			if err != nil {
				t.Fatal(err)
			}
			// X is all twos where it has entries, so E = 4·r·c when G has no
			// influence.
			var X mat.Matrix = zeroMatrix{test.r, test.c}
			wantE := 0.0
			if test.r > 0 && test.c > 0 {
				d := mat.NewDense(test.r, test.c, nil)
				for i := 0; i < test.r; i++ {
					for j := 0; j < test.c; j++ {
						d.Set(i, j, 2)
					}
				}
				X, wantE = d, float64(4*test.r*test.c)
			}
			var Y, L, B mat.Matrix = zeroMatrix{test.r, test.m}, zeroMatrix{test.n, test.n}, zeroMatrix{test.m, test.c}
			if test.r > 0 && test.m > 0 {
				Y = mat.NewDense(test.r, test.m, nil)
				Y.(*mat.Dense).Set(0, 0, 1)
			}
			if test.n > 0 {
				L = mat.NewDiagDense(test.n, nil)
				L.(*mat.DiagDense).SetDiag(0, 1)
			}
			if test.m > 0 && test.c > 0 {
				B = mat.NewDense(test.m, test.c, nil)
				B.(*mat.Dense).Set(0, 0, 1)
			}
			p, err := sparsels.NewProblem(X, Y, L, B, pat)
			if err != nil {
				t.Fatal(err)
			}
			nnz := pat.NNZ()
			g := make([]float64, nnz)
			noPanic(t, "evaluations", func() {
				if e := p.Energy(g); e != wantE {
					t.Errorf("Energy = %v, want %v", e, wantE)
				}
				e, grad := p.EnergyGradient(nil, g)
				if e != wantE || len(grad) != nnz {
					t.Errorf("EnergyGradient = %v, %v", e, grad)
				}
				for _, v := range p.Gradient(nil, g) {
					if v != 0 {
						t.Errorf("gradient %v at g = 0", v)
					}
				}
				if test.r > 0 && test.c > 0 {
					var f mat.Dense
					p.Residual(&f, g)
				}
				var dj, dh mat.SymDense
				p.GaussNewton(&dj, g)
				p.Hessian(&dh, g)
				var jac mat.Dense
				p.Jacobian(&jac, g)
				p.GaussNewtonDiag(nil, g)
				p.GaussNewtonBlocks(nil, g)
				op := p.JacobianOperator(g)
				if op.Energy() != wantE {
					t.Errorf("operator energy %v, want %v", op.Energy(), wantE)
				}
				rows, cols := op.Dims()
				op.MulVecTo(make([]float64, rows), false, make([]float64, cols))
				op.MulVecTo(make([]float64, cols), true, make([]float64, rows))
				op.GaussNewtonMulVecTo(make([]float64, cols), make([]float64, cols))
				op.HessianMulVecTo(make([]float64, cols), make([]float64, cols))
			})
			for _, mt := range methodSolvers {
				set := &sparsels.Settings{Method: mt.m, Linear: mt.l}
				var res *sparsels.Result
				noPanic(t, "Solve", func() { res, err = sparsels.Solve(context.Background(), p, g, set) })
				if err != nil {
					t.Errorf("%v/%v: %v", mt.m, mt.l, err)
					continue
				}
				checkSolveContract(t, fmt.Sprintf("%v/%v", mt.m, mt.l), p, set, res)
				if res.Energy != wantE {
					t.Errorf("%v/%v: energy %v, want %v", mt.m, mt.l, res.Energy, wantE)
				}
				if res.Status != sparsels.StationaryStart && res.Status != sparsels.GradientConvergence {
					t.Errorf("%v/%v: status %v (%s), want a stationary start or a zero gradient", mt.m, mt.l, res.Status, res.Reason)
				}
			}
		})
	}
}

// TestResidualWithoutRows checks that Residual accepts r = 0 (an empty
// residual) without a panic.
func TestResidualWithoutRows(t *testing.T) {
	pat, _ := sparsels.NewPattern(3, 2, []int{0}, []int{0})
	p, err := sparsels.NewProblem(zeroMatrix{0, 2}, zeroMatrix{0, 2}, mat.NewDiagDense(3, []float64{1, 1, 1}), mat.NewDense(2, 2, []float64{1, 0, 0, 1}), pat)
	if err != nil {
		t.Fatal(err)
	}
	noPanic(t, "Residual with r = 0", func() {
		var f mat.Dense
		p.Residual(&f, []float64{1})
	})
}

// TestDerivativesDegenerateStructure compares every evaluation with the dense
// reference on patterns with an empty row and an empty column, L with empty
// (all-zero) rows and columns, Y with a zero column and duplicated columns,
// and B with a zero row.
func TestDerivativesDegenerateStructure(t *testing.T) {
	ap := randomSmallProblem(3, 6, 4, 5, 3, 2)
	// Row 2 and column 3 of G are empty.
	var I, J []int
	for k := range ap.I {
		if ap.I[k] != 2 && ap.J[k] != 3 {
			I = append(I, ap.I[k])
			J = append(J, ap.J[k])
		}
	}
	for i := 0; i < 6; i++ { // L row and column 4 are zero
		ap.L.Set(4, i, 0)
		ap.L.Set(i, 4, 0)
	}
	for i := 0; i < 5; i++ { // Y column 1 zero, column 2 = column 0
		ap.Y.Set(i, 1, 0)
		ap.Y.Set(i, 2, ap.Y.At(i, 0))
	}
	ap.B.Set(0, 0, 0) // B row 0 zero
	ap.B.Set(0, 1, 0)
	ap.B.Set(0, 2, 0)
	pat, err := sparsels.NewPattern(6, 4, I, J)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sparsels.NewProblem(ap.X, ap.Y, testprob.Store(testprob.CSR, ap.L, nil), ap.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	ref := newDenseRef(ap.X, ap.Y, ap.L, ap.B, pat)
	rng := rand.New(rand.NewPCG(4, 4))
	g := make([]float64, pat.NNZ())
	for k := range g {
		g[k] = rng.NormFloat64()
	}
	const tol = 1e-12
	if e, want := p.Energy(g), ref.E(g); math.Abs(e-want) > tol*want {
		t.Errorf("Energy %v, reference %v", e, want)
	}
	if d := relDiff(p.Gradient(nil, g), ref.Grad(g)); d > tol {
		t.Errorf("Gradient differs by %g", d)
	}
	var f mat.Dense
	p.Residual(&f, g)
	if d := relDiffMat(&f, ref.F(g)); d > tol {
		t.Errorf("Residual differs by %g", d)
	}
	var jac mat.Dense
	p.Jacobian(&jac, g)
	Jref := ref.Jac(g)
	if d := relDiffMat(&jac, Jref); d > tol {
		t.Errorf("Jacobian differs by %g", d)
	}
	var jtj mat.SymDense
	jtj.SymOuterK(1, Jref.T())
	var gn mat.SymDense
	p.GaussNewton(&gn, g)
	if d := relDiffMat(&gn, &jtj); d > tol {
		t.Errorf("GaussNewton differs by %g", d)
	}
	diag := p.GaussNewtonDiag(nil, g)
	for k := range diag {
		if math.Abs(diag[k]-jtj.At(k, k)) > tol*math.Max(jtj.At(k, k), 1) {
			t.Errorf("GaussNewtonDiag[%d] = %v, want %v", k, diag[k], jtj.At(k, k))
		}
	}
	blocks := p.GaussNewtonBlocks(nil, g)
	for a := 0; a < 6; a++ {
		idx := pat.RowIndices(a)
		blk := blocks.Block(a)
		if a == 2 && len(idx) != 0 {
			t.Errorf("empty row 2 has %d entries", len(idx))
		}
		for x, k := range idx {
			for y, l := range idx {
				if math.Abs(blk[x*len(idx)+y]-jtj.At(k, l)) > tol*math.Max(math.Abs(jtj.At(k, l)), 1) {
					t.Errorf("block %d (%d, %d) = %v, want %v", a, x, y, blk[x*len(idx)+y], jtj.At(k, l))
				}
			}
		}
	}
	var hs mat.SymDense
	p.Hessian(&hs, g)
	if d := relDiffMat(&hs, ref.Hess(g)); d > 1e-11 {
		t.Errorf("Hessian differs by %g", d)
	}
	op := p.JacobianOperator(g)
	x := make([]float64, pat.NNZ())
	for k := range x {
		x[k] = rng.NormFloat64()
	}
	hx := make([]float64, len(x))
	op.HessianMulVecTo(hx, x)
	want := mat.NewVecDense(len(x), nil)
	want.MulVec(ref.Hess(g), mat.NewVecDense(len(x), x))
	if d := relDiff(hx, want.RawVector().Data); d > 1e-11 {
		t.Errorf("HessianMulVecTo differs by %g", d)
	}
}

// degenerateCase is a degenerate problem of TestSolveDegenerateProblems
// with what its result must show.
type degenerateCase struct {
	name       string
	p          *sparsels.Problem
	g0         []float64
	cons       bool    // add row-sum constraints
	lambda     float64 // Tikhonov weight
	stationary bool    // the start must be reported as stationary
	zeroRes    bool    // the start is a zero-residual minimum
}

// degenerateCases returns the degenerate problems, all variants of one
// random problem: a zero start, zero operands, zero and duplicated columns
// or rows, a rank-one L, constraints, a Tikhonov term and a zero-residual
// start.
func degenerateCases(t *testing.T) []degenerateCase {
	var cases []degenerateCase
	add := func(name string, mod func(ap *smallProblem), g0 func(ap *smallProblem) []float64, c degenerateCase) {
		ap := randomSmallProblem(11, 7, 4, 4, 3, 2)
		if mod != nil {
			mod(ap)
		}
		c.name = name
		c.p = ap.problem(t, ap.pattern(t))
		c.g0 = ap.g0
		if g0 != nil {
			c.g0 = g0(ap)
		}
		cases = append(cases, c)
	}
	zeroCol := func(d *mat.Dense, j int) {
		r, _ := d.Dims()
		for i := 0; i < r; i++ {
			d.Set(i, j, 0)
		}
	}
	zeroRow := func(d *mat.Dense, i int) {
		_, c := d.Dims()
		for j := 0; j < c; j++ {
			d.Set(i, j, 0)
		}
	}
	add("plain", nil, nil, degenerateCase{})
	add("g0 = 0", nil, func(ap *smallProblem) []float64 { return make([]float64, len(ap.g0)) }, degenerateCase{stationary: true})
	add("Y = 0", func(ap *smallProblem) { ap.Y.Zero() }, nil, degenerateCase{stationary: true})
	add("B = 0", func(ap *smallProblem) { ap.B.Zero() }, nil, degenerateCase{stationary: true})
	add("L = 0", func(ap *smallProblem) { ap.L.Zero() }, nil, degenerateCase{stationary: true})
	add("X = 0", func(ap *smallProblem) { ap.X.Zero() }, nil, degenerateCase{})
	add("Y zero column", func(ap *smallProblem) { zeroCol(ap.Y, 1) }, nil, degenerateCase{})
	add("Y duplicated columns", func(ap *smallProblem) {
		r, _ := ap.Y.Dims()
		for i := 0; i < r; i++ {
			ap.Y.Set(i, 3, ap.Y.At(i, 2))
			ap.Y.Set(i, 1, ap.Y.At(i, 0))
		}
	}, nil, degenerateCase{})
	add("B zero rows", func(ap *smallProblem) { zeroRow(ap.B, 0); zeroRow(ap.B, 2) }, nil, degenerateCase{})
	add("L rank one", func(ap *smallProblem) {
		n, _ := ap.L.Dims()
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				ap.L.Set(i, j, float64((i%2)*(j%2)))
			}
		}
	}, nil, degenerateCase{})
	add("constrained", nil, nil, degenerateCase{cons: true})
	add("constrained, Y rank deficient", func(ap *smallProblem) { zeroCol(ap.Y, 2) }, nil, degenerateCase{cons: true})
	add("Tikhonov", nil, nil, degenerateCase{lambda: 1e-2})
	add("zero residual start", func(ap *smallProblem) {
		ref := newDenseRef(ap.X, ap.Y, ap.L, ap.B, ap.pattern(t))
		var ys, x mat.Dense
		ys.Mul(ap.Y, ref.S(ref.G(ap.g0)))
		x.Mul(&ys, ap.B)
		ap.X.Copy(&x)
	}, nil, degenerateCase{zeroRes: true})
	return cases
}

// TestSolveDegenerateProblems runs every method and linear solver on degenerate
// problems (rank-deficient and singular normal equations, stationary and
// optimal starts) and checks the contract of each result.
func TestSolveDegenerateProblems(t *testing.T) {
	for _, c := range degenerateCases(t) {
		for _, mt := range methodSolvers {
			what := fmt.Sprintf("%s %v/%v", c.name, mt.m, mt.l)
			set := &sparsels.Settings{Method: mt.m, Linear: mt.l, Lambda: c.lambda, MaxIterations: 60}
			if mt.m == sparsels.NAdam || mt.m == sparsels.LBFGS {
				set.MaxIterations = 400
			}
			if c.cons {
				cs, err := sparsels.RowSumConstraints(c.p.Pattern())
				if err != nil {
					t.Fatal(err)
				}
				set.Constraints = cs
			}
			var res *sparsels.Result
			var err error
			noPanic(t, what, func() { res, err = sparsels.Solve(context.Background(), c.p, c.g0, set) })
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			checkSolveContract(t, what, c.p, set, res)
			switch {
			case c.stationary && res.Status != sparsels.StationaryStart:
				t.Errorf("%s: status %v (%s), want StationaryStart", what, res.Status, res.Reason)
			case !c.stationary && res.Status == sparsels.StationaryStart:
				t.Errorf("%s: spurious StationaryStart", what)
			case c.zeroRes && !(res.Energy <= res.InitialEnergy && res.Energy < 1e-20):
				t.Errorf("%s: energy %g from a zero-residual start", what, res.Energy)
			case !c.stationary && !c.zeroRes && !(res.Energy < res.InitialEnergy):
				t.Errorf("%s: no decrease from %g (status %v)", what, res.InitialEnergy, res.Status)
			}
			if res.Status == sparsels.NotTerminated {
				t.Errorf("%s: NotTerminated", what)
			}
		}
	}
}
