package sparsels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/testprob"
)

// This file holds a dense brute-force model of the problem
//
//	E(g) = ||f||_F²,  f = X - Y Gᵀ L G B,
//
// written without reference to the implementation: every operand is copied to a *mat.Dense
// through At, G is assembled densely from the subscripts, and all derivatives come from textbook
// formulas on dense matrices (Kronecker products and the commutation matrix for the Jacobian,
// unit matrices for the second derivatives). Its own correctness is checked by
// TestReferenceScalar (hand-computed values), TestReferenceAgainstFiniteDifferences and
// TestReferenceConsistency.

// refProblem is the dense copy of a problem.
type refProblem struct {
	n, m, r, c int
	X, Y, L, B *mat.Dense
	I, J       []int
}

// toDense copies a to a new *mat.Dense through At (COO duplicates are summed by At).
func toDense(a mat.Matrix) *mat.Dense {
	r, c := a.Dims()
	d := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			d.Set(i, j, a.At(i, j))
		}
	}
	return d
}

func absDense(a *mat.Dense) *mat.Dense {
	var d mat.Dense
	d.Apply(func(_, _ int, v float64) float64 { return math.Abs(v) }, a)
	return &d
}

func newRef(inst *testprob.Instance) *refProblem {
	rp := &refProblem{
		X: toDense(inst.X), Y: toDense(inst.Y), L: toDense(inst.L), B: toDense(inst.B),
		I: inst.I, J: inst.J,
	}
	rp.n, _ = rp.L.Dims()
	rp.r, rp.m = rp.Y.Dims()
	_, rp.c = rp.B.Dims()
	return rp
}

// absolute returns the problem with every operand replaced by its entrywise absolute value.
func (rp *refProblem) absolute() *refProblem {
	q := *rp
	q.X, q.Y, q.L, q.B = absDense(rp.X), absDense(rp.Y), absDense(rp.L), absDense(rp.B)
	return &q
}

// refEval holds the reference quantities at one point g.
type refEval struct {
	G    *mat.Dense // n×m
	F    *mat.Dense // r×c residual
	E    float64    // ||F||_F²
	Jac  *mat.Dense // (r c)×nnz, d vec(F)/dg
	Grad []float64  // 2 Jᵀ vec(F)
	// GradDense is the gradient from the matrix formula 2 sgn (L G B Fᵀ Y + Lᵀ G Yᵀ F Bᵀ),
	// sampled at the pattern.
	GradDense []float64
	GN        *mat.Dense // Jᵀ J
	S         *mat.Dense // S_kl = <F, d²F/dg_k dg_l>
	Hess      *mat.Dense // 2 (GN + S)
}

// eval returns the reference quantities at g.
func (rp *refProblem) eval(g []float64) *refEval { return rp.evalSigned(g, -1) }

// bound returns the same quantities computed from the absolute values of all operands and of g,
// with every minus sign turned into a plus. Each entry of a bound is the sum of the absolute
// values of the terms that make up the corresponding entry of eval, so its norm is the honest
// scale for the rounding error of any algorithm that sums those terms.
func (rp *refProblem) bound(g []float64) *refEval {
	ag := make([]float64, len(g))
	for k, v := range g {
		ag[k] = math.Abs(v)
	}
	return rp.absolute().evalSigned(ag, +1)
}

// denseG returns G = sparse(I, J, g) as a dense n×m matrix.
func (rp *refProblem) denseG(g []float64) *mat.Dense {
	G := mat.NewDense(rp.n, rp.m, nil)
	for k, v := range g {
		G.Set(rp.I[k], rp.J[k], v)
	}
	return G
}

// chain returns the product a[0] a[1] ... as a new matrix.
func chain(a ...mat.Matrix) *mat.Dense {
	p := mat.DenseCopyOf(a[0])
	for _, b := range a[1:] {
		var q mat.Dense
		q.Mul(p, b)
		p = &q
	}
	return p
}

// residual returns X + sgn Y Gᵀ L G B.
func (rp *refProblem) residual(G *mat.Dense, sgn float64) *mat.Dense {
	p := chain(rp.Y, G.T(), rp.L, G, rp.B)
	var f mat.Dense
	f.Scale(sgn, p)
	f.Add(rp.X, &f)
	return &f
}

// frobDot returns the Frobenius inner product sum_ij a_ij b_ij of two matrices of equal size.
func frobDot(a, b mat.Matrix) float64 {
	return floats.Dot(vec(a), vec(b))
}

