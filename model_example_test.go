package sparsels_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// ExampleProblem_Model evaluates the model Y GᵀLG B, whose difference from X
// is the residual.
func ExampleProblem_Model() {
	p, g := exampleProblem()
	var model, f mat.Dense
	p.Model(&model, g)
	p.Residual(&f, g)
	fmt.Printf("Y GᵀLG B =\n%.6g\n", mat.Formatted(&model))
	var x mat.Dense
	x.Add(&model, &f)
	fmt.Printf("model + residual = X =\n%.6g\n", mat.Formatted(&x))
	// Output:
	// Y GᵀLG B =
	// ⎡ 0.625  -0.625⎤
	// ⎣-0.625   0.625⎦
	// model + residual = X =
	// ⎡ 1  -1⎤
	// ⎣-1   1⎦
}

// ExampleCoarseOperator forms the coarse Laplacian GᵀLG of a path graph on
// four vertices for a known prolongation G, without building a Problem:
// the way to make a target X from a known G.
func ExampleCoarseOperator() {
	// The path Laplacian, stored as a dense matrix (any mat.Matrix will do).
	L := mat.NewDense(4, 4, []float64{
		1, -1, 0, 0,
		-1, 2, -1, 0,
		0, -1, 2, -1,
		0, 0, -1, 1,
	})
	pat, err := sparsels.NewPattern(4, 2, []int{0, 1, 1, 2, 2, 3}, []int{0, 0, 1, 0, 1, 1})
	if err != nil {
		log.Fatal(err)
	}
	g := []float64{1, 0.7, 0.3, 0.3, 0.7, 1}
	S := sparsels.CoarseOperator(L, pat, g)
	fmt.Printf("GᵀLG =\n%.4g\n", mat.Formatted(S))
	fmt.Println("stored entries:", S.NNZ())
	// Output:
	// GᵀLG =
	// ⎡ 0.34  -0.34⎤
	// ⎣-0.34   0.34⎦
	// stored entries: 4
}
