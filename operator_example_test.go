package sparsels_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// ExampleProblem_JacobianOperator applies J, Jᵀ, JᵀJ and the Hessian to
// vectors without forming any matrix, and checks J·x against the dense
// Jacobian.
func ExampleProblem_JacobianOperator() {
	p, g := exampleProblem()
	op := p.JacobianOperator(g)
	rows, cols := op.Dims()
	fmt.Printf("J is %d×%d, E = %.4g\n", rows, cols, op.Energy())

	x := []float64{1, 0, 0, 0} // a step on g0 only
	jx := make([]float64, rows)
	op.MulVecTo(jx, false, x)
	fmt.Printf("J·x = %.4g\n", roundAll(jx, 1e-12)) // roundAll turns −0 into 0

	var J mat.Dense
	p.Jacobian(&J, g)
	fmt.Printf("column 0 of J = %.4g\n", mat.Col(nil, 0, &J))

	// Jᵀ·vec(f) is half the gradient; vec is column-major.
	var f mat.Dense
	p.Residual(&f, g)
	vf := []float64{f.At(0, 0), f.At(1, 0), f.At(0, 1), f.At(1, 1)}
	jtf := make([]float64, cols)
	op.MulVecTo(jtf, true, vf)
	fmt.Printf("2·Jᵀvec(f) = %.4g\n", []float64{2 * jtf[0], 2 * jtf[1], 2 * jtf[2], 2 * jtf[3]})
	fmt.Printf("gradient   = %.4g\n", op.Gradient(nil))

	gn := make([]float64, cols)
	op.GaussNewtonMulVecTo(gn, x)
	fmt.Printf("JᵀJ·x = %.4g\n", gn)
	h := make([]float64, cols)
	op.HessianMulVecTo(h, x)
	fmt.Printf("∇²E·x = %.4g\n", h)
	// The same as column 0 of the dense Hessian; the second-order term
	// 2Σ f_q ∇²f_q makes it differ from 2JᵀJ·x.
	var H mat.SymDense
	p.Hessian(&H, g)
	fmt.Printf("∇²E[:,0] = %.4g\n", mat.Col(nil, 0, &H))
	// Output:
	// J is 4×4, E = 0.5625
	// J·x = [-0.5 0.25 0.25 0]
	// column 0 of J = [-0.5 0.25 0.25 0]
	// 2·Jᵀvec(f) = [-0.75 -1.5 1.5 -2.25]
	// gradient   = [-0.75 -1.5 1.5 -2.25]
	// JᵀJ·x = [0.375 0.75 -0.25 0.375]
	// ∇²E·x = [-0.75 3 -2 0.75]
	// ∇²E[:,0] = [-0.75 3 -2 0.75]
}
