package sparsels

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/relax"
	"github.com/sparsels/sparsels/internal/testprob"
)

// boundSpec describes a small random problem for the bound tests.
type boundSpec struct {
	name      string
	n, m, c   int
	symmetric bool    // L a weighted graph Laplacian (else a random non-symmetric L)
	denseY    bool    // Y dense (else diagonal)
	noise     float64 // X = Y GᵀLG B + noise·(uniform in [-1, 1]) at a feasible G
	seed      uint64
}

// boundInstance is a problem of a boundSpec with dense copies of its
// operands for reference computations.
type boundInstance struct {
	p        *Problem
	pat      *Pattern
	cs       *Constraints // rows summing to 1
	gTrue    []float64    // rows summing to 1
	X, Y, L  *mat.Dense
	B        *mat.Dense
	rows, cl []int
}

func newBoundInstance(t *testing.T, s boundSpec) *boundInstance {
	t.Helper()
	rng := rand.New(rand.NewPCG(s.seed, 7))
	u := func() float64 { return 2*rng.Float64() - 1 }
	n, m, c := s.n, s.m, s.c
	L := mat.NewDense(n, n, nil)
	if s.symmetric {
		// A ring plus random chords, weights in [0.5, 1.5].
		edge := func(i, j int) {
			if i == j || L.At(i, j) != 0 {
				return
			}
			w := 0.5 + rng.Float64()
			L.Set(i, j, -w)
			L.Set(j, i, -w)
			L.Set(i, i, L.At(i, i)+w)
			L.Set(j, j, L.At(j, j)+w)
		}
		for i := 0; i < n; i++ {
			edge(i, (i+1)%n)
			edge(i, (i+2+rng.IntN(4))%n)
		}
	} else {
		for i := 0; i < n; i++ {
			L.Set(i, i, 2+rng.Float64())
			L.Set(i, (i+1)%n, u())
			L.Set(i, (i+2+rng.IntN(4))%n, u())
		}
	}
	// Pattern: cluster column i%m and one or two nearby ones per row.
	var rows, cols []int
	for i := 0; i < n; i++ {
		seen := map[int]bool{}
		for _, j := range []int{i % m, (i + 1 + rng.IntN(2)) % m, (i + m - 1) % m}[:2+rng.IntN(2)] {
			if !seen[j] {
				seen[j] = true
				rows, cols = append(rows, i), append(cols, j)
			}
		}
	}
	pat, err := NewPattern(n, m, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, len(rows))
	for k := range g {
		g[k] = rng.Float64()
	}
	cs.Project(g, g)
	Y := mat.NewDense(m, m, nil)
	for a := 0; a < m; a++ {
		Y.Set(a, a, 0.5+rng.Float64())
		if s.denseY {
			for b := 0; b < m; b++ {
				if b != a {
					Y.Set(a, b, 0.3*u())
				}
			}
		}
	}
	B := mat.NewDense(m, c, nil)
	for a := 0; a < m; a++ {
		for q := 0; q < c; q++ {
			B.Set(a, q, u())
		}
	}
	X := denseEnergyProduct(Y, L, B, pat, g)
	for a := 0; a < m; a++ {
		for q := 0; q < c; q++ {
			X.Set(a, q, X.At(a, q)+s.noise*u())
		}
	}
	var yArg mat.Matrix = Y
	if !s.denseY {
		d := make([]float64, m)
		for a := range d {
			d[a] = Y.At(a, a)
		}
		yArg = mat.NewDiagDense(m, d)
	}
	p, err := NewProblem(X, yArg, L, B, pat)
	if err != nil {
		t.Fatal(err)
	}
	return &boundInstance{p: p, pat: pat, cs: cs, gTrue: g, X: X, Y: Y, L: L, B: B, rows: rows, cl: cols}
}

