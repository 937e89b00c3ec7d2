package krylov

import "github.com/sparsels/sparsels/internal/vec"

// CGLS minimizes ‖x − A s‖² over s by preconditioned conjugate gradients on
// the normal equations AᵀA s = Aᵀx, one step at a time, so that the caller
// owns the stopping rule: a loop calls Step, then Gradient, then Turn with
// the gradient's value. S holds the iterate (from 0) and R the residual
// x − A s, updated recursively.
type CGLS struct {
	A, At, M Operator // s ↦ A s, v ↦ Aᵀv, g ↦ M⁻¹g

	S, R         []float64 // iterate and residual
	g, z, dir, q []float64
	Gamma        float64 // gᵀM⁻¹g of the current gradient g = AᵀR
}

// NewCGLS returns the solver at s = 0 for the right-hand side x (copied
// into R) with n unknowns, its first direction set.
func NewCGLS(A, At, M Operator, x []float64, n int) *CGLS {
	c := &CGLS{A: A, At: At, M: M, S: make([]float64, n), R: append([]float64(nil), x...),
		g: make([]float64, n), z: make([]float64, n), dir: make([]float64, n), q: make([]float64, len(x))}
	c.Gamma = c.Gradient()
	copy(c.dir, c.z)
	return c
}

// Step moves S along the current direction to the minimum of ‖x − A s‖²
// and updates R. It returns the step length, or false if A maps the
// direction to 0 (nothing moves).
func (c *CGLS) Step() (alpha float64, ok bool) {
	c.A(c.q, c.dir)
	delta := vec.SumSquares(c.q)
	if delta == 0 {
		return 0, false
	}
	alpha = c.Gamma / delta
	vec.Axpy(c.S, alpha, c.dir)
	vec.Axpy(c.R, -alpha, c.q)
	return alpha, true
}

// Gradient computes the gradient g = AᵀR and its preconditioned form, and
// returns gᵀM⁻¹g.
func (c *CGLS) Gradient() float64 {
	c.At(c.g, c.R)
	c.M(c.z, c.g)
	return vec.Dot(c.g, c.z)
}

// Turn makes the next direction conjugate to the last, for the value gn
// returned by Gradient, and returns its coefficient β = gn/Gamma; Gamma
// becomes gn.
func (c *CGLS) Turn(gn float64) (beta float64) {
	beta = gn / c.Gamma
	c.Gamma = gn
	for u := range c.dir {
		c.dir[u] = c.z[u] + beta*c.dir[u]
	}
	return beta
}
