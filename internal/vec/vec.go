// Package vec holds the dense-vector helpers shared by the sparse kernels,
// the Krylov methods and the solvers: inner products, norms, updates, and
// rows of dense blocks stored row-major.
package vec

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// Dot returns x·y[:len(x)]. It uses gonum's assembly kernel, which is
// faster than an unrolled Go loop on the rows of 64…128 entries the module
// meets. It panics if y is shorter than x.
func Dot(x, y []float64) float64 {
	return floats.Dot(x, y[:len(x)])
}

// SumSquares returns x·x.
func SumSquares(x []float64) float64 { return floats.Dot(x, x) }

// Norm returns the Euclidean norm of x without underflow or overflow: the
// right-hand sides of the linear solves are gradients, whose entries scale
// with the energy, and their squares leave the floating-point range when
// the entries are below about 1e-154 or above about 1e154.
func Norm(x []float64) float64 { return floats.Norm(x, 2) }

// Axpy stores y += alpha·x. It panics if x is shorter than y.
func Axpy(y []float64, alpha float64, x []float64) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Zero sets the entries of x to 0.
func Zero(x []float64) {
	for i := range x {
		x[i] = 0
	}
}

// Row returns row i of the c-column row-major block x, x[i·c : i·c+c].
func Row(x []float64, c, i int) []float64 { return x[i*c : i*c+c] }

// Grow returns a slice of length n, reusing buf when it is large enough.
func Grow(buf []float64, n int) []float64 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float64, n)
}

// FirstNonFinite returns the index of the first NaN or infinite entry of x,
// or −1 if every entry is finite.
func FirstNonFinite(x []float64) int {
	for k, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return k
		}
	}
	return -1
}
