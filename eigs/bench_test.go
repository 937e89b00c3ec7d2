package eigs

import (
	"context"
	"fmt"
	"testing"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// BenchmarkSmallest measures k = 100 on square grid Laplacians with unit mass.
func BenchmarkSmallest(b *testing.B) {
	for _, nx := range []int{55, 141} {
		n := nx * nx
		l := sparsetest.GridLaplacian(nx, nx)
		mass := ones(n)
		b.Run(fmt.Sprintf("grid%dx%d/n=%d/k=100", nx, nx, n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Smallest(context.Background(), l, mass, 100, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
