//go:build !race

// Under the race detector this example takes about 40 s instead of 0.7 s
// (measured on the shared 2-core machine); the other tests run Spectral
// under it on small problems.

package coarsen_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/mesh"
)

// Coarsen a triangle mesh to 60 vertices keeping the low spectrum of its
// Laplace–Beltrami operator: all a geometry user writes. (The iteration
// limit keeps this example fast; nil options run the defaults.)
func Example_mesh() {
	msh, err := mesh.ReadFile(context.Background(), "../testdata/spot.obj")
	if err != nil {
		log.Fatal(err)
	}
	if err := msh.Normalize(); err != nil { // unit area, as published
		log.Fatal(err)
	}
	opts := &coarsen.Options{Settings: &sparsels.Settings{MaxIterations: 200}}
	res, err := coarsen.Spectral(context.Background(), msh.Cotangent(), msh.Mass(mesh.Voronoi), 60, opts)
	if err != nil {
		log.Fatal(err)
	}
	r, c := res.Lc.Dims()
	fmt.Printf("Lc = GᵀLG is %d×%d; k = %d eigenvectors\n", r, c, len(res.Values))
	fmt.Println("mean eigenvalue error below 5%:", res.Quality.MeanEigenvalueError < 0.05)
	fmt.Println("off-diagonal energy of C below 0.1:", res.Quality.OffDiagonalEnergy < 0.1)
	// Output:
	// Lc = GᵀLG is 60×60; k = 20 eigenvectors
	// mean eigenvalue error below 5%: true
	// off-diagonal energy of C below 0.1: true
}
