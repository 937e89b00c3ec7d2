package sparsels

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/testprob"
)

// hgnRef is a dense reference for HybridGaussNewton's first step, written
// from the formulas and independent of the implementation: the residual
// f(g) = X − Y Gᵀ L G B of dense copies of the operands (flattened row by
// row), its Jacobian column by column, −Y (E_kᵀ L G + Gᵀ L E_k) B, and an
// orthonormal basis Z of the constraints' null space from an SVD.
type hgnRef struct {
	X, Y, L, B *mat.Dense
	I, J       []int
	n, m, nnz  int
	Z          *mat.Dense // nnz×dim, orthonormal columns
}

func newHGNRef(inst *testprob.Instance, n, m int, rowSum bool) *hgnRef {
	ref := &hgnRef{
		X: mat.DenseCopyOf(inst.X), Y: mat.DenseCopyOf(inst.Y), L: mat.DenseCopyOf(inst.L), B: mat.DenseCopyOf(inst.B),
		I: inst.I, J: inst.J, n: n, m: m, nnz: len(inst.I),
	}
	if !rowSum {
		ref.Z = mat.NewDense(ref.nnz, ref.nnz, nil)
		for k := 0; k < ref.nnz; k++ {
			ref.Z.Set(k, k, 1)
		}
		return ref
	}
	// One equation per nonempty row of G: the sum of its values.
	var rows []int
	seen := map[int]bool{}
	for _, a := range ref.I {
		if !seen[a] {
			seen[a] = true
			rows = append(rows, a)
		}
	}
	C := mat.NewDense(ref.nnz, ref.nnz, nil) // rows beyond the equations are zero
	for q, a := range rows {
		for k, ak := range ref.I {
			if ak == a {
				C.Set(q, k, 1)
			}
		}
	}
	var svd mat.SVD
	if !svd.Factorize(C, mat.SVDFull) {
		panic("SVD failed")
	}
	var V mat.Dense
	svd.VTo(&V)
	rank := len(rows) // the equations are independent: disjoint supports
	ref.Z = mat.DenseCopyOf(V.Slice(0, ref.nnz, rank, ref.nnz))
	return ref
}

func (ref *hgnRef) G(g []float64) *mat.Dense {
	G := mat.NewDense(ref.n, ref.m, nil)
	for k, v := range g {
		G.Set(ref.I[k], ref.J[k], v)
	}
	return G
}

// f returns the residual at g, flattened row by row.
func (ref *hgnRef) f(g []float64) []float64 {
	G := ref.G(g)
	var lg, glg, y, ysb, f mat.Dense
	lg.Mul(ref.L, G)
	glg.Mul(G.T(), &lg)
	y.Mul(ref.Y, &glg)
	ysb.Mul(&y, ref.B)
	f.Sub(ref.X, &ysb)
	r, c := f.Dims()
	out := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		out = append(out, f.RawRowView(i)...)
	}
	return out
}

func (ref *hgnRef) energy(g []float64) float64 {
	f := ref.f(g)
	return dot(f, f)
}

// jac returns the Jacobian of f at g, (r·c)×nnz.
func (ref *hgnRef) jac(g []float64) *mat.Dense {
	G := ref.G(g)
	r, _ := ref.Y.Dims()
	_, c := ref.B.Dims()
	J := mat.NewDense(r*c, ref.nnz, nil)
	var lg, gl mat.Dense // L G and Gᵀ L, the same for every column
	lg.Mul(ref.L, G)
	gl.Mul(G.T(), ref.L)
	for k := 0; k < ref.nnz; k++ {
		Ek := mat.NewDense(ref.n, ref.m, nil)
		Ek.Set(ref.I[k], ref.J[k], 1)
		var a, b, ya, col mat.Dense
		a.Mul(Ek.T(), &lg)
		b.Mul(&gl, Ek)
		a.Add(&a, &b)
		ya.Mul(ref.Y, &a)
		col.Mul(&ya, ref.B)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				J.Set(i*c+j, k, -col.At(i, j))
			}
		}
	}
	return J
}

