package krylov

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// spd returns a random n×n symmetric positive definite matrix with
// condition number about cond, as a row-major slice.
func spd(rng *rand.Rand, n int, cond float64) []float64 {
	q := mat.NewDense(n, n, nil)
	var qr mat.QR
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	qr.Factorize(g)
	qr.QTo(q)
	d := mat.NewDiagDense(n, nil)
	for i := 0; i < n; i++ {
		d.SetDiag(i, math.Pow(cond, float64(i)/float64(n-1)))
	}
	var a mat.Dense
	a.Product(q, d, q.T())
	out := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out[i*n+j] = 0.5 * (a.At(i, j) + a.At(j, i))
		}
	}
	return out
}

// spdSystem returns spd(rng, n, cond), the operator of its product and a
// random vector.
func spdSystem(rng *rand.Rand, n int, cond float64) ([]float64, Operator, []float64) {
	a := spd(rng, n, cond)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return a, func(dst, x []float64) {
		for i := 0; i < n; i++ {
			dst[i] = floats.Dot(a[i*n:i*n+n], x)
		}
	}, v
}

// TestPCG checks cold and warm PCG against the exact solution of an SPD
// system, with the identity and with a block-Jacobi preconditioner, and the
// residual left in Work.R.
func TestPCG(t *testing.T) {
	const n = 24
	rng := rand.New(rand.NewPCG(3, 4))
	a, A, want := spdSystem(rng, n, 1e3)
	b := make([]float64, n)
	A(b, want)
	voff := []int{0, 5, 5, 12, 24}
	bj := NewBlockJacobi(voff, 1)
	bj.Factor(0, 0, func(_, blk int, f []float64) {
		lo, hi := voff[blk], voff[blk+1]
		q := hi - lo
		for i := 0; i < q; i++ {
			copy(f[i*q:i*q+q], a[(lo+i)*n+lo:(lo+i)*n+hi])
		}
	})
	for _, tc := range []struct {
		name string
		M    Operator
		warm bool
	}{
		{"identity, cold", func(dst, r []float64) { copy(dst, r) }, false},
		{"block Jacobi, cold", bj.Apply, false},
		{"block Jacobi, warm", bj.Apply, true},
	} {
		w := NewWork(n)
		x := make([]float64, n)
		if tc.warm {
			for i := range x {
				x[i] = want[i] + 1e-3*rng.NormFloat64()
			}
		}
		it := PCG(A, tc.M, b, x, tc.warm, 1e-12, 10*n, w)
		if it == 0 || it >= 10*n {
			t.Errorf("%s: %d iterations", tc.name, it)
		}
		if d := floats.Distance(x, want, math.Inf(1)); d > 1e-8 {
			t.Errorf("%s: max error %g", tc.name, d)
		}
		r := make([]float64, n)
		A(r, x)
		floats.Sub(r, b)
		floats.Scale(-1, r)
		if d := floats.Distance(r, w.R, math.Inf(1)); d > 1e-10*floats.Norm(b, math.Inf(1)) {
			t.Errorf("%s: Work.R differs from b − Ax by %g", tc.name, d)
		}
	}
	// A zero right-hand side from a cold start needs no iteration.
	if it := PCG(A, bj.Apply, make([]float64, n), make([]float64, n), false, 1e-12, 10, NewWork(n)); it != 0 {
		t.Errorf("b = 0: %d iterations", it)
	}
}

