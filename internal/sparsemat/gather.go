package sparsemat

import (
	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/internal/vec"
)

// The kernels in this file work on raw compressed-row arrays and on dense
// blocks stored row-major with c columns: row i of x is x[i*c : i*c+c].
// Every product is a gather over rows, so rows of dst are written
// independently and results do not depend on how rows are split.
//
// The gathers combine up to four source rows per pass over the destination
// row (d[q] = v0·x0[q] + … + v3·x3[q]), which stores each destination entry
// once per four terms, which beats one assembly axpy (floats.AddScaled) per
// term on the rows of 64…128 entries the module meets (BENCHMARKS.md,
// section "Baseline: sparse × dense kernel"). The summation order within a
// row depends only on the row's entries.

// GatherMul stores dst[i,:] = Σ_s val[s]·x[ind[s],:] over s in
// ptr[i]:ptr[i+1], for rows i in [lo, hi). It is A·x for the compressed-row
// matrix (ptr, ind, val) and the dense c-column block x.
func GatherMul(dst []float64, ptr, ind []int, val, x []float64, c, lo, hi int) {
	for i := lo; i < hi; i++ {
		GatherRow(dst[i*c:i*c+c], ind[ptr[i]:ptr[i+1]], val[ptr[i]:ptr[i+1]], x, c, false)
	}
}

// GatherRow stores (add false) or adds (add true) Σ_s val[s]·x[ind[s],:]
// into d, of length c.
func GatherRow(d []float64, ind []int, val, x []float64, c int, add bool) {
	val = val[:len(ind)]
	s := 0
	for ; s+4 <= len(ind); s += 4 {
		v0, v1, v2, v3 := val[s], val[s+1], val[s+2], val[s+3]
		j0, j1, j2, j3 := ind[s]*c, ind[s+1]*c, ind[s+2]*c, ind[s+3]*c
		x0, x1, x2, x3 := x[j0:j0+c], x[j1:j1+c], x[j2:j2+c], x[j3:j3+c]
		x0, x1, x2, x3 = x0[:len(d)], x1[:len(d)], x2[:len(d)], x3[:len(d)]
		if add {
			for q := range d {
				d[q] += v0*x0[q] + v1*x1[q] + v2*x2[q] + v3*x3[q]
			}
		} else {
			for q := range d {
				d[q] = v0*x0[q] + v1*x1[q] + v2*x2[q] + v3*x3[q]
			}
			add = true
		}
	}
	switch len(ind) - s {
	case 0:
		if !add {
			vec.Zero(d)
		}
	case 1:
		v0 := val[s]
		j0 := ind[s] * c
		x0 := x[j0 : j0+c][:len(d)]
		if add {
			for q := range d {
				d[q] += v0 * x0[q]
			}
		} else {
			for q := range d {
				d[q] = v0 * x0[q]
			}
		}
	case 2:
		v0, v1 := val[s], val[s+1]
		j0, j1 := ind[s]*c, ind[s+1]*c
		x0, x1 := x[j0 : j0+c][:len(d)], x[j1 : j1+c][:len(d)]
		if add {
			for q := range d {
				d[q] += v0*x0[q] + v1*x1[q]
			}
		} else {
			for q := range d {
				d[q] = v0*x0[q] + v1*x1[q]
			}
		}
	case 3:
		v0, v1, v2 := val[s], val[s+1], val[s+2]
		j0, j1, j2 := ind[s]*c, ind[s+1]*c, ind[s+2]*c
		x0, x1, x2 := x[j0 : j0+c][:len(d)], x[j1 : j1+c][:len(d)], x[j2 : j2+c][:len(d)]
		if add {
			for q := range d {
				d[q] += v0*x0[q] + v1*x1[q] + v2*x2[q]
			}
		} else {
			for q := range d {
				d[q] = v0*x0[q] + v1*x1[q] + v2*x2[q]
			}
		}
	}
}

// GatherMul2 stores dst[i,:] = Σ_s val1[s]·x1[ind[s],:] + val2[s]·x2[ind[s],:]
// for rows i in [lo, hi): the sum A1·x1 + A2·x2 of two matrices sharing one
// compressed-row structure.
func GatherMul2(dst []float64, ptr, ind []int, val1, x1, val2, x2 []float64, c, lo, hi int) {
	for i := lo; i < hi; i++ {
		d := dst[i*c : i*c+c]
		s0, s1 := ptr[i], ptr[i+1]
		ii := ind[s0:s1]
		GatherRow(d, ii, val1[s0:s1], x1, c, false)
		GatherRow(d, ii, val2[s0:s1], x2, c, true)
	}
}

// DenseRowMul stores dst[i,:] = Σ_j a[i·k+j]·x[j,:] for rows i in [lo, hi):
// the product of the row-major dense matrix a (k columns) with the c-column
// block x.
func DenseRowMul(dst, a []float64, k int, x []float64, c, lo, hi int) {
	for i := lo; i < hi; i++ {
		d := dst[i*c : i*c+c]
		if k == 0 {
			vec.Zero(d)
			continue
		}
		ai := a[i*k : i*k+k]
		floats.ScaleTo(d, ai[0], x[:c])
		for j := 1; j < k; j++ {
			if v := ai[j]; v != 0 {
				floats.AddScaled(d, v, x[j*c:j*c+c])
			}
		}
	}
}

// GatherDot returns Σ_w val[w]·x[ind[w]].
func GatherDot(ind []int, val, x []float64) float64 {
	val = val[:len(ind)]
	var s0, s1, s2, s3 float64
	w := 0
	for ; w+4 <= len(ind); w += 4 {
		s0 += val[w] * x[ind[w]]
		s1 += val[w+1] * x[ind[w+1]]
		s2 += val[w+2] * x[ind[w+2]]
		s3 += val[w+3] * x[ind[w+3]]
	}
	for ; w < len(ind); w++ {
		s0 += val[w] * x[ind[w]]
	}
	return (s0 + s1) + (s2 + s3)
}
