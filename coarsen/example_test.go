package coarsen_test

import (
	"fmt"
	"log"
	"math"

	"gonum.org/v1/gonum/mat"

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

	cl, err := coarsen.Cluster(L, M, 2, 1)
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
	Lc := coarsen.CoarseOperator(nil, L, 2, d.Rows, d.Cols, d.G0)
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
