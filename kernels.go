package sparsels

import (
	"gonum.org/v1/gonum/floats"
)

// The kernels in this file work on raw compressed-row arrays and on dense
// blocks stored row-major with c columns: row i of x is x[i*c : i*c+c].
// Every product is a gather over rows, so rows of dst are written
// independently and results do not depend on how rows are split.

// gatherMul stores dst[i,:] = Σ_s val[s]·x[ind[s],:] over s in
// ptr[i]:ptr[i+1], for rows i in [lo, hi). It is A·x for the compressed-row
// matrix (ptr, ind, val) and the dense c-column block x.
func gatherMul(dst []float64, ptr, ind []int, val, x []float64, c, lo, hi int) {
	for i := lo; i < hi; i++ {
		d := dst[i*c : i*c+c]
		s0, s1 := ptr[i], ptr[i+1]
		if s0 == s1 {
			zero(d)
			continue
		}
		j := ind[s0]
		floats.ScaleTo(d, val[s0], x[j*c:j*c+c])
		for s := s0 + 1; s < s1; s++ {
			j := ind[s]
			floats.AddScaled(d, val[s], x[j*c:j*c+c])
		}
	}
}

// gatherMul2 stores dst[i,:] = Σ_s val1[s]·x1[ind[s],:] + val2[s]·x2[ind[s],:]
// for rows i in [lo, hi): the sum A1·x1 + A2·x2 of two matrices sharing one
// compressed-row structure.
func gatherMul2(dst []float64, ptr, ind []int, val1, x1, val2, x2 []float64, c, lo, hi int) {
	for i := lo; i < hi; i++ {
		d := dst[i*c : i*c+c]
		zero(d)
		for s := ptr[i]; s < ptr[i+1]; s++ {
			j := ind[s]
			floats.AddScaled(d, val1[s], x1[j*c:j*c+c])
			floats.AddScaled(d, val2[s], x2[j*c:j*c+c])
		}
	}
}

// row returns row i of the c-column block x.
func row(x []float64, c, i int) []float64 { return x[i*c : i*c+c] }

func zero(x []float64) {
	for i := range x {
		x[i] = 0
	}
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sumSquares(x []float64) float64 { return dot(x, x) }

// grow returns a slice of length n, reusing buf when it is large enough.
func grow(buf []float64, n int) []float64 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float64, n)
}
