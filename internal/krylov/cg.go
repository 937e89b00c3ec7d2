package krylov

import "github.com/sparsels/sparsels/internal/vec"

// PCG approximately solves A x = b by preconditioned conjugate gradients,
// from the x given (warm true) or from x = 0 (warm false). It stops when
// ‖b − Ax‖ ≤ tol·‖b‖ (checked before the first iteration when warm and
// after every iteration), after maxIter iterations, when A shows nonpositive
// curvature along a direction, or when the preconditioned residual r·M⁻¹r
// is not positive. On return w.R holds b − Ax. It returns the number of
// iterations. The norms are computed without underflow or overflow, so
// right-hand sides of any scale are solved to the same relative tolerance.
func PCG(A, M Operator, b, x []float64, warm bool, tol float64, maxIter int, w *Work) int {
	if warm {
		A(w.R, x)
		for i, v := range b {
			w.R[i] = v - w.R[i]
		}
	} else {
		vec.Zero(x)
		copy(w.R, b)
	}
	bnorm := vec.Norm(b)
	stop := tol * bnorm
	if (!warm && bnorm == 0) || (warm && vec.Norm(w.R) <= stop) {
		return 0
	}
	M(w.Z, w.R)
	copy(w.D, w.Z)
	rz := vec.Dot(w.R, w.Z)
	for it := 0; it < maxIter; it++ {
		if !(rz > 0) || w.halt() {
			return it
		}
		A(w.Q, w.D)
		dq := vec.Dot(w.D, w.Q)
		if !(dq > 0) {
			return it
		}
		alpha := rz / dq
		vec.Axpy(x, alpha, w.D)
		vec.Axpy(w.R, -alpha, w.Q)
		if vec.Norm(w.R) <= stop {
			return it + 1
		}
		M(w.Z, w.R)
		rzNew := vec.Dot(w.R, w.Z)
		beta := rzNew / rz
		rz = rzNew
		for i := range w.D {
			w.D[i] = w.Z[i] + beta*w.D[i]
		}
	}
	return maxIter
}
