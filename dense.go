package sparsels

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Dense linear algebra in the null-space coordinates, for problems with at
// most a few thousand nonzeros.

// reduceSym stores ZᵀHZ (Dim()×Dim()) into dst for the symmetric nnz×nnz H,
// exploiting the block-diagonal structure of Z. hz is scratch.
func (cs *Constraints) reduceSym(dst *mat.SymDense, H *mat.SymDense, hz *mat.Dense) {
	nnz, dim := cs.pat.NNZ(), cs.Dim()
	hr := H.RawSymmetric()
	at := func(i, j int) float64 {
		if i > j {
			i, j = j, i
		}
		return hr.Data[i*hr.Stride+j]
	}
	if r, c := hz.Dims(); r != nnz || c != dim {
		hz.Reset()
		hz.ReuseAs(nnz, dim)
	}
	hz.Zero()
	hzr := hz.RawMatrix()
	// HZ[:, col] = Σ_i H[:, idx[i]]·Z_a[i, j].
	for a := 0; a < len(cs.rank); a++ {
		idx := cs.pat.RowIndices(a)
		u, ld, c0, q := cs.nullBasis(a)
		for j := 0; j < q; j++ {
			col := cs.nullOff[a] + j
			for i, k := range idx {
				z := u[i*ld+c0+j]
				if z == 0 {
					continue
				}
				for t := 0; t < nnz; t++ {
					hzr.Data[t*hzr.Stride+col] += z * at(t, k)
				}
			}
		}
	}
	if dst.IsEmpty() {
		dst.ReuseAsSym(dim)
	}
	dst.Zero()
	for a := 0; a < len(cs.rank); a++ {
		idx := cs.pat.RowIndices(a)
		u, ld, c0, q := cs.nullBasis(a)
		for j := 0; j < q; j++ {
			c1 := cs.nullOff[a] + j
			for c2 := c1; c2 < dim; c2++ {
				var s float64
				for i, k := range idx {
					s += u[i*ld+c0+j] * hzr.Data[k*hzr.Stride+c2]
				}
				dst.SetSym(c1, c2, s)
			}
		}
	}
}

// reduceDiag stores Zᵀdiag(d)Z into dst (block diagonal, Dim()×Dim()).
func (cs *Constraints) reduceDiag(dst *mat.SymDense, d []float64) {
	dim := cs.Dim()
	if dst.IsEmpty() {
		dst.ReuseAsSym(dim)
	}
	dst.Zero()
	for a := 0; a < len(cs.rank); a++ {
		idx := cs.pat.RowIndices(a)
		u, ld, c0, q := cs.nullBasis(a)
		for x := 0; x < q; x++ {
			for y := x; y < q; y++ {
				var s float64
				for i, k := range idx {
					s += u[i*ld+c0+x] * d[k] * u[i*ld+c0+y]
				}
				dst.SetSym(cs.nullOff[a]+x, cs.nullOff[a]+y, s)
			}
		}
	}
}

// trustRegionEigen solves min 2hᵀx + xᵀHx subject to ‖x‖ ≤ delta exactly,
// given H = Q diag(w) Qᵀ (w ascending) and c = Qᵀ(−h). It stores x into dst
// and returns whether the solution lies on the boundary.
func trustRegionEigen(dst []float64, w []float64, Q *mat.Dense, c []float64, delta float64) bool {
	n := len(w)
	coef := make([]float64, n)
	norm := func(sigma float64) float64 {
		var s float64
		for i := range w {
			if c[i] == 0 {
				continue
			}
			v := c[i] / (w[i] + sigma)
			s += v * v
		}
		return math.Sqrt(s)
	}
	var cn float64
	for _, v := range c {
		cn = math.Max(cn, math.Abs(v))
	}
	w1 := math.Inf(1)
	if n > 0 {
		w1 = w[0]
	}
	tiny := 1e-14 * math.Max(math.Abs(w1), math.Abs(w[n-1]))
	boundary := true
	var sigma float64
	switch {
	case w1 > tiny && norm(0) <= delta:
		sigma, boundary = 0, false
	default:
		lo := math.Max(0, -w1)
		// Hard case: no gradient component along the lowest eigenvectors and
		// the shifted step is inside the region.
		hard := true
		for i := range w {
			if w[i] <= w1+tiny && math.Abs(c[i]) > 1e-14*math.Max(cn, 1e-300) {
				hard = false
			}
		}
		if hard {
			lo2 := lo + tiny
			if norm(lo2) < delta {
				for i := range w {
					if w[i] > w1+tiny {
						coef[i] = c[i] / (w[i] + lo2)
					}
				}
				var s float64
				for _, v := range coef {
					s += v * v
				}
				coef[0] += math.Sqrt(math.Max(delta*delta-s, 0))
				qcoef(dst, Q, coef)
				return true
			}
		}
		// Find σ > lo with ‖x(σ)‖ = Δ: Newton on 1/‖x‖ safeguarded by bisection.
		hi := lo + math.Sqrt(float64(n))*cn/delta + math.Abs(w1) + 1e-300
		for norm(hi) > delta {
			hi *= 2
		}
		sigma = hi
		for it := 0; it < 200; it++ {
			nv := norm(sigma)
			if math.Abs(nv-delta) <= 1e-12*delta {
				break
			}
			if nv > delta {
				lo = sigma
			} else {
				hi = sigma
			}
			// φ(σ) = 1/‖x‖ − 1/Δ, φ' = Σ c²/(w+σ)³ / ‖x‖³.
			var d3 float64
			for i := range w {
				v := w[i] + sigma
				d3 += c[i] * c[i] / (v * v * v)
			}
			next := sigma - (1/nv-1/delta)/(d3/(nv*nv*nv))
			if !(next > lo && next < hi) {
				next = 0.5 * (lo + hi)
			}
			if next == sigma {
				break
			}
			sigma = next
		}
	}
	for i := range w {
		if c[i] != 0 {
			coef[i] = c[i] / (w[i] + sigma)
		}
	}
	qcoef(dst, Q, coef)
	return boundary
}

// qcoef stores Q·coef into dst.
func qcoef(dst []float64, Q *mat.Dense, coef []float64) {
	v := mat.NewVecDense(len(dst), dst)
	v.MulVec(Q, mat.NewVecDense(len(coef), coef))
}