// kron returns the Kronecker product a ⊗ b.
func kron(a, b mat.Matrix) *mat.Dense {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	k := mat.NewDense(ar*br, ac*bc, nil)
	for i := range ar {
		for j := range ac {
			aij := a.At(i, j)
			for p := range br {
				for q := range bc {
					k.Set(i*br+p, j*bc+q, aij*b.At(p, q))
				}
			}
		}
	}
	return k
}

// commutation returns K_{n,m}, the (n m)×(n m) permutation with vec(Aᵀ) = K vec(A) for an n×m
// matrix A (column-major vec: vec(A)[a + b n] = A[a, b], vec(Aᵀ)[b + a m] = A[a, b]).
func commutation(n, m int) *mat.Dense {
	K := mat.NewDense(n*m, n*m, nil)
	for a := range n {
		for b := range m {
			K.Set(b+a*m, a+b*n, 1)
		}
	}
	return K
}

// vec returns the column-major vectorisation of a.
func vec(a mat.Matrix) []float64 {
	r, c := a.Dims()
	v := make([]float64, r*c)
	for q := range c {
		for p := range r {
			v[p+q*r] = a.At(p, q)
		}
	}
	return v
}

// fullJacobian returns d vec(X + sgn Y Gᵀ L G B) / d vec(G), an (r c)×(n m) matrix, by
//
//	d vec(Y Gᵀ L G B) = (Bᵀ ⊗ Y) vec(dGᵀ L G) + (Bᵀ ⊗ Y Gᵀ L) vec(dG),
//	vec(dGᵀ L G) = ((L G)ᵀ ⊗ I_m) vec(dGᵀ) = ((L G)ᵀ ⊗ I_m) K_{n,m} vec(dG).
func (rp *refProblem) fullJacobian(G *mat.Dense, sgn float64) *mat.Dense {
	lg := chain(rp.L, G)
	ygl := chain(rp.Y, G.T(), rp.L)

	eye := mat.NewDiagDense(rp.m, nil)
	for i := range rp.m {
		eye.SetDiag(i, 1)
	}
	t1 := chain(kron(rp.B.T(), rp.Y), kron(lg.T(), eye), commutation(rp.n, rp.m))
	var t2 mat.Dense
	t2.Add(t1, kron(rp.B.T(), ygl))
	t2.Scale(sgn, &t2)
	return &t2
}

// unit returns the n×m unit matrix with a one at (a, b).
func (rp *refProblem) unit(a, b int) *mat.Dense {
	E := mat.NewDense(rp.n, rp.m, nil)
	E.Set(a, b, 1)
	return E
}

// secondDerivative returns d²(X + sgn Y Gᵀ L G B)/dg_k dg_l = sgn Y (E_kᵀ L E_l + E_lᵀ L E_k) B.
func (rp *refProblem) secondDerivative(k, l int, sgn float64) *mat.Dense {
	Ek := rp.unit(rp.I[k], rp.J[k])
	El := rp.unit(rp.I[l], rp.J[l])
	var s mat.Dense
	s.Add(chain(Ek.T(), rp.L, El), chain(El.T(), rp.L, Ek))
	ysb := chain(rp.Y, &s, rp.B)
	ysb.Scale(sgn, ysb)
	return ysb
}

func (rp *refProblem) evalSigned(g []float64, sgn float64) *refEval {
	ev := rp.firstOrder(g, sgn)
	nnz := len(g)
	if nnz == 0 {
		ev.GN, ev.S, ev.Hess = &mat.Dense{}, &mat.Dense{}, &mat.Dense{}
		return ev
	}
	ev.GN = mat.NewDense(nnz, nnz, nil)
	ev.GN.Mul(ev.Jac.T(), ev.Jac)
	ev.S = mat.NewDense(nnz, nnz, nil)
	for k := range nnz {
		for l := range nnz {
			ev.S.Set(k, l, frobDot(ev.F, rp.secondDerivative(k, l, sgn)))
		}
	}
	ev.Hess = mat.NewDense(nnz, nnz, nil)
	ev.Hess.Add(ev.GN, ev.S)
	ev.Hess.Scale(2, ev.Hess)
	return ev
}

