package sparsels_test

import (
	"context"
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// ExampleSolve fits a 4×2 prolongation whose rows sum to 1 so that the
// coarse operator GᵀLG of a path Laplacian matches a target exactly.
func ExampleSolve() {
	// L: the Laplacian of a path on 4 vertices.
	L := mat.NewDense(4, 4, []float64{
		1, -1, 0, 0,
		-1, 2, -1, 0,
		0, -1, 2, -1,
		0, 0, -1, 1,
	})
	// G may couple each fine vertex to the two coarse vertices.
	rows := []int{0, 0, 1, 1, 2, 2, 3, 3}
	cols := []int{0, 1, 0, 1, 0, 1, 0, 1}
	pat, err := sparsels.NewPattern(4, 2, rows, cols)
	if err != nil {
		log.Fatal(err)
	}
	Y := mat.NewDiagDense(2, []float64{1, 1})
	B := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	// The target coarse operator is GᵀLG for a known G*, so the minimum is 0.
	gStar := []float64{1, 0, 0.7, 0.3, 0.3, 0.7, 0, 1}
	X := sparsels.CoarseOperator(L, pat, gStar)
	p, err := sparsels.NewProblem(X, Y, L, B, pat)
	if err != nil {
		log.Fatal(err)
	}
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		log.Fatal(err)
	}
	g0 := []float64{1, 0, 0.5, 0.5, 0.5, 0.5, 0, 1}
	res, err := sparsels.Solve(context.Background(), p, g0, &sparsels.Settings{Constraints: cons})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("method %v, converged %v\n", res.Method, res.Status.Converged())
	fmt.Printf("E(g0) = %.4f, E below 1e-20: %v\n", res.InitialEnergy, res.Energy < 1e-20)
	fmt.Printf("rows sum to 1 within 1e-12: %v\n", res.Violation <= 1e-12)
	// Output:
	// method newton, converged true
	// E(g0) = 0.1024, E below 1e-20: true
	// rows sum to 1 within 1e-12: true
}
