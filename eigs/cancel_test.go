package eigs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/internal/cancelcheck"
)

// advGrid3 returns the graph Laplacian of the nx×ny×nz grid with unit
// weights.
func advGrid3(nx, ny, nz int) *sparse.CSR {
	n := nx * ny * nz
	id := func(i, j, l int) int { return (l*ny+j)*nx + i }
	ptr := []int{0}
	var ind []int
	var val []float64
	for l := 0; l < nz; l++ {
		for j := 0; j < ny; j++ {
			for i := 0; i < nx; i++ {
				var nb []int
				if l > 0 {
					nb = append(nb, id(i, j, l-1))
				}
				if j > 0 {
					nb = append(nb, id(i, j-1, l))
				}
				if i > 0 {
					nb = append(nb, id(i-1, j, l))
				}
				deg := len(nb)
				if i+1 < nx {
					nb = append(nb, id(i+1, j, l))
				}
				if j+1 < ny {
					nb = append(nb, id(i, j+1, l))
				}
				if l+1 < nz {
					nb = append(nb, id(i, j, l+1))
				}
				for _, c := range nb[:deg] {
					ind, val = append(ind, c), append(val, -1)
				}
				ind, val = append(ind, id(i, j, l)), append(val, float64(len(nb)))
				for _, c := range nb[deg:] {
					ind, val = append(ind, c), append(val, -1)
				}
				ptr = append(ptr, len(ind))
			}
		}
	}
	return sparse.NewCSR(n, n, ptr, ind, val)
}

// TestSmallestCancel cancels eigs.Smallest on a 3D grid Laplacian at
// several fractions of the time T of an uncancelled run measured here (in
// the factorization and in the Krylov iteration): the call must return an
// error wrapping context.Canceled within T/5 of the cancellation. A context
// done beforehand must return at once.
func TestSmallestCancel(t *testing.T) {
	side := 16
	if testing.Short() {
		side = 12
	}
	L := advGrid3(side, side, side)
	n, _ := L.Dims()
	mass := advOnes(n, 1)
	const k = 20
	var vals []float64
	cancelcheck.Prompt(t, []float64{0, 0.05, 0.25, 0.5, 0.75}, func(ctx context.Context) (err error) {
		vals, _, err = eigs.Smallest(ctx, L, mass, k, nil)
		return err
	}, func(frac float64, err error) {
		if vals != nil || !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "eigs: ") {
			t.Errorf("cancel at %.2f T: %v values, error %v; want an error wrapping context.Canceled", frac, len(vals), err)
		}
	})
}
