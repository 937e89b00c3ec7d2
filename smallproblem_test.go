package sparsels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// zeroMatrix is a matrix of zeros with any dimensions, including zero ones
// that mat.Dense cannot represent.
type zeroMatrix struct{ r, c int }

func (a zeroMatrix) Dims() (int, int)    { return a.r, a.c }
func (a zeroMatrix) At(i, j int) float64 { return 0 }
func (a zeroMatrix) T() mat.Matrix       { return zeroMatrix{a.c, a.r} }

// normalDense returns an r×c matrix with standard normal entries.
func normalDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d.Set(i, j, rng.NormFloat64())
		}
	}
	return d
}

// smallProblem is a small problem with dense copies of its operands, for
// independent reference computations.
type smallProblem struct {
	X, Y, L, B *mat.Dense
	I, J       []int
	n, m       int
	g0         []float64
}

// randomSmallProblem returns a random problem with G n×m holding perRow entries in
// every row (shuffled order), L symmetric positive semidefinite plus a
// nonsymmetric part, and g0 positive.
func randomSmallProblem(seed uint64, n, m, r, c, perRow int) *smallProblem {
	rng := rand.New(rand.NewPCG(seed, 77))
	ap := &smallProblem{n: n, m: m}
	for a := 0; a < n; a++ {
		b0 := rng.IntN(m)
		for s := 0; s < min(perRow, m); s++ {
			ap.I = append(ap.I, a)
			ap.J = append(ap.J, (b0+s)%m)
		}
	}
	rng.Shuffle(len(ap.I), func(x, y int) {
		ap.I[x], ap.I[y] = ap.I[y], ap.I[x]
		ap.J[x], ap.J[y] = ap.J[y], ap.J[x]
	})
	L0 := normalDense(rng, n, n)
	ap.L = mat.NewDense(n, n, nil)
	ap.L.Mul(L0.T(), L0)
	ap.L.Set(0, n-1, ap.L.At(0, n-1)+0.5) // not symmetric
	ap.X, ap.Y, ap.B = normalDense(rng, r, c), normalDense(rng, r, m), normalDense(rng, m, c)
	ap.g0 = make([]float64, len(ap.I))
	for k := range ap.g0 {
		ap.g0[k] = 0.5 + rng.Float64()
	}
	return ap
}

func (ap *smallProblem) pattern(t testing.TB) *sparsels.Pattern {
	t.Helper()
	pat, err := sparsels.NewPattern(ap.n, ap.m, ap.I, ap.J)
	if err != nil {
		t.Fatal(err)
	}
	return pat
}

