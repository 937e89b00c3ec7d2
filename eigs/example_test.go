package eigs_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/eigs"
)

// pathLaplacian returns the Laplacian of the path graph on n vertices as a
// CSR matrix built from raw arrays.
func pathLaplacian(n int) *sparse.CSR {
	indptr := []int{0}
	var ind []int
	var data []float64
	for i := 0; i < n; i++ {
		deg := 0.0
		if i > 0 {
			ind = append(ind, i-1)
			data = append(data, -1)
			deg++
		}
		if i+1 < n {
			ind = append(ind, i+1)
			data = append(data, -1)
			deg++
		}
		ind = append(ind, i)
		data = append(data, deg)
		indptr = append(indptr, len(ind))
	}
	return sparse.NewCSR(n, n, indptr, ind, data)
}

func ExampleSmallest() {
	// The path graph on n vertices has eigenvalues 2 − 2cos(πj/n).
	const n = 200
	l := pathLaplacian(n)
	mass := make([]float64, n)
	for i := range mass {
		mass[i] = 1
	}
	values, vectors, err := eigs.Smallest(context.Background(), l, mass, 4, nil)
	if err != nil {
		log.Fatal(err)
	}
	for j, v := range values {
		fmt.Printf("λ_%d = %.10f  (closed form %.10f)\n", j, math.Abs(v), 2-2*math.Cos(math.Pi*float64(j)/n))
	}
	// The first eigenvector is constant: 1/√n with unit mass.
	fmt.Printf("u_0[0] = %.6f\n", vectors.At(0, 0))
	// Output:
	// λ_0 = 0.0000000000  (closed form 0.0000000000)
	// λ_1 = 0.0002467350  (closed form 0.0002467350)
	// λ_2 = 0.0009868793  (closed form 0.0009868793)
	// λ_3 = 0.0022202501  (closed form 0.0022202501)
	// u_0[0] = 0.070711
}