// gnDirection returns the minimum-norm Gauss-Newton direction at g,
// d = Z·pinv(ZᵀJᵀJZ)·(−ZᵀJᵀf), and the condition number of ZᵀJᵀJZ.
func (ref *hgnRef) gnDirection(g []float64) (d []float64, cond float64) {
	J := ref.jac(g)
	var jz, A mat.Dense
	jz.Mul(J, ref.Z)
	A.Mul(jz.T(), &jz)
	f := mat.NewVecDense(len(ref.f(g)), ref.f(g))
	var rhs mat.VecDense
	rhs.MulVec(jz.T(), f)
	rhs.ScaleVec(-1, &rhs)
	var svd mat.SVD
	if !svd.Factorize(&A, mat.SVDFull) {
		panic("SVD failed")
	}
	s := svd.Values(nil)
	var U, V mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	dim := len(s)
	xi := mat.NewVecDense(dim, nil)
	for i := 0; i < dim; i++ {
		if s[i] <= 1e-12*s[0] {
			continue
		}
		w := mat.Dot(U.ColView(i), &rhs) / s[i]
		xi.AddScaledVec(xi, w, V.ColView(i))
	}
	var dv mat.VecDense
	dv.MulVec(ref.Z, xi)
	return dv.RawVector().Data, s[0] / s[dim-1]
}

// lineQuartic returns the coefficients c0…c4 of E(g + t·d), fitted to
// the energies at t = 0, ±½ and ±1 (exact: E is a quartic in t).
func (ref *hgnRef) lineQuartic(g, d []float64) [5]float64 {
	ts := []float64{-1, -0.5, 0, 0.5, 1}
	V := mat.NewDense(5, 5, nil)
	e := mat.NewVecDense(5, nil)
	for i, t := range ts {
		for j := 0; j < 5; j++ {
			V.Set(i, j, math.Pow(t, float64(j)))
		}
		e.SetVec(i, ref.energy(axpyCopy(g, t, d)))
	}
	var c mat.VecDense
	if err := c.SolveVec(V, e); err != nil {
		panic(err)
	}
	var q [5]float64
	copy(q[:], c.RawVector().Data)
	return q
}

// argmin returns the global minimizer over t > 0 of the quartic with
// coefficients q, from the eigenvalues of the companion matrix of its
// derivative 4c4 t³ + 3c3 t² + 2c2 t + c1 (c4 > 0), each real one polished by
// Newton steps; the candidates are compared by the dense energy E(g + t·d).
func (ref *hgnRef) argmin(q [5]float64, g, d []float64) float64 {
	a := 4 * q[4]
	comp := mat.NewDense(3, 3, []float64{
		0, 0, -q[1] / a,
		1, 0, -2 * q[2] / a,
		0, 1, -3 * q[3] / a,
	})
	var eig mat.Eigen
	if !eig.Factorize(comp, mat.EigenNone) {
		panic("eigendecomposition failed")
	}
	best, bestE := 0.0, ref.energy(g)
	for _, z := range eig.Values(nil) {
		if math.Abs(imag(z)) > 1e-8*cmplx.Abs(z) {
			continue
		}
		t := real(z)
		for it := 0; it < 5; it++ {
			s := ((4*q[4]*t+3*q[3])*t+2*q[2])*t + q[1]
			h := (12*q[4]*t+6*q[3])*t + 2*q[2]
			if h == 0 {
				break
			}
			t -= s / h
		}
		if t > 0 {
			if e := ref.energy(axpyCopy(g, t, d)); e < bestE {
				best, bestE = t, e
			}
		}
	}
	return best
}