func (ap *smallProblem) problem(t testing.TB, pat *sparsels.Pattern) *sparsels.Problem {
	t.Helper()
	p, err := sparsels.NewProblem(ap.X, ap.Y, ap.L, ap.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// denseRef evaluates a problem densely and independently of the package:
// f = X − Y Gᵀ L G B, E = ‖f‖², the gradient from the dense formula, the
// Jacobian column by column from the unit perturbations E_k, and the exact
// Hessian 2(JᵀJ + Σ_q f_q ∇²f_q).
type denseRef struct {
	X, Y, L, B *mat.Dense
	n, m       int
	I, J       []int
}

func newDenseRef(X, Y, L, B mat.Matrix, pat *sparsels.Pattern) *denseRef {
	n, m := pat.Dims()
	ref := &denseRef{X: mat.DenseCopyOf(X), Y: mat.DenseCopyOf(Y), L: mat.DenseCopyOf(L), B: mat.DenseCopyOf(B), n: n, m: m}
	for k := 0; k < pat.NNZ(); k++ {
		i, j := pat.Subscripts(k)
		ref.I = append(ref.I, i)
		ref.J = append(ref.J, j)
	}
	return ref
}

func (ref *denseRef) G(g []float64) *mat.Dense {
	G := mat.NewDense(ref.n, ref.m, nil)
	for k, v := range g {
		G.Set(ref.I[k], ref.J[k], v)
	}
	return G
}

// S returns Gᵀ L G.
func (ref *denseRef) S(G *mat.Dense) *mat.Dense {
	var lg, s mat.Dense
	lg.Mul(ref.L, G)
	s.Mul(G.T(), &lg)
	return &s
}

func (ref *denseRef) F(g []float64) *mat.Dense {
	var ys, f mat.Dense
	ys.Mul(ref.Y, ref.S(ref.G(g)))
	f.Mul(&ys, ref.B)
	f.Sub(ref.X, &f)
	return &f
}

func (ref *denseRef) E(g []float64) float64 {
	f := ref.F(g)
	n := mat.Norm(f, 2)
	return n * n
}

func (ref *denseRef) Grad(g []float64) []float64 {
	G, F := ref.G(g), ref.F(g)
	var lg, lgb, lgbf, t1, ltg, ltgy, ltgyf, t2, d mat.Dense
	lg.Mul(ref.L, G)
	lgb.Mul(&lg, ref.B)
	lgbf.Mul(&lgb, F.T())
	t1.Mul(&lgbf, ref.Y) // LGB fᵀ Y
	ltg.Mul(ref.L.T(), G)
	ltgy.Mul(&ltg, ref.Y.T())
	ltgyf.Mul(&ltgy, F)
	t2.Mul(&ltgyf, ref.B.T()) // LᵀG Yᵀ f Bᵀ
	d.Add(&t1, &t2)
	out := make([]float64, len(g))
	for k := range g {
		out[k] = -2 * d.At(ref.I[k], ref.J[k])
	}
	return out
}

// Jac returns the (r·c)×nnz Jacobian, column k = −vec(Y (E_kᵀ L G + Gᵀ L E_k) B).
func (ref *denseRef) Jac(g []float64) *mat.Dense {
	r, _ := ref.Y.Dims()
	_, c := ref.B.Dims()
	G := ref.G(g)
	J := mat.NewDense(max(r*c, 1), max(len(g), 1), nil)
	for k := range g {
		Ek := mat.NewDense(ref.n, ref.m, nil)
		Ek.Set(ref.I[k], ref.J[k], 1)
		var lg, le, a, b, ya, col mat.Dense
		lg.Mul(ref.L, G)
		a.Mul(Ek.T(), &lg)
		le.Mul(ref.L, Ek)
		b.Mul(G.T(), &le)
		a.Add(&a, &b)
		ya.Mul(ref.Y, &a)
		col.Mul(&ya, ref.B)
		for q := 0; q < c; q++ {
			for p := 0; p < r; p++ {
				J.Set(p+q*r, k, -col.At(p, q))
			}
		}
	}
	return J
}

// Hess returns the exact Hessian of E.
func (ref *denseRef) Hess(g []float64) *mat.SymDense {
	J := ref.Jac(g)
	F := ref.F(g)
	var yf, T mat.Dense // Yᵀ f Bᵀ
	yf.Mul(ref.Y.T(), F)
	T.Mul(&yf, ref.B.T())
	nnz := len(g)
	H := mat.NewSymDense(max(nnz, 1), nil)
	for k := 0; k < nnz; k++ {
		for l := k; l < nnz; l++ {
			a, b := ref.I[k], ref.J[k]
			a2, b2 := ref.I[l], ref.J[l]
			jj := mat.Dot(J.ColView(k), J.ColView(l))
			second := -(ref.L.At(a, a2)*T.At(b, b2) + ref.L.At(a2, a)*T.At(b2, b))
			H.SetSym(k, l, 2*(jj+second))
		}
	}
	return H
}

// relDiff returns max|a−b| / max(max|b|, tiny).
func relDiff(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	if num == 0 {
		return 0
	}
	return num / math.Max(den, 1e-300)
}

func relDiffMat(a, b mat.Matrix) float64 {
	r, c := b.Dims()
	var num, den float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			num = math.Max(num, math.Abs(a.At(i, j)-b.At(i, j)))
			den = math.Max(den, math.Abs(b.At(i, j)))
		}
	}
	if num == 0 {
		return 0
	}
	return num / math.Max(den, 1e-300)
}
