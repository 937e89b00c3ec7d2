package relax

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestSmallestRitz checks the Sturm bisection against a dense
// eigendecomposition of the same tridiagonal matrix.
func TestSmallestRitz(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, k := range []int{1, 2, 7, 40} {
		alphas := make([]float64, k)
		betas := make([]float64, k)
		for j := range alphas {
			alphas[j] = 0.1 + rng.Float64()
			betas[j] = rng.Float64()
		}
		T := mat.NewSymDense(k, nil)
		for j := 0; j < k; j++ {
			v := 1 / alphas[j]
			if j > 0 {
				v += betas[j-1] / alphas[j-1]
			}
			T.SetSym(j, j, v)
			if j+1 < k {
				T.SetSym(j, j+1, math.Sqrt(betas[j])/alphas[j])
			}
		}
		var es mat.EigenSym
		if !es.Factorize(T, false) {
			t.Fatal("EigenSym failed")
		}
		want := es.Values(nil)[0]
		if got := smallestRitz(alphas, betas); math.Abs(got-want) > 2e-6*math.Abs(want) {
			t.Errorf("k = %d: smallest Ritz value %g, want %g", k, got, want)
		}
	}
}
