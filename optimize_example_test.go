package sparsels_test

import (
	"fmt"
	"log"
	"math"

	"gonum.org/v1/gonum/optimize"

	"github.com/sparsels/sparsels"
)

// ExampleProblem_Optimize minimizes E with gonum's LBFGS through the adapter,
// without constraints.
func ExampleProblem_Optimize() {
	p, g := exampleProblem()
	fmt.Printf("E(g) = %.4f\n", p.Energy(g))
	res, err := optimize.Minimize(p.Optimize(), g, nil, &optimize.LBFGS{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("E below 1e-12:", res.F < 1e-12)
	// Output:
	// E(g) = 0.5625
	// E below 1e-12: true
}

// ExampleNullSpace minimizes E with gonum's LBFGS while every row of G
// sums to 1, by optimizing over the null-space coordinates ξ of the
// constraints: g(ξ) = g0 + Zξ is feasible for every ξ.
func ExampleNullSpace() {
	p, g := exampleProblem()
	cs, err := sparsels.RowSumConstraints(p.Pattern())
	if err != nil {
		log.Fatal(err)
	}
	// Rows 0 and 2 of G have one entry, fixed to 1; row 1 has two entries
	// and one free coordinate.
	ns := sparsels.NewNullSpace(cs, g)
	fmt.Println("coordinates:", ns.Dim())
	fmt.Printf("g(0) = %.4f\n", ns.G(nil, []float64{0}))

	res, err := optimize.Minimize(ns.Optimize(p), make([]float64, ns.Dim()), nil, &optimize.LBFGS{})
	if err != nil {
		log.Fatal(err)
	}
	best := ns.G(nil, res.X)
	fmt.Printf("E below 1e-12: %v at g = %.4f\n", res.F < 1e-12, roundAll(best, 1e-6))
	fmt.Println("rows sum to 1 within 1e-15:", cs.Violation(best) < 1e-15)
	// Output:
	// coordinates: 1
	// g(0) = [1.0000 0.7500 0.2500 1.0000]
	// E below 1e-12: true at g = [1.0000 1.0000 0.0000 1.0000]
	// rows sum to 1 within 1e-15: true
}

// roundAll rounds every entry of v to a multiple of q and turns −0 into 0,
// for printing values that are exact only to a tolerance.
func roundAll(v []float64, q float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x/q)*q + 0
	}
	return out
}
