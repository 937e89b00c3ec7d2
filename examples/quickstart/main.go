// Command quickstart is the program shown in the README: it fits a 6×3
// prolongation G, every row summing to 1, so that the coarse operator GᵀLG
// of a path Laplacian L matches a target.
package main

import (
	"context"
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

func main() {
	// L: the Laplacian of a path on n = 6 fine vertices.
	n, m := 6, 3
	L := mat.NewDense(n, n, nil)
	for a := 0; a+1 < n; a++ {
		L.Set(a, a, L.At(a, a)+1)
		L.Set(a+1, a+1, L.At(a+1, a+1)+1)
		L.Set(a, a+1, -1)
		L.Set(a+1, a, -1)
	}
	// The pattern of G (n×m): fine vertex a may couple to two coarse vertices.
	// The order of (rows, cols) is the order of the values g.
	rows := []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}
	cols := []int{0, 1, 0, 1, 0, 1, 1, 2, 1, 2, 1, 2}
	pat, err := sparsels.NewPattern(n, m, rows, cols)
	if err != nil {
		log.Fatal(err)
	}
	// The target X = GᵀLG of a known G, so that the minimum is 0; Y and B
	// are identities, so E(g) = ‖X − GᵀLG‖²_F.
	gKnown := []float64{1, 0, 0.8, 0.2, 0.3, 0.7, 0.7, 0.3, 0.2, 0.8, 0, 1}
	X := sparsels.CoarseOperator(L, pat, gKnown)
	I := mat.NewDiagDense(m, []float64{1, 1, 1})
	p, err := sparsels.NewProblem(X, I, L, I, pat)
	if err != nil {
		log.Fatal(err)
	}
	// Minimize from an even split with every row of G summing to 1.
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		log.Fatal(err)
	}
	g0 := []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}
	res, err := sparsels.Solve(context.Background(), p, g0, &sparsels.Settings{Constraints: cons})
	if err != nil {
		log.Fatal(err)
	}
	log.Print(res) // the full report, with timings, on stderr

	fmt.Println("converged:", res.Status.Converged())
	fmt.Printf("E(g0) = %.4f, E(G) below 1e-20: %v\n", res.InitialEnergy, res.Energy < 1e-20)
	fmt.Printf("rows sum to 1 within 1e-12: %v\n", res.Violation <= 1e-12)
	fmt.Printf("GᵀLG =\n%.4f\n", mat.Formatted(p.CoarseOperator(res.G)))
}
