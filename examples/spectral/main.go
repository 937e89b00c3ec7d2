// Command spectral is the coarsening program shown in the README: it
// coarsens a triangle mesh to 500 vertices with coarsen.Spectral's defaults
// and prints how well the coarse operator keeps the mesh's spectrum.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/mesh"
)

func main() {
	file := "testdata/spot.obj" // .obj, .off or .ply
	if len(os.Args) > 1 {
		file = os.Args[1]
	}
	ctx := context.Background()
	msh, err := mesh.ReadFile(ctx, file)
	if err != nil {
		log.Fatal(err)
	}
	if err := msh.Normalize(); err != nil { // unit area, as published
		log.Fatal(err)
	}
	res, err := coarsen.Spectral(ctx, msh.Cotangent(), msh.Mass(mesh.Voronoi), 500, nil)
	if err != nil {
		log.Fatal(err)
	}
	// res.G (n×m), res.Lc = GᵀLG, res.Mc, res.Clustering.Roots (P),
	// res.Problem (X, Y, B, pattern, G0), res.Checks (the monitor's checks).
	q := res.Quality
	fmt.Printf("G from iteration %d of %d (%s)\n", res.Iteration, res.Solve.Iterations, res.Stopped)
	fmt.Printf("eigenvalues 2..%d: mean relative error %.4f, largest %.4f\n",
		len(q.FineValues), q.MeanEigenvalueError, q.MaxEigenvalueError)
	fmt.Printf("functional map: off-diagonal energy %.4f, %d spurious pairs\n", q.OffDiagonalEnergy, q.Defects())
	fmt.Printf("%.1f s in all\n", res.Times.Total.Seconds())
}
