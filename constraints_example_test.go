package sparsels_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// ExampleRowSumConstraints constrains every row of a 3×2 matrix G to sum
// to 1, projects a point onto the constraints and measures violations.
func ExampleRowSumConstraints() {
	// G = [g0 g1; g2 . ; . g3]: rows 0 and 2 have one entry, row 1 two.
	pat, err := sparsels.NewPattern(3, 2, []int{0, 0, 1, 2}, []int{0, 1, 0, 1})
	if err != nil {
		log.Fatal(err)
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		log.Fatal(err)
	}
	// Row 0 keeps one free direction (g0 − g1); rows 1 and 2 are fixed to 1.
	fmt.Println("free coordinates:", cs.Dim())

	// Violation is relative: row 1 gives |3 − 1| / (3 + 1).
	g := []float64{0.2, 0.4, 3, 0.5}
	fmt.Printf("violation of g: %.3g\n", cs.Violation(g))
	// Project moves each row to the nearest point whose entries sum to 1.
	pg := cs.Project(nil, g)
	fmt.Printf("projected: %.2f, violation below 1e-15: %v\n", pg, cs.Violation(pg) < 1e-15)

	// A row without pattern entries cannot sum to 1.
	empty, err := sparsels.NewPattern(2, 2, []int{0, 0}, []int{0, 1})
	if err != nil {
		log.Fatal(err)
	}
	_, err = sparsels.RowSumConstraints(empty)
	fmt.Println(err)
	// Output:
	// free coordinates: 1
	// violation of g: 0.5
	// projected: [0.40 0.60 1.00 1.00], violation below 1e-15: true
	// sparsels: constraints infeasible in row 1: its 0 pattern entries cannot satisfy G[1,:]·C = D[1,:] (residual 1)
}

// ExampleNewConstraints builds the near-null-space constraints of an
// algebraic-multigrid prolongation P (the G of this package): P must
// reproduce constants and linear functions, P·[1 x y]_coarse = [1 x y]_fine,
// here for the 3×3 grid of fine points on the unit square and its 4 corners
// as coarse points.
func ExampleNewConstraints() {
	coarse := [][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}}
	var fine [][2]float64
	for _, y := range []float64{0, 0.5, 1} {
		for _, x := range []float64{0, 0.5, 1} {
			fine = append(fine, [2]float64{x, y})
		}
	}
	n, m := len(fine), len(coarse)
	// Every fine point may interpolate from every coarse point.
	var rows, cols []int
	for a := 0; a < n; a++ {
		for b := 0; b < m; b++ {
			rows = append(rows, a)
			cols = append(cols, b)
		}
	}
	pat, err := sparsels.NewPattern(n, m, rows, cols)
	if err != nil {
		log.Fatal(err)
	}
	// C = [1 x y] at the coarse points (m×3), D = [1 x y] at the fine
	// points (n×3): G·C = D.
	C := mat.NewDense(m, 3, nil)
	for b, p := range coarse {
		C.SetRow(b, []float64{1, p[0], p[1]})
	}
	D := mat.NewDense(n, 3, nil)
	for a, p := range fine {
		D.SetRow(a, []float64{1, p[0], p[1]})
	}
	cs, err := sparsels.NewConstraints(pat, C, D)
	if err != nil {
		log.Fatal(err)
	}
	// Three equations on four weights leave one free weight per fine point.
	fmt.Println("free coordinates:", cs.Dim())

	// Equal weights 1/4 reproduce [1 x y] only at the centre; projecting
	// makes every row exact. At the corner (0, 0) the nearest exact weights
	// differ from bilinear interpolation (1, 0, 0, 0) by a multiple of the
	// free direction (1, −1, −1, 1).
	g := make([]float64, pat.NNZ())
	for k := range g {
		g[k] = 0.25
	}
	fmt.Printf("equal weights violate the constraints: %v\n", cs.Violation(g) > 0.1)
	pg := cs.Project(nil, g)
	fmt.Printf("violation after projection below 1e-15: %v\n", cs.Violation(pg) < 1e-15)
	G := pat.CSR(pg)
	fmt.Printf("weights of fine point (0, 0):     %.4f\n", mat.Row(nil, 0, G))
	fmt.Printf("weights of fine point (0.5, 0.5): %.4f\n", mat.Row(nil, 4, G))
	// Output:
	// free coordinates: 9
	// equal weights violate the constraints: true
	// violation after projection below 1e-15: true
	// weights of fine point (0, 0):     [0.7500 0.2500 0.2500 -0.2500]
	// weights of fine point (0.5, 0.5): [0.2500 0.2500 0.2500 0.2500]
}
