package sparsels_test

import (
	"context"
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// ExampleLowerBound bounds the energy of a small coarsening problem from
// below and compares the bound with the energy the solver reaches: here the
// relaxation's minimizer is a coarse operator GᵀLG, so the bound is reached.
func ExampleLowerBound() {
	// L: the Laplacian of a path on 6 vertices; G maps them to 3 coarse
	// vertices, each fine vertex to its own and a neighbouring one.
	n, m := 6, 3
	L := mat.NewDense(n, n, nil)
	for i := 0; i+1 < n; i++ {
		L.Set(i, i, L.At(i, i)+1)
		L.Set(i+1, i+1, L.At(i+1, i+1)+1)
		L.Set(i, i+1, -1)
		L.Set(i+1, i, -1)
	}
	var rows, cols []int
	for i := 0; i < n; i++ {
		a := i / 2
		rows, cols = append(rows, i), append(cols, a)
		if b := a + 1 - 2*(i%2); b >= 0 && b < m {
			rows, cols = append(rows, i), append(cols, b)
		}
	}
	pat, err := sparsels.NewPattern(n, m, rows, cols)
	if err != nil {
		log.Fatal(err)
	}
	// A target no coarse operator matches exactly.
	Y := mat.NewDiagDense(m, []float64{1, 1, 1})
	B := mat.NewDense(m, 2, []float64{1, 0, 0, 1, 1, 1})
	X := mat.NewDense(m, 2, []float64{1, -1, -2, 1, 1, 0.5})
	p, err := sparsels.NewProblem(X, Y, L, B, pat)
	if err != nil {
		log.Fatal(err)
	}
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		log.Fatal(err)
	}
	bd, err := sparsels.LowerBound(context.Background(), p, cons, nil)
	if err != nil {
		log.Fatal(err)
	}
	g0 := cons.Project(nil, make([]float64, pat.NNZ()))
	res, err := sparsels.Solve(context.Background(), p, g0, &sparsels.Settings{Constraints: cons})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("relaxation: %v, %d unknowns\n", bd.Kind, bd.Unknowns)
	fmt.Printf("lower bound %.6f ≤ E %.6f\n", bd.Value, res.Energy)
	// Output:
	// relaxation: symmetric, S·c = 0, 3 unknowns
	// lower bound 0.104167 ≤ E 0.104167
}