// denseEnergyProduct returns Y GᵀLG B with dense matrices.
func denseEnergyProduct(Y, L, B *mat.Dense, pat *Pattern, g []float64) *mat.Dense {
	n, m := pat.Dims()
	G := mat.NewDense(n, m, nil)
	for k, v := range g {
		i, j := pat.Subscripts(k)
		G.Set(i, j, v)
	}
	var s, t mat.Dense
	s.Mul(G.T(), L)
	t.Mul(&s, G)
	var u, x mat.Dense
	u.Mul(Y, &t)
	x.Mul(&u, B)
	return &x
}

// referenceRelaxation returns min ‖X − Y S B‖²_F over the relaxation of
// the given kind, computed densely: the coarse pattern from Hᵀ|L|H, one
// explicit column vec(Y E B) per basis matrix E, and the least-squares
// residual through an SVD of that matrix.
func referenceRelaxation(bi *boundInstance, kind BoundKind) float64 {
	n, m := bi.pat.Dims()
	r, c := bi.X.Dims()
	H := mat.NewDense(n, m, nil)
	for k := range bi.rows {
		H.Set(bi.rows[k], bi.cl[k], 1)
	}
	absL := mat.NewDense(n, n, nil)
	absL.Apply(func(_, _ int, v float64) float64 { return math.Abs(v) }, bi.L)
	var t1, P mat.Dense
	t1.Mul(H.T(), absL)
	P.Mul(&t1, H)
	on := func(a, b int) bool { return P.At(a, b) != 0 }
	var basis []*mat.Dense
	for a := 0; a < m; a++ {
		for b := 0; b < m; b++ {
			if !on(a, b) {
				continue
			}
			E := mat.NewDense(m, m, nil)
			switch {
			case kind == BoundGeneral:
				E.Set(a, b, 1)
			case b < a || (b == a && kind == BoundNullVector):
				continue
			case b == a:
				E.Set(a, a, 1)
			default:
				E.Set(a, b, 1)
				E.Set(b, a, 1)
				if kind == BoundNullVector {
					E.Set(a, a, -1)
					E.Set(b, b, -1)
				}
			}
			basis = append(basis, E)
		}
	}
	A := mat.NewDense(r*c, len(basis), nil)
	for j, E := range basis {
		var t2, t3 mat.Dense
		t2.Mul(bi.Y, E)
		t3.Mul(&t2, bi.B)
		for i := 0; i < r; i++ {
			for q := 0; q < c; q++ {
				A.Set(i*c+q, j, t3.At(i, q))
			}
		}
	}
	x := mat.NewVecDense(r*c, nil)
	for i := 0; i < r; i++ {
		for q := 0; q < c; q++ {
			x.SetVec(i*c+q, bi.X.At(i, q))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(A, mat.SVDThin) {
		panic("SVD failed")
	}
	sv := svd.Values(nil)
	var U mat.Dense
	svd.UTo(&U)
	rank := 0
	for _, v := range sv {
		if v > 1e-11*sv[0] {
			rank++
		}
	}
	Ur := U.Slice(0, r*c, 0, rank)
	var coef, proj mat.VecDense
	coef.MulVec(Ur.T(), x)
	proj.MulVec(Ur, &coef)
	proj.SubVec(x, &proj)
	return mat.Dot(&proj, &proj)
}

var boundSpecs = []boundSpec{
	{name: "sym/diagY", n: 40, m: 8, c: 3, symmetric: true, noise: 0.3, seed: 1},
	{name: "sym/denseY", n: 40, m: 8, c: 3, symmetric: true, denseY: true, noise: 0.3, seed: 2},
	{name: "sym/wide", n: 60, m: 10, c: 12, symmetric: true, noise: 0.3, seed: 3},
	{name: "sym/sparseP", n: 200, m: 40, c: 6, symmetric: true, denseY: true, noise: 0.1, seed: 6},
	{name: "nonsym/sparseP", n: 200, m: 40, c: 12, noise: 0.1, seed: 7},
	{name: "nonsym/diagY", n: 40, m: 6, c: 10, noise: 0.3, seed: 4},
	{name: "nonsym/denseY", n: 30, m: 5, c: 8, denseY: true, noise: 0.3, seed: 5},
}

// TestLowerBoundReference compares the relaxation's minimum with a dense
// least-squares reference, for every kind a problem admits.
func TestLowerBoundReference(t *testing.T) {
	for _, s := range boundSpecs {
		bi := newBoundInstance(t, s)
		for _, withCons := range []bool{false, true} {
			var cs *Constraints
			want := BoundGeneral
			if s.symmetric {
				want = BoundSymmetric
			}
			if withCons {
				cs = bi.cs
				if s.symmetric {
					want = BoundNullVector
				}
			}
			bd, err := LowerBound(context.Background(), bi.p, cs, &BoundSettings{Tolerance: 1e-13})
			if err != nil {
				t.Fatal(err)
			}
			if bd.Kind != want {
				t.Errorf("%s, constraints %v: kind %v, want %v", s.name, withCons, bd.Kind, want)
			}
			ref := referenceRelaxation(bi, bd.Kind)
			if !bd.Converged || math.Abs(bd.Relaxed-ref) > 1e-10*ref {
				t.Errorf("%s, %v: relaxed minimum %.15g, dense reference %.15g (converged %v, %d iterations)",
					s.name, bd.Kind, bd.Relaxed, ref, bd.Converged, bd.Iterations)
			}
			if bd.Plain > ref || bd.Plain < ref*(1-1e-8) {
				t.Errorf("%s, %v: plain bound %.15g, reference minimum %.15g (estimate %g)", s.name, bd.Kind, bd.Plain, ref, bd.ErrorEstimate)
			}
		}
	}
}

// TestLowerBoundBelowEnergy checks the bound against E at random feasible
// points, at the point X was built from and at a solver's result.
func TestLowerBoundBelowEnergy(t *testing.T) {
	for _, s := range boundSpecs {
		bi := newBoundInstance(t, s)
		rng := rand.New(rand.NewPCG(s.seed, 99))
		for _, cs := range []*Constraints{nil, bi.cs} {
			bd, err := LowerBound(context.Background(), bi.p, cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !(bd.Value > 0) {
				t.Errorf("%s, %v: bound %g, want > 0 with noisy data", s.name, bd.Kind, bd.Value)
			}
			check := func(what string, g []float64) {
				if e := bi.p.Energy(g); e < bd.Value {
					t.Errorf("%s, %v: E = %.15g at %s, below the bound %.15g", s.name, bd.Kind, e, what, bd.Value)
				}
			}
			check("the generating G", bi.gTrue)
			g := make([]float64, bi.pat.NNZ())
			for trial := 0; trial < 40; trial++ {
				for k := range g {
					g[k] = bi.gTrue[k] + 0.3*(2*rng.Float64()-1)
				}
				if cs != nil {
					cs.Project(g, g)
				}
				check("a random feasible G", g)
			}
			res, err := Solve(context.Background(), bi.p, bi.gTrue, &Settings{Constraints: cs, MaxIterations: 30, TimeLimit: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			check("the solver's result", res.G)
		}
	}
}

// TestLowerBoundZeroResidual checks that the bound is zero, and reached, on
// coarsening problems with X = Y GᵀLG B at a known feasible G.
func TestLowerBoundZeroResidual(t *testing.T) {
	for _, denseY := range []bool{false, true} {
		inst := testprob.Coarsening(300, 30, 8, denseY, 3)
		pat, err := NewPattern(300, 30, inst.I, inst.J)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := RowSumConstraints(pat)
		if err != nil {
			t.Fatal(err)
		}
		bd, err := LowerBound(context.Background(), p, cs, nil)
		if err != nil {
			t.Fatal(err)
		}
		x2 := mat.Norm(inst.X, 2)
		x2 *= x2
		e := p.Energy(inst.GTrue)
		if bd.Kind != BoundNullVector || !bd.Converged {
			t.Errorf("denseY %v: kind %v, converged %v", denseY, bd.Kind, bd.Converged)
		}
		if bd.Value < 0 || bd.Value > e || bd.Relaxed > 1e-12*x2 || e-bd.Value > 1e-12*x2 {
			t.Errorf("denseY %v: bound %g, relaxed %g, E(G) %g, ‖X‖² %g", denseY, bd.Value, bd.Relaxed, e, x2)
		}
	}
}

// TestLowerBoundKinds checks which structure of S is used.
func TestLowerBoundKinds(t *testing.T) {
	bi := newBoundInstance(t, boundSpecs[0])
	n, m := bi.pat.Dims()
	two := mat.NewDense(m, 2, nil)
	twoD := mat.NewDense(n, 2, nil)
	for a := 0; a < m; a++ {
		two.Set(a, 0, 1)
	}
	for i := 0; i < n; i++ {
		twoD.Set(i, 0, 1)
	}
	c := mat.NewDense(m, 1, nil)
	d := mat.NewDense(n, 1, nil)
	for a := 0; a < m; a++ {
		c.Set(a, 0, 1)
	}
	for i := 0; i < n; i++ {
		d.Set(i, 0, 1+float64(i%3)) // L·d ≠ 0
	}
	csTwo, err := NewConstraints(bi.pat, two, twoD)
	if err != nil {
		t.Fatal(err)
	}
	csBad, err := NewConstraints(bi.pat, c, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cs   *Constraints
		want BoundKind
		note string
	}{
		{"none", nil, BoundSymmetric, "no constraints"},
		{"row sums", bi.cs, BoundNullVector, "L·d = 0"},
		{"two equations", csTwo, BoundSymmetric, "2 equations per row"},
		{"L·d ≠ 0", csBad, BoundSymmetric, "is not zero"},
	} {
		bd, err := LowerBound(context.Background(), bi.p, tc.cs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bd.Kind != tc.want || !strings.Contains(bd.Notes, tc.note) {
			t.Errorf("%s: kind %v (%s), want %v and a note with %q", tc.name, bd.Kind, bd.Notes, tc.want, tc.note)
		}
		if e := bi.p.Energy(bi.gTrue); tc.cs != nil && e < bd.Value {
			t.Errorf("%s: E %g below the bound %g", tc.name, e, bd.Value)
		}
	}
}

func TestLowerBoundErrors(t *testing.T) {
	bi := newBoundInstance(t, boundSpecs[0])
	other := newBoundInstance(t, boundSpecs[1])
	if _, err := LowerBound(context.Background(), bi.p, other.cs, nil); err == nil {
		t.Error("constraints of another pattern: no error")
	}
	if _, err := LowerBound(context.Background(), nil, bi.cs, nil); err == nil || !strings.Contains(err.Error(), "nil problem") {
		t.Errorf("nil problem: error %v", err)
	}
	if bd, err := LowerBound(nil, bi.p, bi.cs, nil); err != nil || bd == nil || !bd.Converged {
		t.Errorf("nil context: bound %+v, error %v", bd, err)
	}
	for _, tc := range []struct {
		field string
		set   BoundSettings
	}{
		{"Tolerance", BoundSettings{Tolerance: -1e-10}},
		{"Tolerance", BoundSettings{Tolerance: math.NaN()}},
		{"MaxIterations", BoundSettings{MaxIterations: -1}},
		{"PSDIterations", BoundSettings{PSD: true, PSDIterations: -1}},
	} {
		if bd, err := LowerBound(context.Background(), bi.p, bi.cs, &tc.set); bd != nil || err == nil || !strings.Contains(err.Error(), "BoundSettings."+tc.field) {
			t.Errorf("%+v: bound %v, error %v", tc.set, bd, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bd, err := LowerBound(ctx, bi.p, bi.cs, nil)
	if !errors.Is(err, context.Canceled) || bd == nil || bd.Value != 0 || bd.Converged {
		t.Errorf("cancelled: bound %+v, error %v", bd, err)
	}
}

// relaxedMinEigenvalue returns the smallest eigenvalue of the relaxation's
// computed minimizer S for the problem and constraints.
func relaxedMinEigenvalue(t *testing.T, p *Problem, cs *Constraints) float64 {
	t.Helper()
	ptr, ind := coarsePattern(p)
	kind, nv, _ := boundKind(p, cs, ptr, ind)
	rx := relax.New(relaxData(p), relaxKind[kind], ptr, ind, nv)
	s, err := rx.Solve(context.Background(), &relax.Result{}, &relax.Settings{Tolerance: 1e-12, MaxIterations: 5000})
	if err != nil {
		t.Fatal(err)
	}
	sv := make([]float64, len(ind))
	rx.MatrixValues(sv, s)
	S := mat.NewSymDense(p.m, nil)
	for a := 0; a < p.m; a++ {
		for k := ptr[a]; k < ptr[a+1]; k++ {
			S.SetSym(a, ind[k], sv[k])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(S, false) {
		t.Fatal("EigenSym failed")
	}
	return es.Values(nil)[0]
}

// TestLowerBoundPSD checks the positive semidefinite estimate: at least the
// plain bound, strictly above it when the relaxed minimizer is indefinite,
// and below E at the solver's result (every GᵀLG is positive semidefinite).
func TestLowerBoundPSD(t *testing.T) {
	for _, s := range []boundSpec{
		{name: "diagY", n: 60, m: 12, c: 16, symmetric: true, noise: 3, seed: 11},
		{name: "denseY", n: 60, m: 12, c: 16, symmetric: true, denseY: true, noise: 3, seed: 12},
	} {
		bi := newBoundInstance(t, s)
		for _, cs := range []*Constraints{nil, bi.cs} {
			bd, err := LowerBound(context.Background(), bi.p, cs, &BoundSettings{PSD: true, PSDIterations: 2000})
			if err != nil {
				t.Fatal(err)
			}
			lmin := relaxedMinEigenvalue(t, bi.p, cs)
			res, err := Solve(context.Background(), bi.p, bi.gTrue, &Settings{Constraints: cs, MaxIterations: 100, TimeLimit: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %v: plain %.6g, PSD %.6g (residual %.2g, %d iterations), E %.6g, λ_min(S*) %.3g",
				s.name, bd.Kind, bd.Plain, bd.PSD, bd.PSDResidual, bd.PSDIterations, res.Energy, lmin)
			if !(bd.PSD >= bd.Plain) || bd.PSD > res.Energy*(1+1e-6) || bd.PSDResidual > 1e-5 {
				t.Errorf("%s, %v: plain %g, PSD %g (residual %g), E at the solver's result %g", s.name, bd.Kind, bd.Plain, bd.PSD, bd.PSDResidual, res.Energy)
			}
			if lmin < -1e-6 && !(bd.PSD > bd.Plain*(1+1e-6)) {
				t.Errorf("%s, %v: S* has eigenvalue %g but the PSD estimate %g does not exceed the plain bound %g", s.name, bd.Kind, lmin, bd.PSD, bd.Plain)
			}
		}
	}
}

// TestLowerBoundEmptyPattern: with no pattern entries S = 0, so the bound
// is ‖X‖² and reached.
func TestLowerBoundEmptyPattern(t *testing.T) {
	pat, err := NewPattern(4, 2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	L := mat.NewDense(4, 4, []float64{1, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 1})
	X := mat.NewDense(2, 1, []float64{3, 4})
	p, err := NewProblem(X, mat.NewDiagDense(2, []float64{1, 1}), L, mat.NewDense(2, 1, []float64{1, 1}), pat)
	if err != nil {
		t.Fatal(err)
	}
	bd, err := LowerBound(context.Background(), p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bd.Unknowns != 0 || math.Abs(bd.Value-25) > 1e-12 || bd.Value > p.Energy(nil) {
		t.Errorf("empty pattern: %d unknowns, bound %g, want 25", bd.Unknowns, bd.Value)
	}
}
