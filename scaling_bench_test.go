package sparsels

import (
	"fmt"
	"testing"

	"github.com/sparsels/sparsels/internal/testprob"
)

// BenchmarkFormScaling times JᵀJ·x on the scaling series of examples/bench
// (testprob.Coarsening, m = n/12, c = 64, diagonal Y) with the form NewProblem
// chose and with the direct form forced. The direct form alone grows
// linearly in nnz(G); the series' slope above 1 comes from the Gram form,
// which NewProblem picks while m is small and which is faster there:
//
//	go test -run '^$' -bench FormScaling -benchtime 5x .
func BenchmarkFormScaling(b *testing.B) {
	for _, n := range []int{14300, 42900, 143000} {
		in := testprob.Coarsening(n, n/12, 64, false, 1)
		pat, err := NewPattern(n, n/12, in.I, in.J)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewProblem(in.X, in.Y, in.L, in.B, pat)
		if err != nil {
			b.Fatal(err)
		}
		for _, form := range []string{"chosen", "direct"} {
			q := p
			if form == "direct" {
				q = p.withForm(false)
			}
			b.Run(fmt.Sprintf("nnz=%d/%s", pat.NNZ(), form), func(b *testing.B) {
				op := q.JacobianOperator(in.G)
				x := append([]float64(nil), in.G...)
				y := make([]float64, len(x))
				op.GaussNewtonMulVecTo(y, x)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					op.GaussNewtonMulVecTo(y, x)
				}
			})
		}
	}
}
