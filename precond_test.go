package sparsels

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// TestBlockPrecond checks the block-Jacobi preconditioner against its
// definition on random blocks: apply solves M_a x_a = r_a with
// M_a = Z_aᵀ(B_a + diag(shift_a))Z_a (for Jacobi only B_a's diagonal), and
// normM(x)² = Σ x_aᵀM_a x_a, for every kind of constraints and on 1 and 2
// goroutines.
func TestBlockPrecond(t *testing.T) {
	const n, m = 30, 10
	rng := rand.New(rand.NewPCG(5, 11))
	pat := randomRowPattern(t, rng, n, m, 0.4)
	rowSum, err := RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	c2 := mat.NewDense(m, 2, nil)
	for b := 0; b < m; b++ {
		c2.Set(b, 0, 1)
		c2.Set(b, 1, rng.NormFloat64())
	}
	ones := make([]float64, pat.NNZ())
	for i := range ones {
		ones[i] = 1 / float64(m)
	}
	var d2 mat.Dense
	d2.Mul(denseOf(pat, ones), c2)
	two, err := NewConstraints(pat, c2, &d2)
	if err != nil {
		t.Fatal(err)
	}
	// Random symmetric positive semidefinite blocks RᵀR and a positive shift.
	bd := NewBlockDiag(pat)
	for a := 0; a < n; a++ {
		pa := len(pat.RowIndices(a))
		blk := bd.Block(a)
		r := make([]float64, pa*pa)
		for i := range r {
			r[i] = rng.NormFloat64()
		}
		for i := 0; i < pa; i++ {
			for j := 0; j < pa; j++ {
				for k := 0; k < pa; k++ {
					blk[i*pa+j] += r[k*pa+i] * r[k*pa+j]
				}
			}
		}
	}
	shift := make([]float64, pat.NNZ())
	for i := range shift {
		shift[i] = 0.1 + rng.Float64()
	}
	for _, cs := range []*Constraints{unconstrained(pat), rowSum, two} {
		for _, kind := range []Preconditioner{BlockJacobi, Jacobi} {
			for _, threads := range []int{1, 2} {
				bp := newBlockPrecond(cs, kind, threads)
				bp.update(bd, shift)
				r := make([]float64, cs.Dim())
				for i := range r {
					r[i] = rng.NormFloat64()
				}
				x := make([]float64, cs.Dim())
				bp.apply(x, r)
				var xmx float64
				for a := 0; a < n; a++ {
					if cs.nullOff[a] == cs.nullOff[a+1] {
						continue
					}
					ma := reducedBlock(cs, a, bd.Block(a), shift, kind == Jacobi)
					o0, o1 := cs.nullOff[a], cs.nullOff[a+1]
					xa := mat.NewVecDense(o1-o0, x[o0:o1])
					var mx mat.VecDense
					mx.MulVec(ma, xa)
					for i := 0; i < o1-o0; i++ {
						if d := math.Abs(mx.AtVec(i) - r[o0+i]); d > 1e-12*mat.Norm(ma, 2)*mat.Norm(xa, 2) {
							t.Fatalf("kind %v, %d threads, row %d: (M x − r)[%d] = %g", kind, threads, a, i, d)
						}
					}
					xmx += mat.Inner(xa, ma, xa)
				}
				if nm := bp.normM(x); math.Abs(nm*nm-xmx) > 1e-12*xmx {
					t.Fatalf("kind %v: normM² = %g, xᵀMx = %g", kind, nm*nm, xmx)
				}
				// The blocks, the shift and r scaled by 2^e, as JᵀJ and the
				// gradient scale together with the energy: M⁻¹r is
				// unchanged and normM scales by 2^(e/2). At 2^±700 the
				// scaling is exact; at 2^-1040 the blocks are subnormal
				// (about 1e-313), their inverses are beyond the largest
				// float64, and only the rounding of the subnormals (about
				// 2⁻³⁴ relative) may differ.
				nm := bp.normM(x)
				for _, e := range []int{-700, 700, -1040} {
					bs := NewBlockDiag(pat)
					for i, v := range bd.data {
						bs.data[i] = math.Ldexp(v, e)
					}
					ss, rs := make([]float64, len(shift)), make([]float64, len(r))
					for i, v := range shift {
						ss[i] = math.Ldexp(v, e)
					}
					for i, v := range r {
						rs[i] = math.Ldexp(v, e)
					}
					bps := newBlockPrecond(cs, kind, threads)
					bps.update(bs, ss)
					xs := make([]float64, len(x))
					bps.apply(xs, rs)
					tol := 0.0
					if e < -1022 {
						tol = 1e-6
					}
					for i := range x {
						if !(math.Abs(xs[i]-x[i]) <= tol*floats.Norm(x, math.Inf(1))) {
							t.Fatalf("kind %v, scale 2^%d: (M⁻¹r)[%d] = %g, unscaled %g", kind, e, i, xs[i], x[i])
						}
					}
					if nms := bps.normM(x); !(math.Abs(nms-math.Ldexp(nm, e/2)) <= tol*math.Ldexp(nm, e/2)) {
						t.Fatalf("kind %v, scale 2^%d: normM = %g, want %g", kind, e, nms, math.Ldexp(nm, e/2))
					}
				}
			}
		}
	}
}

