package sparsels_test

import (
	"context"
	"fmt"
	"log"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// Example walks through the package: a pattern for G, a problem, its
// energy and gradient, constraints, Solve and the coarse operator of the
// result. It coarsens the Laplacian of a path on 5 vertices to 3 coarse
// vertices, with a target made from a known G.
func Example() {
	// 1. The pattern of G (5×3): fine vertices 0, 2 and 4 sit on coarse
	// vertices 0, 1 and 2; vertices 1 and 3 may couple to the two coarse
	// vertices beside them. The order of (rows, cols) is the order of g.
	rows := []int{0, 1, 1, 2, 3, 3, 4}
	cols := []int{0, 0, 1, 1, 1, 2, 2}
	pat, err := sparsels.NewPattern(5, 3, rows, cols)
	if err != nil {
		log.Fatal(err)
	}

	// 2. The operands. L is sparse (any mat.Matrix works; sparse ones are
	// read through their structure). Y and B are identities, so the energy
	// is ‖X − GᵀLG‖²_F, and the target X is GᵀLG for a known G.
	L := sparse.NewCSR(5, 5,
		[]int{0, 2, 5, 8, 11, 13},
		[]int{0, 1, 0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4},
		[]float64{1, -1, -1, 2, -1, -1, 2, -1, -1, 2, -1, -1, 1})
	gKnown := []float64{1, 0.7, 0.3, 1, 0.4, 0.6, 1}
	X := sparsels.CoarseOperator(L, pat, gKnown)
	I := mat.NewDiagDense(3, []float64{1, 1, 1})
	p, err := sparsels.NewProblem(X, I, L, I, pat)
	if err != nil {
		log.Fatal(err)
	}

	// 3. Evaluate at a start. (An even split of rows 1 and 3 would be a
	// stationary point: E is symmetric about it.)
	g0 := []float64{1, 0.6, 0.4, 1, 0.6, 0.4, 1}
	e, grad := p.EnergyGradient(nil, g0)
	fmt.Printf("E(g0) = %.4f, ‖∇E(g0)‖ = %.4f\n", e, floats.Norm(grad, 2))

	// 4. Constrain every row of G to sum to 1 and minimize.
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		log.Fatal(err)
	}
	res, err := sparsels.Solve(context.Background(), p, g0, &sparsels.Settings{Constraints: cons})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("converged:", res.Status.Converged(), "E below 1e-20:", res.Energy < 1e-20)

	// 5. The coarse operator of the result reproduces the target.
	fmt.Printf("GᵀLG =\n%.4f\n", mat.Formatted(p.CoarseOperator(res.G)))
	// Output:
	// E(g0) = 0.0144, ‖∇E(g0)‖ = 0.4528
	// converged: true E below 1e-20: true
	// GᵀLG =
	// ⎡ 0.5800  -0.5800   0.0000⎤
	// ⎢-0.5800   1.1000  -0.5200⎥
	// ⎣ 0.0000  -0.5200   0.5200⎦
}