// firstOrder fills F, E, Jac, Grad and GradDense of a refEval.
func (rp *refProblem) firstOrder(g []float64, sgn float64) *refEval {
	nnz := len(g)
	ev := &refEval{G: rp.denseG(g)}
	ev.F = rp.residual(ev.G, sgn)
	ev.E = frobDot(ev.F, ev.F)

	rc := rp.r * rp.c
	full := rp.fullJacobian(ev.G, sgn)
	ev.Jac = &mat.Dense{}
	if nnz > 0 {
		ev.Jac = mat.NewDense(rc, nnz, nil)
	}
	for k := range nnz {
		col := rp.I[k] + rp.J[k]*rp.n
		for p := range rc {
			ev.Jac.Set(p, k, full.At(p, col))
		}
	}

	vf := mat.NewVecDense(rc, vec(ev.F))
	ev.Grad = make([]float64, nnz)
	for k := range nnz {
		ev.Grad[k] = 2 * mat.Dot(ev.Jac.ColView(k), vf)
	}

	// 2 sgn (L G B Fᵀ Y + Lᵀ G Yᵀ F Bᵀ).
	t1 := chain(rp.L, ev.G, rp.B, ev.F.T(), rp.Y)
	t1.Add(t1, chain(rp.L.T(), ev.G, rp.Y.T(), ev.F, rp.B.T()))
	ev.GradDense = make([]float64, nnz)
	for k := range nnz {
		ev.GradDense[k] = 2 * sgn * t1.At(rp.I[k], rp.J[k])
	}
	return ev
}

// refCase is one test problem.
type refCase struct {
	name string
	inst *testprob.Instance
}

// refCases returns the small test problems shared by the core tests: rectangular shapes,
// non-symmetric and symmetric L, empty pattern rows and columns, nnz = 1, and every storage kind
// for L, Y and B.
func refCases() []refCase {
	D, Dg, R, C, O, K := testprob.Dense, testprob.Diag, testprob.CSR, testprob.CSC, testprob.COO, testprob.DOK
	specs := []testprob.Spec{
		{N: 7, M: 5, R: 3, C: 4, NNZPerRow: 2, LKind: R, YKind: D, BKind: D},
		{N: 5, M: 8, R: 6, C: 2, NNZPerRow: 2, LKind: D, YKind: R, BKind: C},
		{N: 9, M: 4, R: 2, C: 6, NNZPerRow: 1.5, LKind: C, YKind: C, BKind: R},
		{N: 6, M: 6, R: 6, C: 3, NNZPerRow: 2, LKind: O, YKind: Dg, BKind: K},
		{N: 8, M: 3, R: 5, C: 3, NNZPerRow: 1.5, LKind: K, YKind: O, BKind: Dg},
		{N: 10, M: 7, R: 4, C: 5, NNZPerRow: 2, LKind: Dg, YKind: K, BKind: O},
		{N: 5, M: 4, R: 3, C: 2, NNZPerRow: 0.2, LKind: R, YKind: D, BKind: D},                      // nnz = 1
		{N: 6, M: 9, R: 4, C: 5, NNZPerRow: 1.0 / 6, LKind: D, YKind: C, BKind: O, Symmetric: true}, // nnz = 1
		{N: 12, M: 10, R: 5, C: 6, NNZPerRow: 2.5, LKind: R, YKind: C, BKind: O, Symmetric: true, EmptyRows: true, EmptyCols: true},
		{N: 11, M: 6, R: 6, C: 6, NNZPerRow: 2, LKind: O, YKind: Dg, BKind: Dg, EmptyRows: true},
		{N: 4, M: 12, R: 3, C: 5, NNZPerRow: 3, LKind: K, YKind: K, BKind: K, EmptyCols: true},
		{N: 4, M: 3, R: 2, C: 2, NNZPerRow: 3, LKind: D, YKind: D, BKind: D}, // full pattern
		{N: 12, M: 12, R: 6, C: 6, NNZPerRow: 3, LKind: R, YKind: R, BKind: R, Symmetric: true},
		{N: 3, M: 9, R: 1, C: 6, NNZPerRow: 3, LKind: C, YKind: R, BKind: C}, // r = 1
		{N: 9, M: 2, R: 5, C: 1, NNZPerRow: 1, LKind: D, YKind: O, BKind: K}, // c = 1
		{N: 1, M: 1, R: 1, C: 1, NNZPerRow: 1, LKind: D, YKind: D, BKind: D}, // scalar
		{N: 7, M: 7, R: 7, C: 7, NNZPerRow: 2, LKind: Dg, YKind: Dg, BKind: Dg},
		{N: 10, M: 5, R: 4, C: 3, NNZPerRow: 2.5, LKind: O, YKind: D, BKind: C, EmptyRows: true},
		{N: 6, M: 10, R: 3, C: 2, NNZPerRow: 2, LKind: K, YKind: R, BKind: D, Symmetric: true, EmptyCols: true},
		{N: 12, M: 8, R: 6, C: 4, NNZPerRow: 4, LKind: C, YKind: C, BKind: R},
		{N: 8, M: 11, R: 2, C: 5, NNZPerRow: 1.5, LKind: R, YKind: K, BKind: O},
	}
	var cases []refCase
	for s, spec := range specs {
		spec.Seed = uint64(1000 + s)
		cases = append(cases, refCase{
			name: fmt.Sprintf("%d/n%dm%dr%dc%d/L%vY%vB%v", s, spec.N, spec.M, spec.R, spec.C, spec.LKind, spec.YKind, spec.BKind),
			inst: testprob.Random(spec),
		})
	}
	cases = append(cases,
		refCase{name: "coarsening/n12m5c3", inst: testprob.Coarsening(12, 5, 3, false, 21)},
		refCase{name: "coarsening/n10m4c2/denseY", inst: testprob.Coarsening(10, 4, 2, true, 22)},
		refCase{name: "COO-duplicates", inst: cooDuplicates(23)},
	)
	return cases
}

