package sparsels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// bandPattern returns the pattern of an n×m G with the nonzeros
// (a, a mod m) and (a, (a+3) mod m) in every row a, m > 3, and random values
// on it.
func bandPattern(t *testing.T, rng *rand.Rand, n, m int) (*sparsels.Pattern, []float64) {
	var is, js []int
	for a := range n {
		is, js = append(is, a, a), append(js, a%m, (a+3)%m)
	}
	pat, err := sparsels.NewPattern(n, m, is, js)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, pat.NNZ())
	for k := range g {
		g[k] = rng.Float64() - 0.3
	}
	return pat, g
}

// TestCoarseOperatorSymmetry checks that GᵀLG is exactly symmetric when L
// is symmetric, from a Problem and from L alone, and that a nonsymmetric L
// is not symmetrized: S then matches the dense product, not its symmetric
// part.
func TestCoarseOperatorSymmetry(t *testing.T) {
	const n, m = 30, 7
	rng := rand.New(rand.NewPCG(3, 4))
	pat, g := bandPattern(t, rng, n, m)
	Gd := mat.NewDense(n, m, nil)
	for k, v := range g {
		i, j := pat.Subscripts(k)
		Gd.Set(i, j, v)
	}
	for _, tc := range []struct {
		name      string
		symmetric bool
	}{{"symmetric", true}, {"nonsymmetric", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dok := sparse.NewDOK(n, n)
			for a := range n {
				for _, b := range []int{a, (a + 1) % n, (a + 7) % n} {
					v := rng.NormFloat64()
					dok.Set(a, b, dok.At(a, b)+v)
					if tc.symmetric && a != b {
						dok.Set(b, a, dok.At(b, a)+v)
					}
				}
			}
			L := dok.ToCSR()
			var want mat.Dense
			want.Product(Gd.T(), L, Gd)
			S := sparsels.CoarseOperator(L, pat, g)
			Sd := mat.DenseCopyOf(S)
			const tol = 1e-12
			if !mat.EqualApprox(Sd, &want, tol*mat.Norm(&want, 1)) {
				t.Fatalf("GᵀLG =\n%v\nwant\n%v", mat.Formatted(Sd), mat.Formatted(&want))
			}
			if got := mat.Equal(Sd, Sd.T()); got != tc.symmetric {
				t.Errorf("S exactly symmetric = %v, want %v", got, tc.symmetric)
			}
			eye := mat.NewDiagDense(m, nil)
			for i := range m {
				eye.SetDiag(i, 1)
			}
			p, err := sparsels.NewProblem(mat.NewDense(m, 1, nil), eye, L, mat.NewDense(m, 1, nil), pat)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(p.CoarseOperator(g), S) {
				t.Error("Problem.CoarseOperator and CoarseOperator differ")
			}
		})
	}
}