// reducedBlock returns Z_aᵀ(B_a + diag(shift_a))Z_a, with only B_a's
// diagonal when diagOnly.
func reducedBlock(cs *Constraints, a int, blk, shift []float64, diagOnly bool) *mat.SymDense {
	idx := cs.pat.RowIndices(a)
	pa := len(idx)
	u, ld, off, q := cs.nullBasis(a)
	b := mat.NewDense(pa, pa, nil)
	for i := 0; i < pa; i++ {
		for j := 0; j < pa; j++ {
			if !diagOnly || i == j {
				b.Set(i, j, blk[i*pa+j])
			}
		}
		b.Set(i, i, b.At(i, i)+shift[idx[i]])
	}
	z := mat.NewDense(pa, max(q, 1), nil)
	for i := 0; i < pa; i++ {
		for j := 0; j < q; j++ {
			z.Set(i, j, u[i*ld+off+j])
		}
	}
	var bz, m mat.Dense
	bz.Mul(b, z)
	m.Mul(z.T(), &bz)
	s := mat.NewSymDense(q, nil)
	for i := 0; i < q; i++ {
		for j := i; j < q; j++ {
			s.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	return s
}

// denseOf returns the n×m matrix of values g on p.
func denseOf(p *Pattern, g []float64) *mat.Dense {
	n, m := p.Dims()
	d := mat.NewDense(n, m, nil)
	for k, v := range g {
		i, j := p.Subscripts(k)
		d.Set(i, j, v)
	}
	return d
}

// BenchmarkBlockPrecondApply compares apply, a dense product with each
// block's explicit inverse, with the two triangular solves per block it
// replaced, on Spot's shape (2930 rows of 7 or 8 entries, rows summing to
// 1), on one goroutine.
func BenchmarkBlockPrecondApply(b *testing.B) {
	const n = spotRows
	rng, pat, cs := spotShape(b)
	bd := NewBlockDiag(pat)
	for a := 0; a < n; a++ {
		blk, pa := bd.Block(a), len(pat.RowIndices(a))
		for i := 0; i < pa; i++ {
			blk[i*pa+i] = 1 + rng.Float64()
		}
	}
	shift := make([]float64, pat.NNZ())
	bp := newBlockPrecond(cs, BlockJacobi, 1)
	bp.update(bd, shift)
	r := make([]float64, cs.Dim())
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	x := make([]float64, cs.Dim())
	b.Run("inverse", func(b *testing.B) {
		for b.Loop() {
			bp.apply(x, r)
		}
	})
	b.Run("triangular", func(b *testing.B) {
		for b.Loop() {
			copy(x, r)
			bp.bj.Solve(x)
		}
	})
}