// cooDuplicates returns a problem whose L and Y are COO matrices in which every entry is split
// into two triplets at the same position (a COO matrix means the sum of its triplets).
func cooDuplicates(seed uint64) *testprob.Instance {
	inst := testprob.Random(testprob.Spec{N: 6, M: 5, R: 4, C: 3, NNZPerRow: 2, LKind: testprob.CSR, YKind: testprob.CSR, Seed: seed})
	rng := rand.New(rand.NewPCG(seed, 7))
	split := func(a mat.Matrix) *sparse.COO {
		raw := a.(*sparse.CSR).RawMatrix()
		r, c := a.Dims()
		var ri, ci []int
		var data []float64
		for i := range r {
			for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
				part := rng.Float64() - 0.5
				ri = append(ri, i, i)
				ci = append(ci, raw.Ind[p], raw.Ind[p])
				data = append(data, part, raw.Data[p]-part)
			}
		}
		rng.Shuffle(len(data), func(k, l int) {
			ri[k], ri[l] = ri[l], ri[k]
			ci[k], ci[l] = ci[l], ci[k]
			data[k], data[l] = data[l], data[k]
		})
		return sparse.NewCOO(r, c, ri, ci, data)
	}
	inst.L = split(inst.L)
	inst.Y = split(inst.Y)
	return inst
}

// randomPoint returns a vector of length n with entries uniform in [-1, 1].
func randomPoint(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	g := make([]float64, n)
	for k := range g {
		g[k] = 2*rng.Float64() - 1
	}
	return g
}

// absVec returns the entrywise absolute values of x.
func absVec(x []float64) []float64 {
	a := make([]float64, len(x))
	for k, v := range x {
		a[k] = math.Abs(v)
	}
	return a
}

// mulVec returns a x (or aᵀ x when trans) as a slice; a must not be empty.
func mulVec(a *mat.Dense, trans bool, x []float64) []float64 {
	var m mat.Matrix = a
	if trans {
		m = a.T()
	}
	r, _ := m.Dims()
	dst := mat.NewVecDense(r, nil)
	dst.MulVec(m, mat.NewVecDense(len(x), x))
	return dst.RawVector().Data
}

// checkVec reports whether ||got - want||_2 <= tol * scale, failing t with a message otherwise.
// A NaN anywhere fails the check.
func checkVec(t *testing.T, what string, got, want []float64, scale, tol float64) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: length %d, want %d", what, len(got), len(want))
		return false
	}
	d := make([]float64, len(got))
	floats.SubTo(d, got, want)
	e := floats.Norm(d, 2)
	if !(e <= tol*scale) {
		t.Errorf("%s: error %.3g > %.0e * scale %.3g (|want| = %.3g)\ngot  %v\nwant %v",
			what, e, tol, scale, floats.Norm(want, 2), got, want)
		return false
	}
	return true
}

// checkMat is checkVec for matrices, with the Frobenius norm.
func checkMat(t *testing.T, what string, got, want mat.Matrix, scale, tol float64) bool {
	t.Helper()
	gr, gc := got.Dims()
	wr, wc := want.Dims()
	if gr != wr || gc != wc {
		t.Errorf("%s: dims %d×%d, want %d×%d", what, gr, gc, wr, wc)
		return false
	}
	return checkVec(t, what, vec(got), vec(want), scale, tol)
}

