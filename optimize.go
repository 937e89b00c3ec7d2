package sparsels

import (
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Optimize returns E as a gonum optimize.Problem over the values g: Func is
// Energy, Grad is Gradient and Hess is Hessian (dense nnz×nnz, for small
// problems), so that gonum's LBFGS, CG, BFGS and Newton methods run on it.
// The functions are safe for concurrent use.
func (p *Problem) Optimize() optimize.Problem {
	return optimize.Problem{
		Func: p.Energy,
		Grad: func(grad, g []float64) { p.Gradient(grad, g) },
		Hess: func(h *mat.SymDense, g []float64) { p.Hessian(h, g) },
	}
}

// NullSpace parametrizes the values that satisfy Constraints by their
// null-space coordinates ξ: g(ξ) = g0 + Zξ, with g0 a feasible point and Z
// the constraints' orthonormal, block-diagonal null-space basis.
type NullSpace struct {
	cs *Constraints
	g0 []float64
}

// NewNullSpace returns the parametrization around g0 projected onto cs. It
// panics if len(g0) is not the pattern's NNZ.
func NewNullSpace(cs *Constraints, g0 []float64) *NullSpace {
	return &NullSpace{cs: cs, g0: cs.Project(nil, g0)}
}

// Dim returns the number of coordinates ξ.
func (ns *NullSpace) Dim() int { return ns.cs.Dim() }

// G stores g(ξ) = g0 + Zξ into dst and returns it; a nil dst is allocated.
func (ns *NullSpace) G(dst, xi []float64) []float64 {
	dst = ns.cs.ToFull(dst, xi)
	for k, v := range ns.g0 {
		dst[k] += v
	}
	return dst
}

// Optimize returns E(g(ξ)) as a gonum optimize.Problem over ξ, with
// gradient Zᵀ∇E and Hessian Zᵀ∇²E Z, for gonum's methods on constrained
// problems. Start them at ξ = 0, which is the projected g0. It panics if
// p's pattern is not Equal to the constraints' pattern.
func (ns *NullSpace) Optimize(p *Problem) optimize.Problem {
	if err := ns.cs.checkFor("NullSpace.Optimize", p.pat); err != nil {
		panic(err)
	}
	return optimize.Problem{
		Func: func(xi []float64) float64 { return p.Energy(ns.G(nil, xi)) },
		Grad: func(grad, xi []float64) {
			ns.cs.ToReduced(grad, p.Gradient(nil, ns.G(nil, xi)))
		},
		Hess: func(h *mat.SymDense, xi []float64) {
			var full mat.SymDense
			var hz mat.Dense
			p.Hessian(&full, ns.G(nil, xi))
			ns.cs.reduceSym(h, &full, &hz)
		},
	}
}
