package coarsen_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/mesh"
)

func Example() {
	// A strip of 6 equilateral triangles with 8 vertices.
	h := math.Sqrt(3) / 2
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {0.5, h, 0}, {1.5, h, 0}, {2.5, h, 0}, {3.5, h, 0}},
		F: [][3]int{{0, 1, 4}, {1, 5, 4}, {1, 2, 5}, {2, 6, 5}, {2, 3, 6}, {3, 7, 6}},
	}
	L, M := m.Cotangent(), m.Mass(mesh.Barycentric)

	cl, err := coarsen.Cluster(context.Background(), L, M, 2, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("assign:", cl.Assign)
	fmt.Println("roots: ", cl.Roots)

	// The constant vector (M-normalized) as the only eigenvector.
	var area float64
	for _, v := range M {
		area += v
	}
	U := mat.NewDense(len(M), 1, nil)
	for i := range len(M) {
		U.Set(i, 0, 1/math.Sqrt(area))
	}
	d, err := coarsen.Setup(L, M, U, cl)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("cluster masses: %.4f\n", d.Mc)
	fmt.Println("pattern entries:", len(d.Rows))

	// The coarse operator of the initial guess G = Kᵀ: the off-diagonal entry
	// sums the weights -1/(2√3), -1/√3, -1/(2√3) of the edges 1-2, 2-5, 5-6
	// between the clusters.
	pat, err := sparsels.NewPattern(len(M), 2, d.Rows, d.Cols)
	if err != nil {
		log.Fatal(err)
	}
	Lc := sparsels.CoarseOperator(L, pat, d.G0)
	fmt.Printf("K L Kᵀ =\n%.4f\n", mat.Formatted(Lc))
	// Output:
	// assign: [0 0 1 1 0 0 1 1]
	// roots:  [0 7]
	// cluster masses: [1.2990 1.2990]
	// pattern entries: 16
	// K L Kᵀ =
	// ⎡ 1.1547  -1.1547⎤
	// ⎣-1.1547   1.1547⎦
}

// Spectral coarsens any Laplacian, not only a mesh's: here the graph
// Laplacian of a path of 40 vertices with unit masses, to 10 vertices
// keeping 4 eigenpairs.
func ExampleSpectral() {
	const n = 40
	indptr, ind, data := []int{0}, []int{}, []float64{}
	for i := range n {
		deg := 0.0
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < n {
				ind, data = append(ind, j), append(data, -1)
				deg++
			}
		}
		ind, data = append(ind, i), append(data, deg)
		indptr = append(indptr, len(ind))
	}
	L := sparse.NewCSR(n, n, indptr, ind, data)
	M := make([]float64, n)
	for i := range M {
		M[i] = 1
	}

	res, err := coarsen.Spectral(context.Background(), L, M, 10, &coarsen.Options{K: 4})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("roots:", res.Clustering.Roots)
	fmt.Printf("coarse masses: %v\n", res.Mc)
	q := res.Quality
	fmt.Printf("fine eigenvalues 1..3:   %.3f\n", q.FineValues[1:])
	fmt.Printf("coarse eigenvalues 1..3: %.3f\n", q.CoarseValues[1:])
	fmt.Println("largest relative eigenvalue error below 10%:", q.MaxEigenvalueError < 0.1)
	fmt.Println("off-diagonal energy of C below 0.01:", q.OffDiagonalEnergy < 1e-2)
	fmt.Println("spurious pairs:", q.Defects())
	fmt.Println("stopped by the monitor:", res.Stopped != "", "after", res.Checks[len(res.Checks)-1].Iteration, "iterations")
	// Output:
	// roots: [0 4 8 12 17 21 25 29 34 39]
	// coarse masses: [3 4 4 4 5 4 4 4 5 3]
	// fine eigenvalues 1..3:   [0.006 0.025 0.055]
	// coarse eigenvalues 1..3: [0.006 0.025 0.055]
	// largest relative eigenvalue error below 10%: true
	// off-diagonal energy of C below 0.01: true
	// spurious pairs: 0
	// stopped by the monitor: true after 200 iterations
}

// FunctionalMap and OffDiagonalEnergy measure how a coarsening maps
// eigenvectors; signs of eigenvectors do not change the energy.
func ExampleOffDiagonalEnergy() {
	C := mat.NewDense(3, 3, []float64{
		0.99, 0.05, 0,
		-0.04, -0.97, 0.10,
		0, 0.12, 0.95,
	})
	fmt.Printf("%.4f\n", coarsen.OffDiagonalEnergy(C))
	C.Scale(-1, C)
	fmt.Printf("%.4f\n", coarsen.OffDiagonalEnergy(C))
	// Output:
	// 0.0100
	// 0.0100
}