// TestReferenceScalar checks the reference on a 1×1 problem worked by hand:
// x = 3, y = 2, l = 0.5, b = 1.5, g = 2 give ylb = 1.5, f = 3 - 1.5 g² = -3, E = 9,
// J = -2 ylb g = -6, dE/dg = 2 f J = 36, Jᵀ J = 36, S = f (-2 ylb) = 9, d²E/dg² = 2 (36 + 9) = 90.
func TestReferenceScalar(t *testing.T) {
	inst := &testprob.Instance{
		X: mat.NewDense(1, 1, []float64{3}), Y: mat.NewDense(1, 1, []float64{2}),
		L: mat.NewDense(1, 1, []float64{0.5}), B: mat.NewDense(1, 1, []float64{1.5}),
		I: []int{0}, J: []int{0}, G: []float64{2},
	}
	ev := newRef(inst).eval(inst.G)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"f", ev.F.At(0, 0), -3}, {"E", ev.E, 9}, {"J", ev.Jac.At(0, 0), -6}, {"grad", ev.Grad[0], 36},
		{"gradDense", ev.GradDense[0], 36}, {"GN", ev.GN.At(0, 0), 36}, {"S", ev.S.At(0, 0), 9},
		{"Hess", ev.Hess.At(0, 0), 90},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestReferenceConsistency checks the reference against itself: the Kronecker Jacobian against
// the directly differentiated columns -vec(Y (E_kᵀ L G + Gᵀ L E_k) B), and the gradient 2 Jᵀ f
// against the matrix gradient formula.
func TestReferenceConsistency(t *testing.T) {
	for _, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			rp := newRef(tc.inst)
			g := tc.inst.G
			ev, bd := rp.eval(g), rp.bound(g)
			for k := range g {
				Ek := rp.unit(rp.I[k], rp.J[k])
				var s mat.Dense
				s.Add(chain(Ek.T(), rp.L, ev.G), chain(ev.G.T(), rp.L, Ek))
				col := chain(rp.Y, &s, rp.B)
				col.Scale(-1, col)
				checkVec(t, fmt.Sprintf("Jacobian column %d", k), mat.Col(nil, k, ev.Jac), vec(col), floats.Norm(mat.Col(nil, k, bd.Jac), 2), 1e-14)
			}
			checkVec(t, "gradient formulas", ev.Grad, ev.GradDense, floats.Norm(bd.Grad, 2), 1e-14)
		})
	}
}

// TestReferenceAgainstFiniteDifferences checks the reference derivatives against central
// differences of the reference itself.
//
// Tolerances: with step h = 6e-6, central differences have truncation error h²/6 times the third derivative and
// rounding error about eps |f| / h ≈ 4e-11 |f|. The residual is quadratic in g, so its central
// difference has no truncation error at all; the gradient is cubic, so the Hessian's truncation
// error is h²/6 |∇³E| ≈ 6e-12 times a modest third derivative; the energy is quartic, with the
// same bound. Operand and point values are O(1), so 1e-7 relative (to the bound scale) leaves a
// wide margin over these estimates while still catching any wrong formula, whose error is O(1).
func TestReferenceAgainstFiniteDifferences(t *testing.T) {
	for _, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			rp := newRef(tc.inst)
			g := tc.inst.G
			ev, bd := rp.eval(g), rp.bound(g)
			energy := func(x []float64) float64 { return rp.firstOrder(x, -1).E }
			fdGrad := fd.Gradient(nil, energy, g, &fd.Settings{Formula: fd.Central})
			checkVec(t, "gradient vs fd", ev.Grad, fdGrad, floats.Norm(bd.Grad, 2), 1e-7)

			rc := rp.r * rp.c
			fdJac := mat.NewDense(rc, len(g), nil)
			fd.Jacobian(fdJac, func(y, x []float64) {
				copy(y, vec(rp.residual(rp.denseG(x), -1)))
			}, g, &fd.JacobianSettings{Formula: fd.Central})
			checkMat(t, "Jacobian vs fd", ev.Jac, fdJac, mat.Norm(bd.Jac, 2), 1e-7)

			fdHess := mat.NewDense(len(g), len(g), nil)
			fd.Jacobian(fdHess, func(y, x []float64) {
				copy(y, rp.firstOrder(x, -1).Grad)
			}, g, &fd.JacobianSettings{Formula: fd.Central})
			checkMat(t, "Hessian vs fd", ev.Hess, fdHess, mat.Norm(bd.Hess, 2), 1e-7)
		})
	}
}
