package cholesky_test

import (
	"fmt"
	"log"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/cholesky"
)

// gridLaplacian returns the graph Laplacian of the nx×ny grid, vertex (x, y)
// numbered x + nx·y, plus shift on the diagonal, as a CSR matrix built from
// raw arrays with sorted columns.
func gridLaplacian(nx, ny int, shift float64) *sparse.CSR {
	indptr := []int{0}
	var ind []int
	var data []float64
	for y := 0; y < ny; y++ {
		for x := 0; x < nx; x++ {
			v := x + nx*y
			var nb []int
			if y > 0 {
				nb = append(nb, v-nx)
			}
			if x > 0 {
				nb = append(nb, v-1)
			}
			lower := len(nb)
			if x+1 < nx {
				nb = append(nb, v+1)
			}
			if y+1 < ny {
				nb = append(nb, v+nx)
			}
			for _, w := range nb[:lower] {
				ind, data = append(ind, w), append(data, -1)
			}
			ind, data = append(ind, v), append(data, float64(len(nb))+shift)
			for _, w := range nb[lower:] {
				ind, data = append(ind, w), append(data, -1)
			}
			indptr = append(indptr, len(ind))
		}
	}
	n := nx * ny
	return sparse.NewCSR(n, n, indptr, ind, data)
}

func ExampleCholesky() {
	// A = [4 2 0; 2 5 3; 0 3 10], given by its lower triangle.
	a := sparse.NewCSR(3, 3, []int{0, 1, 3, 5}, []int{0, 0, 1, 1, 2}, []float64{4, 2, 5, 3, 10})
	var chol cholesky.Cholesky
	if err := chol.Factorize(a, nil); err != nil {
		log.Fatal(err)
	}
	x := chol.SolveTo(nil, []float64{2, 3, 17})
	fmt.Printf("x = [%.4f %.4f %.4f], nnz(L) = %d\n", x[0], x[1], x[2], chol.NNZ())
	// Output:
	// x = [1.0000 -1.0000 2.0000], nnz(L) = 5
}

func ExampleCholesky_SolveManyTo() {
	// Two right-hand sides of A = [4 2 0; 2 5 3; 0 3 10], one after the other.
	a := sparse.NewCSR(3, 3, []int{0, 1, 3, 5}, []int{0, 0, 1, 1, 2}, []float64{4, 2, 5, 3, 10})
	var chol cholesky.Cholesky
	if err := chol.Factorize(a, nil); err != nil {
		log.Fatal(err)
	}
	x := chol.SolveManyTo(nil, []float64{2, 3, 17, 4, 2, 0}, 2)
	fmt.Printf("x₀ = %.4f\nx₁ = %.4f\n", x[:3], x[3:])
	// Output:
	// x₀ = [1.0000 -1.0000 2.0000]
	// x₁ = [1.0000 0.0000 0.0000]
}

func ExampleFactorNNZ() {
	// The storage of the factor of a shifted 30×30 grid Laplacian under the
	// natural (row by row) numbering and under the default ordering, counted
	// without factorizing.
	a := gridLaplacian(30, 30, 0.01)
	natural := make([]int, 30*30)
	for i := range natural {
		natural[i] = i
	}
	nat, err := cholesky.FactorNNZ(a, natural)
	if err != nil {
		log.Fatal(err)
	}
	def, err := cholesky.FactorNNZ(a, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("natural order: %d entries\ndefault order: %d entries\n", nat, def)
	// Output:
	// natural order: 27029 entries
	// default order: 10505 entries
}

func ExampleNestedDissection() {
	// Nested dissection of a 60×60 grid; the factor under it is far smaller
	// than under a bandwidth-reducing ordering.
	a := gridLaplacian(60, 60, 0.01)
	nd, err := cholesky.NestedDissection(a)
	if err != nil {
		log.Fatal(err)
	}
	rcm, err := cholesky.ReverseCuthillMcKee(a)
	if err != nil {
		log.Fatal(err)
	}
	var chol cholesky.Cholesky
	if err := chol.Factorize(a, nd); err != nil {
		log.Fatal(err)
	}
	nnzRCM, err := cholesky.FactorNNZ(a, rcm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nnz(L): nested dissection %d, reverse Cuthill–McKee %d\n", chol.NNZ(), nnzRCM)
	// Output:
	// nnz(L): nested dissection 61846, reverse Cuthill–McKee 149330
}

func ExampleReverseCuthillMcKee() {
	// A shuffled path graph gets back its bandwidth of 1.
	perm := []int{3, 0, 4, 1, 2}
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	// Path 0-1-2-3-4 numbered by inv: edge (i, i+1) joins inv[i] and inv[i+1].
	n := len(perm)
	rows := make([][]int, n)
	for i := 0; i+1 < n; i++ {
		u, v := inv[i], inv[i+1]
		rows[u] = append(rows[u], v)
		rows[v] = append(rows[v], u)
	}
	indptr := []int{0}
	var ind []int
	var data []float64
	for u := 0; u < n; u++ {
		ind, data = append(ind, u), append(data, 2)
		for _, v := range rows[u] {
			ind, data = append(ind, v), append(data, -1)
		}
		indptr = append(indptr, len(ind))
	}
	a := sparse.NewCSR(n, n, indptr, ind, data)
	before, band0, err := cholesky.Envelope(a, nil)
	if err != nil {
		log.Fatal(err)
	}
	p, err := cholesky.ReverseCuthillMcKee(a)
	if err != nil {
		log.Fatal(err)
	}
	after, band1, err := cholesky.Envelope(a, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("envelope %d, bandwidth %d before; envelope %d, bandwidth %d after\n", before, band0, after, band1)
	// Output:
	// envelope 8, bandwidth 4 before; envelope 4, bandwidth 1 after
}