// axpyCopy returns g + t·d.
func axpyCopy(g []float64, t float64, d []float64) []float64 {
	out := make([]float64, len(g))
	for k := range g {
		out[k] = g[k] + t*d[k]
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// hybridFirstStep takes HybridGaussNewton's first step from g0 under the
// settings set as hybridGaussNewton does (newHybrid, linearize, gnStep),
// without the rest of the run, and
// returns the local model after it (with the step in md.step and the line
// probe's split of c2), the step's record, its outcome and its
// second-order share.
func hybridFirstStep(t *testing.T, p *Problem, g0 []float64, set *Settings) (md *localModel, rec IterationRecord, out stepOutcome, share float64) {
	t.Helper()
	ds := set.withDefaults()
	ds.defaultIterations()
	cs := ds.Constraints
	if cs == nil {
		cs = unconstrained(p.pat)
	}
	sv := newSolver(context.Background(), p, ds, cs, g0)
	md = sv.newLocalModel(hessianCurvature, LinearCG)
	hy := newHybrid(sv, md)
	if _, done, err := md.linearize(); done || err != nil {
		t.Fatalf("linearize: done %v, %v", done, err)
	}
	out, share = hy.gnStep(&rec)
	return md, rec, out, share
}

// hgnFirstStepCases are small problems, Y in three storage kinds, whose
// reduced Gauss-Newton matrix at the start is nonsingular, so that the
// Gauss-Newton direction is unique whatever the basis and the
// preconditioner.
var hgnFirstStepCases = []struct {
	name string
	spec testprob.Spec
}{
	{"Y diag", testprob.Spec{N: 6, M: 4, R: 4, C: 5, NNZPerRow: 2, LKind: testprob.CSR, YKind: testprob.Diag, Seed: 11}},
	{"Y CSR", testprob.Spec{N: 7, M: 5, R: 4, C: 6, NNZPerRow: 2, LKind: testprob.Dense, YKind: testprob.CSR, Seed: 12}},
	{"Y dense", testprob.Spec{N: 6, M: 5, R: 4, C: 6, NNZPerRow: 2, LKind: testprob.CSR, YKind: testprob.Dense, Seed: 13}},
}

// TestHybridFirstStepDenseReference checks HybridGaussNewton's first step,
// a Gauss-Newton step, against the dense reference (hgnRef) on small
// problems with Y diagonal, CSR and dense, with and without row-sum
// constraints: the step G₁ − G₀ of Solve with MaxIterations 1 (and CG run
// to a relative residual of 1e-14) equals t*·d to 1e-6 relative, where d
// is the minimum-norm Gauss-Newton direction of the reduced problem and
// t* the global minimizer over t > 0 of the quartic E(g₀ + t·d), fitted to
// five dense energies; Result.History records that step length and CG
// iterations. On the same step, taken internally, the line probe's split of
// the t² coefficient, the Gauss-Newton part ‖J·d‖² and the second-order
// part 2⟨f, Q(d, d)⟩, and the share the method judges by, match the dense
// values along the method's own direction to 1e-10 relative.
func TestHybridFirstStepDenseReference(t *testing.T) {
	for _, tc := range hgnFirstStepCases {
		for _, rowSum := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/rowsum=%v", tc.name, rowSum), func(t *testing.T) {
				inst := testprob.Random(tc.spec)
				pat, err := NewPattern(tc.spec.N, tc.spec.M, inst.I, inst.J)
				if err != nil {
					t.Fatal(err)
				}
				p, err := NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
				if err != nil {
					t.Fatal(err)
				}
				ref := newHGNRef(inst, tc.spec.N, tc.spec.M, rowSum)
				var cs *Constraints
				if rowSum {
					if cs, err = RowSumConstraints(pat); err != nil {
						t.Fatal(err)
					}
				}
				set := &Settings{Method: HybridGaussNewton, Constraints: cs, MaxIterations: 1,
					CG: CGSettings{Forcing: 1e-14, MaxIterations: 1000}}
				// The start, feasible (the reference's direction keeps it so).
				g0 := append([]float64(nil), inst.G...)
				if cs != nil {
					g0 = cs.Project(nil, g0)
				}

				d, cond := ref.gnDirection(g0)
				if cond > 1e4 {
					t.Fatalf("the reduced Gauss-Newton matrix has condition number %.3g: the direction is not well determined", cond)
				}
				q := ref.lineQuartic(g0, d)
				tStar := ref.argmin(q, g0, d)
				if !(tStar > 0) {
					t.Fatalf("dense reference: no descent along d (t* = %g)", tStar)
				}
				want := make([]float64, len(d))
				for k := range d {
					want[k] = tStar * d[k]
				}

				res, err := Solve(context.Background(), p, g0, set)
				if err != nil {
					t.Fatal(err)
				}
				if res.Iterations != 1 || len(res.History) != 1 || !res.History[0].Accepted {
					t.Fatalf("%v after %d iterations, history %+v: want one accepted step", res.Status, res.Iterations, res.History)
				}
				step := make([]float64, len(g0))
				for k := range step {
					step[k] = res.G[k] - g0[k]
				}
				if e := hgnRelDiff(step, want); !(e <= 1e-6) {
					t.Errorf("G₁ − G₀ differs from t*·d by %.3g relative (t* = %.6g, cond %.3g)", e, tStar, cond)
				}
				h := res.History[0]
				if math.Abs(h.Damping-tStar) > 1e-6*tStar || h.CGIterations < 1 {
					t.Errorf("history: step length %.10g (want t* = %.10g), %d CG iterations (want some)", h.Damping, tStar, h.CGIterations)
				}
				if e := ref.energy(res.G); math.Abs(res.Energy-e) > 1e-12*res.InitialEnergy {
					t.Errorf("Result.Energy %.17g, dense E(G₁) %.17g", res.Energy, e)
				}

				// The same step, internally: the probe's split of c2.
				md, rec, out, share := hybridFirstStep(t, p, g0, set)
				if !out.accepted || rec.Damping != h.Damping {
					t.Fatalf("internal step: accepted %v, length %.17g; Solve's %.17g", out.accepted, rec.Damping, h.Damping)
				}
				// Dense a = J·d and b = Q(d, d) along the method's direction
				// md.step: f(g + t·d) = f + t·a + t²·b, so b = (f(1) + f(−1))/2 − f(0).
				dm := md.step
				f0, fp, fm := ref.f(g0), ref.f(axpyCopy(g0, 1, dm)), ref.f(axpyCopy(g0, -1, dm))
				var av mat.VecDense
				av.MulVec(ref.jac(g0), mat.NewVecDense(len(dm), dm))
				a := av.RawVector().Data
				b := make([]float64, len(f0))
				for i := range b {
					b[i] = (fp[i]+fm[i])/2 - f0[i]
				}
				gnWant, soWant := dot(a, a), 2*dot(f0, b)
				_, w2 := md.lineQuartic()
				gn, so := md.probe.gnCurv*w2, md.probe.soCurv*w2
				scale := gnWant + math.Abs(soWant)
				if math.Abs(gn-gnWant) > 1e-10*scale || math.Abs(so-soWant) > 1e-10*scale {
					t.Errorf("probe: ‖J·d‖² = %.17g, 2⟨f, Q(d, d)⟩ = %.17g; dense %.17g, %.17g", gn, so, gnWant, soWant)
				}
				if sw := math.Abs(soWant) / gnWant; math.Abs(share-sw) > 1e-10*math.Max(sw, 1e-3) {
					t.Errorf("second-order share %.17g, dense %.17g", share, sw)
				}
				// And the dense direction is the method's, to the CG tolerance.
				if e := hgnRelDiff(dm, d); !(e <= 1e-6) {
					t.Errorf("direction differs from the dense Gauss-Newton direction by %.3g relative", e)
				}
				t.Logf("cond %.3g, t* %.6g, share %.3g, %d CG iterations: step off by %.2g, direction by %.2g",
					cond, tStar, share, h.CGIterations, hgnRelDiff(step, want), hgnRelDiff(dm, d))
			})
		}
	}
}

