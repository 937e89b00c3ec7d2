package cholesky

import (
	"fmt"
	"testing"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// BenchmarkCholesky measures ordering plus factorization, and one solve, on a
// shifted grid Laplacian.
func BenchmarkCholesky(b *testing.B) {
	for _, nx := range []int{55, 141, 224} {
		n := nx * nx
		ts := sparsetest.GraphLaplacian(n, sparsetest.GridEdges(nx, nx))
		for i := 0; i < n; i++ {
			ts = append(ts, triplet{i, i, 1e-3})
		}
		a := sparsetest.BuildCSR(n, ts)
		b.Run(fmt.Sprintf("factorize/n=%d", n), func(b *testing.B) {
			var c Cholesky
			for b.Loop() {
				if err := c.Factorize(a, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		var c Cholesky
		if err := c.Factorize(a, nil); err != nil {
			b.Fatal(err)
		}
		x := make([]float64, n)
		for i := range x {
			x[i] = 1
		}
		b.Run(fmt.Sprintf("solve/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				c.SolveTo(x, x)
			}
		})
	}
}

// BenchmarkOrdering compares MinimumDegree and NestedDissection, and the
// factorization under each, on square grid Laplacians up to n = 10⁵
// (mdCutoff separates them by default).
func BenchmarkOrdering(b *testing.B) {
	for _, nx := range []int{100, 316} {
		n := nx * nx
		ts := sparsetest.GraphLaplacian(n, sparsetest.GridEdges(nx, nx))
		for i := 0; i < n; i++ {
			ts = append(ts, triplet{i, i, 1e-3})
		}
		a := sparsetest.BuildCSR(n, ts)
		for _, o := range []struct {
			name string
			f    func(*sparse.CSR) ([]int, error)
		}{{"md", MinimumDegree}, {"nd", NestedDissection}} {
			var perm []int
			b.Run(fmt.Sprintf("%s/order/n=%d", o.name, n), func(b *testing.B) {
				for b.Loop() {
					perm, _ = o.f(a)
				}
			})
			b.Run(fmt.Sprintf("%s/factorize/n=%d", o.name, n), func(b *testing.B) {
				var c Cholesky
				for b.Loop() {
					if err := c.Factorize(a, perm); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(c.NNZ()), "nnz(L)")
			})
		}
	}
}
