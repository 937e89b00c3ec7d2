package krylov

import (
	"math"

	"github.com/sparsels/sparsels/internal/vec"
)

// Steihaug approximately minimizes the model −bᵀx + ½xᵀAx subject to
// ‖x‖_M ≤ delta by the Steihaug-Toint truncated preconditioned CG from x = 0.
// It stops at the boundary (reporting boundary = true), along a direction of
// nonpositive curvature (negCurv = true, also on the boundary), when
// ‖b − Ax‖ ≤ tol·‖b‖, or after maxIter iterations. Unless boundary is true,
// w.R holds b − Ax on return.
func Steihaug(A, M Operator, b, x []float64, delta, tol float64, maxIter int, w *Work) (iters int, boundary, negCurv bool) {
	vec.Zero(x)
	copy(w.R, b)
	bnorm := vec.Norm(b)
	if bnorm == 0 {
		return 0, false, false
	}
	M(w.Z, w.R)
	copy(w.D, w.Z)
	rz := vec.Dot(w.R, w.Z)
	var xMx, xMd float64
	dMd := rz
	d2 := delta * delta
	toBoundary := func() {
		// Largest τ with ‖x + τd‖²_M = Δ², the positive root of
		// dMd·τ² + 2·xMd·τ − (Δ² − xMx) = 0. The M-norms scale with JᵀJ,
		// that is with the square of the energy's scale, so the
		// discriminant xMd² + dMd·(Δ² − xMx) of the textbook formula scales
		// with its fourth power and underflowed for energies below about
		// 1e-150, putting the step at x and making Solve report step
		// convergence. Dividing by dMd first keeps every term of order 1,
		// and the second form avoids cancellation when xMd > 0.
		bq := xMd / dMd
		cq := math.Max(d2-xMx, 0) / dMd
		root := math.Sqrt(bq*bq + cq)
		var tau float64
		if bq > 0 {
			tau = cq / (bq + root)
		} else {
			tau = root - bq
		}
		vec.Axpy(x, tau, w.D)
	}
	for it := 0; it < maxIter; it++ {
		if w.halt() {
			return it, false, false
		}
		A(w.Q, w.D)
		kappa := vec.Dot(w.D, w.Q)
		if !(kappa > 0) {
			toBoundary()
			return it + 1, true, true
		}
		alpha := rz / kappa
		xMxNew := xMx + 2*alpha*xMd + alpha*alpha*dMd
		if xMxNew >= d2 {
			toBoundary()
			return it + 1, true, false
		}
		vec.Axpy(x, alpha, w.D)
		vec.Axpy(w.R, -alpha, w.Q)
		xMx = xMxNew
		if vec.Norm(w.R) <= tol*bnorm {
			return it + 1, false, false
		}
		M(w.Z, w.R)
		rzNew := vec.Dot(w.R, w.Z)
		beta := rzNew / rz
		xMd = beta * (xMd + alpha*dMd)
		dMd = rzNew + beta*beta*dMd
		rz = rzNew
		for i := range w.D {
			w.D[i] = w.Z[i] + beta*w.D[i]
		}
	}
	return maxIter, false, false
}