// hgnRelDiff returns max|a − b| / max|b|.
func hgnRelDiff(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// TestHybridModeChoice checks HybridGaussNewton's choice of steps through
// Result.History, where a Gauss-Newton step is a record with CG iterations
// and a secant step one without. From near a zero-residual minimum the
// first step's second-order share is at most hybridShare and every step is
// a Gauss-Newton step down to convergence at E ≤ 1e-15·E(g0). With a
// random X, no planted zero-residual solution, on a small random problem
// and a coarsening-shaped one with row sums, the first step is a
// Gauss-Newton step whose share exceeds hybridShare, the second a secant
// step, most steps are secant steps, and every return to a Gauss-Newton
// trial after secant steps (there is at least one) comes after at least
// hybridPause accepted secant steps or a rejected one (the wait).
func TestHybridModeChoice(t *testing.T) {
	isGN := func(h IterationRecord) bool { return h.CGIterations > 0 }
	for _, diagY := range []bool{true, false} {
		sp := newSolveProblem(1, 10, 5, 6, 8, 2, true, diagY)
		g0 := perturb(2, sp.gStar, 0.1)
		set := &Settings{Method: HybridGaussNewton}
		if _, _, _, share := hybridFirstStep(t, sp.p, g0, set); !(share <= hybridShare) {
			t.Errorf("zero residual, Y diagonal %v: first share %g, want at most %g", diagY, share, hybridShare)
		}
		res, err := Solve(context.Background(), sp.p, g0, set)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Status.Converged() || !(res.Energy <= 1e-15*res.InitialEnergy) {
			t.Errorf("zero residual, Y diagonal %v: %v at E = %g from %g", diagY, res.Status, res.Energy, res.InitialEnergy)
		}
		for _, h := range res.History {
			if !isGN(h) {
				t.Errorf("zero residual, Y diagonal %v: iteration %d is a secant step (%+v)", diagY, h.Iteration, h)
			}
		}
	}

	type largeCase struct {
		name string
		p    *Problem
		g0   []float64
		cs   *Constraints
	}
	var cases []largeCase
	sp := newSolveProblem(5, 60, 12, 12, 8, 3, false, false)
	cases = append(cases, largeCase{"random", sp.p, perturb(6, sp.gStar, 0.3), nil})
	inst := testprob.Coarsening(200, 10, 4, false, 5)
	pat, err := NewPattern(200, 10, inst.I, inst.J)
	if err != nil {
		t.Fatal(err)
	}
	X := randDense(rand.New(rand.NewPCG(3, 3)), 10, 4)
	p, err := NewProblem(X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, largeCase{"coarsening, random X", p, inst.G, cs})
	returns := 0 // Gauss-Newton trials after secant steps, over all cases
	for _, lc := range cases {
		set := &Settings{Method: HybridGaussNewton, Constraints: lc.cs, MaxIterations: 150}
		if _, _, out, share := hybridFirstStep(t, lc.p, lc.g0, set); !out.accepted || !(share > hybridShare) {
			t.Errorf("%s: first step accepted %v with share %g, want an accepted step with a share above %g", lc.name, out.accepted, share, hybridShare)
		}
		res, err := Solve(context.Background(), lc.p, lc.g0, set)
		if err != nil {
			t.Fatal(err)
		}
		hist := res.History
		if len(hist) < 20 {
			t.Fatalf("%s: %d iterations (%v), want a longer run", lc.name, len(hist), res.Status)
		}
		if !isGN(hist[0]) || !hist[0].Accepted || isGN(hist[1]) {
			t.Errorf("%s: first steps %+v, %+v; want an accepted Gauss-Newton step, then a secant step", lc.name, hist[0], hist[1])
		}
		gn, secant, rejected := 0, 0, false
		for i, h := range hist {
			if !isGN(h) {
				if h.Accepted {
					secant++
				} else {
					rejected = true
				}
				continue
			}
			gn++
			if i > 0 && !isGN(hist[i-1]) {
				returns++
			}
			if i > 0 && !isGN(hist[i-1]) && secant < hybridPause && !rejected {
				t.Errorf("%s: Gauss-Newton trial at iteration %d after %d accepted secant steps, want at least %d", lc.name, h.Iteration, secant, hybridPause)
			}
			secant, rejected = 0, false
		}
		if 2*gn >= len(hist) {
			t.Errorf("%s: %d Gauss-Newton steps in %d iterations, want mostly secant steps", lc.name, gn, len(hist))
		}
		t.Logf("%s: %d Gauss-Newton steps in %d iterations, %v, E/E(g0) = %.3g", lc.name, gn, len(hist), res.Status, res.Energy/res.InitialEnergy)
	}
	if returns == 0 {
		t.Error("no return to a Gauss-Newton trial after secant steps: the wait was not exercised")
	}
}
