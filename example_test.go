package sparsels_test

import (
	"fmt"
	"log"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// exampleProblem returns a tiny coarsening problem: the Laplacian of a path with three vertices
// restricted to two coarse vertices by a 3×2 matrix G with pattern
//
//	G = [g0  . ]
//	    [g1  g2]
//	    [ .  g3]
//
// and target X, the Laplacian of a path with two vertices. Y and B are identities.
func exampleProblem() (*sparsels.Problem, []float64) {
	pat, err := sparsels.NewPattern(3, 2, []int{0, 1, 1, 2}, []int{0, 0, 1, 1})
	if err != nil {
		log.Fatal(err)
	}
	// L in CSR form, built from raw arrays.
	L := sparse.NewCSR(3, 3,
		[]int{0, 2, 5, 7},
		[]int{0, 1, 0, 1, 2, 1, 2},
		[]float64{1, -1, -1, 2, -1, -1, 1})
	Y := mat.NewDiagDense(2, []float64{1, 1})
	B := mat.NewDiagDense(2, []float64{1, 1})
	X := mat.NewDense(2, 2, []float64{1, -1, -1, 1})
	p, err := sparsels.NewProblem(X, Y, L, B, pat)
	if err != nil {
		log.Fatal(err)
	}
	return p, []float64{1, 0.75, 0.25, 1}
}

func ExampleNewPattern() {
	// The nonzeros of a 3×2 matrix, in the order the value vector g will use.
	pat, err := sparsels.NewPattern(3, 2, []int{2, 0, 1}, []int{1, 0, 0})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("nnz:", pat.NNZ())
	i, j := pat.Subscripts(0)
	fmt.Printf("g[0] is G[%d,%d]\n", i, j)
	k, ok := pat.Index(1, 0)
	fmt.Println("G[1,0] is g[k] with k =", k, ok)
	_, ok = pat.Index(1, 1)
	fmt.Println("G[1,1] in pattern:", ok)

	G := pat.CSR([]float64{3, 1, 2})
	fmt.Printf("G =\n%v\n", mat.Formatted(G))

	// Values gathers the pattern entries of any matrix, in pattern order.
	fmt.Println(pat.Values(nil, mat.NewDense(3, 2, []float64{10, 11, 12, 13, 14, 15})))

	_, err = sparsels.NewPattern(3, 2, []int{0, 2, 0}, []int{0, 1, 0})
	fmt.Println(err != nil)

	// Output:
	// nnz: 3
	// g[0] is G[2,1]
	// G[1,0] is g[k] with k = 2 true
	// G[1,1] in pattern: false
	// G =
	// ⎡1  0⎤
	// ⎢2  0⎥
	// ⎣0  3⎦
	// [15 10 12]
	// true
}

func ExampleNewProblem() {
	p, g := exampleProblem()

	var f mat.Dense
	p.Residual(&f, g)
	fmt.Printf("f =\n%.6g\n", mat.Formatted(&f))
	fmt.Printf("E = %.6g\n", p.Energy(g))
	fmt.Printf("dE/dg = %.6g\n", p.Gradient(nil, g))

	// Moving the middle vertex fully into the first coarse vertex reproduces X exactly.
	e, grad := p.EnergyGradient(nil, []float64{1, 1, 0, 1})
	fmt.Printf("E = %.6g, |dE/dg| = %.6g\n", e, floats.Norm(grad, 2))

	// Output:
	// f =
	// ⎡ 0.375  -0.375⎤
	// ⎣-0.375   0.375⎦
	// E = 0.5625
	// dE/dg = [-0.75 -1.5 1.5 -2.25]
	// E = 0, |dE/dg| = 0
}

func ExampleProblem_Jacobian() {
	p, g := exampleProblem()

	// J[q, k] = d vec(f)[q] / dg[k], with vec(f) column-major: rows are f00, f10, f01, f11.
	var J mat.Dense
	p.Jacobian(&J, g)
	// Adding 0 turns the negative zeros of structurally zero entries into +0 for printing.
	J.Apply(func(_, _ int, v float64) float64 { return v + 0 }, &J)
	fmt.Printf("J =\n%.6g\n", mat.Formatted(&J))

	// The matrix-free operator gives the same products. Y Gᵀ L G B is quadratic in g, so
	// J g = -2 vec(Y Gᵀ L G B).
	op := p.JacobianOperator(g)
	jg := make([]float64, 4)
	op.MulVecTo(jg, false, g)
	fmt.Printf("J g = %.6g\n", jg)

	var gn mat.SymDense
	p.GaussNewton(&gn, g)
	fmt.Printf("JᵀJ =\n%.6g\n", mat.Formatted(&gn))

	// Output:
	// J =
	// ⎡-0.5    -1     0     0⎤
	// ⎢0.25   0.5  -0.5  0.75⎥
	// ⎢0.25   0.5  -0.5  0.75⎥
	// ⎣   0     0     1  -1.5⎦
	// J g = [-1.25 1.25 1.25 -1.25]
	// JᵀJ =
	// ⎡0.375   0.75  -0.25  0.375⎤
	// ⎢ 0.75    1.5   -0.5   0.75⎥
	// ⎢-0.25   -0.5    1.5  -2.25⎥
	// ⎣0.375   0.75  -2.25  3.375⎦
}
