package sparsels

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/testprob"
)

// TestGaussNewtonBlocksAndBounds checks, against the dense GaussNewton and
// Hessian, the row blocks of JᵀJ (GaussNewtonBlocks, also with the rows
// split across goroutines), the operator's Energy, Gradient and SetPoint,
// and that secondOrderRowBounds bounds the spectral radius of each row block
// of the second-order term ½∇²E − JᵀJ.
func TestGaussNewtonBlocksAndBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		sp   solveProblem
	}{
		{"diagonal Y", newSolveProblem(81, 11, 5, 0, 4, 3, false, true)},
		{"dense Y", newSolveProblem(82, 9, 4, 6, 3, 3, false, false)},
		{"large, parallel rows", largeSolveProblem()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.sp.p
			g := perturb(83, tc.sp.gStar, 0.3)
			var gn, hs mat.SymDense
			p.GaussNewton(&gn, g)
			p.Hessian(&hs, g)
			pat := p.pat
			var scale float64
			for k := 0; k < pat.NNZ(); k++ {
				scale = math.Max(scale, math.Abs(gn.At(k, k)))
			}
			op := p.JacobianOperator(make([]float64, len(g)))
			op.SetPoint(g)
			if e := p.Energy(g); op.Energy() != e {
				t.Errorf("operator energy %v, Problem %v", op.Energy(), e)
			}
			checkClose(t, "operator gradient", op.Gradient(nil), p.Gradient(nil, g), 1e-13)
			bounds := make([]float64, p.n)
			op.secondOrderRowBounds(bounds)
			for _, threads := range []int{1, 2} {
				blocks := p.WithThreads(threads).GaussNewtonBlocks(nil, g)
				for a := 0; a < p.n; a++ {
					idx := pat.RowIndices(a)
					q := len(idx)
					blk := blocks.Block(a)
					h2 := mat.NewSymDense(max(q, 1), nil)
					for i, k := range idx {
						for j, l := range idx {
							if d := math.Abs(blk[i*q+j] - gn.At(k, l)); d > 1e-12*scale {
								t.Fatalf("row %d block [%d,%d] = %g, JᵀJ has %g", a, i, j, blk[i*q+j], gn.At(k, l))
							}
							if j >= i {
								h2.SetSym(i, j, 0.5*hs.At(k, l)-gn.At(k, l))
							}
						}
					}
					if q == 0 {
						continue
					}
					var es mat.EigenSym
					if !es.Factorize(h2, false) {
						t.Fatal("eigendecomposition failed")
					}
					vals := es.Values(nil)
					rho := math.Max(math.Abs(vals[0]), math.Abs(vals[q-1]))
					if rho > bounds[a]*(1+1e-12)+1e-12*scale {
						t.Fatalf("row %d: second-order block has spectral radius %g above the bound %g", a, rho, bounds[a])
					}
				}
			}
		})
	}
}

// largeSolveProblem is a coarsening-shaped problem large enough that the
// row loops run on several goroutines.
func largeSolveProblem() solveProblem {
	in := testprob.Coarsening(600, 50, 128, false, 5) // nnz·c enough to split the row loops
	pat, err := NewPattern(600, 50, in.I, in.J)
	if err != nil {
		panic(err)
	}
	p, err := NewProblem(in.X, in.Y, in.L, in.B, pat)
	if err != nil {
		panic(err)
	}
	return solveProblem{p: p, gStar: in.G}
}

// checkClose fails if max|got − want| exceeds tol times max(max|want|, 1).
func checkClose(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	var d, s float64
	for i := range got {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		s = math.Max(s, math.Abs(want[i]))
	}
	if d > tol*math.Max(s, 1) {
		t.Fatalf("%s: max difference %g (scale %g)", name, d, s)
	}
}