// TestSteihaug checks that a small trust region puts the step on its
// boundary and a large one gives the Newton step.
func TestSteihaug(t *testing.T) {
	const n = 10
	_, A, b := spdSystem(rand.New(rand.NewPCG(7, 8)), n, 100)
	id := func(dst, r []float64) { copy(dst, r) }
	x := make([]float64, n)
	_, boundary, negCurv := Steihaug(A, id, b, x, 1e-3, 1e-12, 100, NewWork(n))
	if !boundary || negCurv || math.Abs(floats.Norm(x, 2)-1e-3) > 1e-12 {
		t.Errorf("small region: boundary %v, negative curvature %v, ‖x‖ = %g, want 1e-3 on the boundary", boundary, negCurv, floats.Norm(x, 2))
	}
	_, boundary, _ = Steihaug(A, id, b, x, 1e6, 1e-12, 100, NewWork(n))
	ax := make([]float64, n)
	A(ax, x)
	if boundary || floats.Distance(ax, b, math.Inf(1)) > 1e-9 {
		t.Errorf("large region: boundary %v, ‖Ax − b‖∞ = %g", boundary, floats.Distance(ax, b, math.Inf(1)))
	}
}

// TestCholeskyShifted checks the factor of a positive definite matrix, the
// shift of a singular one and the identity fallback of a zero one.
func TestCholeskyShifted(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    []float64
	}{
		{"definite", []float64{4, 2, 2, 3}},
		{"singular", []float64{1, 1, 1, 1}},
		{"zero", []float64{0, 0, 0, 0}},
	} {
		f := append([]float64(nil), tc.a...)
		CholeskyShifted(f, 2, make([]float64, 4))
		llt := []float64{f[0] * f[0], f[0] * f[2], f[2] * f[0], f[2]*f[2] + f[3]*f[3]}
		switch tc.name {
		case "zero":
			if f[0] != 1 || f[2] != 0 || f[3] != 1 {
				t.Errorf("%s: factor %v, want the identity", tc.name, f)
			}
		default:
			if d := floats.Distance(llt, tc.a, math.Inf(1)); d > 1e-9 || !(f[3] > 0) {
				t.Errorf("%s: LLᵀ = %v, want %v", tc.name, llt, tc.a)
			}
		}
		x := []float64{1, 2}
		CholSolve(f, 2, x)
		if tc.name == "definite" && floats.Distance(x, []float64{-0.125, 0.75}, math.Inf(1)) > 1e-15 {
			t.Errorf("CholSolve = %v, want [-0.125 0.75]", x)
		}
	}
}

// TestBlockJacobiUnit checks that factoring the blocks divided by 2^unit
// and scaling back gives the same Apply and NormM.
func TestBlockJacobiUnit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	voff := []int{0, 3, 7}
	blocks := [][]float64{spd(rng, 3, 10), spd(rng, 4, 10)}
	r := []float64{1, -2, 3, 0.5, -1, 2, 0.25}
	var ref []float64
	var refNorm float64
	for _, unit := range []int{0, 600, -600} {
		bj := NewBlockJacobi(voff, 2)
		bj.Factor(unit, 0, func(_, b int, f []float64) {
			for i, v := range blocks[b] {
				f[i] = math.Ldexp(math.Ldexp(v, unit), -unit)
			}
		})
		dst := make([]float64, len(r))
		bj.Apply(dst, r)
		for i := range dst {
			dst[i] = math.Ldexp(dst[i], unit)
		}
		nm := math.Ldexp(bj.NormM(r), -unit/2)
		if unit == 0 {
			ref, refNorm = dst, nm
			continue
		}
		if d := floats.Distance(dst, ref, math.Inf(1)); d > 1e-14*floats.Norm(ref, math.Inf(1)) {
			t.Errorf("unit %d: Apply differs by %g", unit, d)
		}
		if math.Abs(nm-refNorm) > 1e-14*refNorm {
			t.Errorf("unit %d: NormM %g, want %g", unit, nm, refNorm)
		}
	}
	if Unit(1) != 0 || Unit(math.Ldexp(1, 300)) != 300 || Unit(math.Ldexp(1, -301)) != -300 || Unit(math.Inf(1)) != 0 {
		t.Errorf("Unit: %d %d %d %d", Unit(1), Unit(math.Ldexp(1, 300)), Unit(math.Ldexp(1, -301)), Unit(math.Inf(1)))
	}
}
