package krylov

import "math"

// CholSolve overwrites x with (LLᵀ)⁻¹x for the lower Cholesky factor L
// stored row-major in the q×q matrix f.
func CholSolve(f []float64, q int, x []float64) {
	for i := 0; i < q; i++ {
		s := x[i]
		for k := 0; k < i; k++ {
			s -= f[i*q+k] * x[k]
		}
		x[i] = s / f[i*q+i]
	}
	for i := q - 1; i >= 0; i-- {
		s := x[i]
		for k := i + 1; k < q; k++ {
			s -= f[k*q+i] * x[k]
		}
		x[i] = s / f[i*q+i]
	}
}

// CholeskyShifted overwrites the symmetric q×q matrix f with its lower
// Cholesky factor, adding the smallest multiple of its mean diagonal
// (1e-12, 1e-10, …) that makes it positive definite; a block that stays
// singular becomes a multiple of the identity. orig is scratch of length q².
func CholeskyShifted(f []float64, q int, orig []float64) {
	var tr float64
	for i := 0; i < q; i++ {
		tr += math.Abs(f[i*q+i])
	}
	tr /= float64(q)
	if tr == 0 || math.IsNaN(tr) || math.IsInf(tr, 0) {
		tr = 1
	} else {
		orig = orig[:q*q]
		copy(orig, f)
		shift := 1e-12 * tr
		for attempt := 0; attempt < 8; attempt++ {
			if cholInPlace(f, q) {
				return
			}
			copy(f, orig)
			for i := 0; i < q; i++ {
				f[i*q+i] += shift
			}
			shift *= 100
		}
	}
	for i := range f {
		f[i] = 0
	}
	for i := 0; i < q; i++ {
		f[i*q+i] = math.Sqrt(tr)
	}
}

// cholInPlace overwrites the lower triangle of the row-major q×q matrix f
// with its Cholesky factor and reports success.
func cholInPlace(f []float64, q int) bool {
	for j := 0; j < q; j++ {
		d := f[j*q+j]
		for k := 0; k < j; k++ {
			d -= f[j*q+k] * f[j*q+k]
		}
		if !(d > 0) {
			return false
		}
		d = math.Sqrt(d)
		f[j*q+j] = d
		for i := j + 1; i < q; i++ {
			s := f[i*q+j]
			for k := 0; k < j; k++ {
				s -= f[i*q+k] * f[j*q+k]
			}
			f[i*q+j] = s / d
		}
	}
	return true
}
