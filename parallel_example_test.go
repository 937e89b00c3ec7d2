package sparsels_test

import (
	"fmt"
	"log"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// ExampleProblem_WithThreads evaluates a path-graph coarsening problem on one
// goroutine and on the default number; the results are identical to the bit.
func ExampleProblem_WithThreads() {
	// G is 4×2 with two nonzeros per row; L is the Laplacian of a path with
	// four vertices; the target X is the Laplacian of a path with two.
	pat, err := sparsels.NewPattern(4, 2, []int{0, 1, 1, 2, 2, 3}, []int{0, 0, 1, 0, 1, 1})
	if err != nil {
		log.Fatal(err)
	}
	L := sparse.NewCSR(4, 4,
		[]int{0, 2, 5, 8, 10},
		[]int{0, 1, 0, 1, 2, 1, 2, 3, 2, 3},
		[]float64{1, -1, -1, 2, -1, -1, 2, -1, -1, 1})
	I := mat.NewDiagDense(2, []float64{1, 1})
	X := mat.NewDense(2, 2, []float64{1, -1, -1, 1})
	p, err := sparsels.NewProblem(X, I, L, I, pat)
	if err != nil {
		log.Fatal(err)
	}
	g := []float64{1, 0.7, 0.3, 0.3, 0.7, 1}

	serial := p.WithThreads(1)
	e1, grad1 := serial.EnergyGradient(nil, g)
	e, grad := p.EnergyGradient(nil, g)
	same := e == e1
	for k := range grad {
		same = same && grad[k] == grad1[k]
	}
	// By hand: GᵀLG = 0.34·[1 −1; −1 1], so f = 0.66·[1 −1; −1 1] and
	// E = 4·0.66² = 1.7424; the gradient is −4(LG f) sampled at the pattern.
	fmt.Printf("E = %.4f\n", e)
	fmt.Printf("gradient = %.4f\n", grad)
	fmt.Println("identical:", same)
	// Output:
	// E = 1.7424
	// gradient = [-1.5840 -0.5280 0.5280 0.5280 -0.5280 -1.5840]
	// identical: true
}
