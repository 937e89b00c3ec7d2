package sparsels

import (
	"math"

	"github.com/sparsels/sparsels/internal/parallel"
)

// Matrix-free linear algebra in the null-space coordinates ξ of the
// constraints: conjugate gradients with a block-Jacobi preconditioner, and
// the Steihaug-Toint truncated CG for trust-region subproblems.

// blockPrecond is the block-Jacobi preconditioner: for each row a of G the
// Cholesky factor of Z_aᵀ(B_a + diag(e_a))Z_a, where B_a is the row's block of
// JᵀJ, e a nonnegative diagonal shift (Tikhonov weight and damping) and Z_a
// the row's null-space basis.
//
// The blocks scale with the square of the energy's scale, so their inverses
// leave the floating-point range long before E does (blocks of 1e-310 at E
// about 1e-300). Outside [2⁻²⁵⁶, 2²⁵⁶] the factors are therefore kept for
// M/2^unit, unit an even power of two near the largest diagonal entry, and
// apply and normM scale back; inside, unit is 0 and nothing changes.
type blockPrecond struct {
	cs      *Constraints
	kind    Preconditioner
	threads int       // goroutines for update and apply
	unit    int       // the factors are of M/2^unit
	off     []int     // row a's factor at fac[off[a]:off[a+1]], q_a×q_a lower
	fac     []float64 // Cholesky factors, row-major
	inv     []float64 // the inverses (LLᵀ)⁻¹ of the blocks, row-major, same layout
	tmp     []float64 // scratch, length max p_a²
	orig    []float64 // scratch, length max p_a²
	tz      []float64 // scratch, length max p_a²
	y       []float64 // scratch, length max q_a
}

func newBlockPrecond(cs *Constraints, kind Preconditioner, threads int) *blockPrecond {
	n := len(cs.rank)
	bp := &blockPrecond{cs: cs, kind: kind, threads: threads, off: make([]int, n+1)}
	maxP := 0
	for a := 0; a < n; a++ {
		q := cs.nullOff[a+1] - cs.nullOff[a]
		bp.off[a+1] = bp.off[a] + q*q
		maxP = max(maxP, len(cs.pat.RowIndices(a)))
	}
	bp.fac = make([]float64, bp.off[n])
	bp.inv = make([]float64, bp.off[n])
	bp.tmp = make([]float64, maxP*maxP)
	bp.orig = make([]float64, maxP*maxP)
	bp.tz = make([]float64, maxP*maxP)
	bp.y = make([]float64, maxP)
	return bp
}

// update factors the blocks of blocks (JᵀJ by rows, may be nil for
// NoPreconditioner) plus diag(shift) (full length nnz), reduced to the null
// space.
func (bp *blockPrecond) update(blocks *BlockDiag, shift []float64) {
	if bp.kind == NoPreconditioner {
		return
	}
	cs := bp.cs
	n := len(cs.rank)
	sz := len(bp.tmp) // max p_a²
	bp.unit = precondUnit(blocks, shift)
	parallel.For(bp.threads, n, float64(len(bp.fac))*float64(sz), func(part, lo, hi int) {
		tmp, orig, tzs := bp.tmp, bp.orig, bp.tz
		if part > 0 {
			tmp, orig, tzs = make([]float64, sz), make([]float64, sz), make([]float64, sz)
		}
		for a := lo; a < hi; a++ {
			idx := cs.pat.RowIndices(a)
			pa := len(idx)
			u, ld, c0, q := cs.nullBasis(a)
			if q == 0 {
				continue
			}
			blk := blocks.Block(a)
			// t = B_a + diag(shift) (Jacobi: only its diagonal).
			t := tmp[:pa*pa]
			for i := 0; i < pa; i++ {
				for j := 0; j < pa; j++ {
					v := blk[i*pa+j]
					if bp.kind == Jacobi && i != j {
						v = 0
					}
					t[i*pa+j] = v
				}
				t[i*pa+i] += shift[idx[i]]
			}
			if bp.unit != 0 {
				for i, v := range t {
					t[i] = math.Ldexp(v, -bp.unit)
				}
			}
			// tz = t Z (p×q), then f = Zᵀ tz (q×q).
			tz := tzs[:pa*q]
			for i := 0; i < pa; i++ {
				for y := 0; y < q; y++ {
					var s float64
					for j := 0; j < pa; j++ {
						s += t[i*pa+j] * u[j*ld+c0+y]
					}
					tz[i*q+y] = s
				}
			}
			f := bp.fac[bp.off[a]:bp.off[a+1]]
			for x := 0; x < q; x++ {
				for y := 0; y <= x; y++ {
					var s float64
					for i := 0; i < pa; i++ {
						s += u[i*ld+c0+x] * tz[i*q+y]
					}
					f[x*q+y], f[y*q+x] = s, s
				}
			}
			choleskyShifted(f, q, orig)
			// Explicit inverses: apply is then a dense product per block,
			// free of the divisions and serial dependences of triangular
			// solves, and it runs many times per update.
			inv := bp.inv[bp.off[a]:bp.off[a+1]]
			for j := 0; j < q; j++ {
				col := orig[:q]
				for i := range col {
					col[i] = 0
				}
				col[j] = 1
				cholSolve(f, q, col)
				for i, v := range col {
					inv[i*q+j] = v
				}
			}
		}
	})
}

// precondUnit returns the even exponent unit such that the largest diagonal
// entry of the blocks plus shift, divided by 2^unit, is near 1, or 0 while
// that entry lies in [2⁻²⁵⁶, 2²⁵⁶] (or is 0 or not finite).
func precondUnit(blocks *BlockDiag, shift []float64) int {
	var big float64
	pat := blocks.pat
	for a := 0; a < pat.rows; a++ {
		idx := pat.RowIndices(a)
		blk, pa := blocks.Block(a), len(idx)
		for i, k := range idx {
			if v := math.Abs(blk[i*pa+i] + shift[k]); v > big {
				big = v
			}
		}
	}
	e := exponent(big)
	if big == 0 || math.IsInf(big, 0) || (e >= -256 && e <= 256) {
		return 0
	}
	return e &^ 1
}

// cholSolve overwrites x with (LLᵀ)⁻¹x for the lower Cholesky factor L
// stored row-major in the q×q matrix f.
func cholSolve(f []float64, q int, x []float64) {
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

// choleskyShifted overwrites the symmetric q×q matrix f with its lower
// Cholesky factor, adding the smallest multiple of its mean diagonal
// (1e-12, 1e-10, …) that makes it positive definite; a block that stays
// singular becomes a multiple of the identity. orig is scratch of length q².
func choleskyShifted(f []float64, q int, orig []float64) {
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

// apply stores M⁻¹r into dst (reduced coordinates).
func (bp *blockPrecond) apply(dst, r []float64) {
	if bp.kind == NoPreconditioner {
		copy(dst, r)
		return
	}
	cs := bp.cs
	parallel.For(bp.threads, len(cs.rank), 2*float64(len(bp.fac)), func(_, lo, hi int) {
		for a := lo; a < hi; a++ {
			o0, o1 := cs.nullOff[a], cs.nullOff[a+1]
			q := o1 - o0
			if q == 0 {
				continue
			}
			inv := bp.inv[bp.off[a]:bp.off[a+1]]
			x, ra := dst[o0:o1], r[o0:o1]
			for i := range x {
				row := inv[i*q : i*q+q]
				var s float64
				for k, v := range ra {
					s += row[k] * v
				}
				x[i] = s
			}
			if bp.unit != 0 {
				for i, v := range x {
					x[i] = math.Ldexp(v, -bp.unit)
				}
			}
		}
	})
}

// normM returns sqrt(xᵀMx) = ‖Lᵀx‖ for the preconditioner matrix M = LLᵀ.
func (bp *blockPrecond) normM(x []float64) float64 {
	if bp.kind == NoPreconditioner {
		return math.Sqrt(dot(x, x))
	}
	cs := bp.cs
	var sum float64
	for a := 0; a < len(cs.rank); a++ {
		o0, o1 := cs.nullOff[a], cs.nullOff[a+1]
		q := o1 - o0
		f := bp.fac[bp.off[a]:bp.off[a+1]]
		xa := x[o0:o1]
		for i := 0; i < q; i++ {
			var s float64
			for k := i; k < q; k++ {
				s += f[k*q+i] * xa[k]
			}
			sum += s * s
		}
	}
	return math.Ldexp(math.Sqrt(sum), bp.unit/2)
}

// cgWork is the scratch space of pcg and steihaug. If stop is not nil it is
// polled once per iteration, and a true result ends the solve at once with
// stopped set.
type cgWork struct {
	r, z, d, q []float64
	stop       func() bool
	stopped    bool
}

// halt reports whether the solve must end now.
func (w *cgWork) halt() bool {
	if w.stop != nil && w.stop() {
		w.stopped = true
	}
	return w.stopped
}

func newCGWork(n int) *cgWork {
	return &cgWork{r: make([]float64, n), z: make([]float64, n), d: make([]float64, n), q: make([]float64, n)}
}

// pcg approximately solves A x = b by preconditioned conjugate gradients from
// x = 0, stopping when ‖b − Ax‖ ≤ tol·‖b‖ or after maxIter iterations, or
// when A shows nonpositive curvature. On return w.r holds b − Ax. It returns
// the number of iterations.
func pcg(A func(dst, x []float64), M func(dst, r []float64), b, x []float64, tol float64, maxIter int, w *cgWork) int {
	zero(x)
	copy(w.r, b)
	bnorm := norm2(b)
	if bnorm == 0 {
		return 0
	}
	M(w.z, w.r)
	copy(w.d, w.z)
	rz := dot(w.r, w.z)
	for it := 0; it < maxIter; it++ {
		if w.halt() {
			return it
		}
		A(w.q, w.d)
		dq := dot(w.d, w.q)
		if !(dq > 0) {
			return it
		}
		alpha := rz / dq
		axpy(x, alpha, w.d)
		axpy(w.r, -alpha, w.q)
		if norm2(w.r) <= tol*bnorm {
			return it + 1
		}
		M(w.z, w.r)
		rzNew := dot(w.r, w.z)
		beta := rzNew / rz
		rz = rzNew
		for i := range w.d {
			w.d[i] = w.z[i] + beta*w.d[i]
		}
	}
	return maxIter
}

// steihaug approximately minimizes the model −bᵀx + ½xᵀAx subject to
// ‖x‖_M ≤ delta by the Steihaug-Toint truncated preconditioned CG from x = 0.
// It stops at the boundary (reporting boundary = true), along a direction of
// nonpositive curvature (negCurv = true, also on the boundary), when
// ‖b − Ax‖ ≤ tol·‖b‖, or after maxIter iterations. Unless boundary is true,
// w.r holds b − Ax on return.
func steihaug(A func(dst, x []float64), M func(dst, r []float64), b, x []float64, delta, tol float64, maxIter int, w *cgWork) (iters int, boundary, negCurv bool) {
	zero(x)
	copy(w.r, b)
	bnorm := norm2(b)
	if bnorm == 0 {
		return 0, false, false
	}
	M(w.z, w.r)
	copy(w.d, w.z)
	rz := dot(w.r, w.z)
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
		axpy(x, tau, w.d)
	}
	for it := 0; it < maxIter; it++ {
		if w.halt() {
			return it, false, false
		}
		A(w.q, w.d)
		kappa := dot(w.d, w.q)
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
		axpy(x, alpha, w.d)
		axpy(w.r, -alpha, w.q)
		xMx = xMxNew
		if norm2(w.r) <= tol*bnorm {
			return it + 1, false, false
		}
		M(w.z, w.r)
		rzNew := dot(w.r, w.z)
		beta := rzNew / rz
		xMd = beta * (xMd + alpha*dMd)
		dMd = rzNew + beta*beta*dMd
		rz = rzNew
		for i := range w.d {
			w.d[i] = w.z[i] + beta*w.d[i]
		}
	}
	return maxIter, false, false
}

// forcing is the Eisenstat-Walker forcing sequence (choice 2) for the
// relative tolerance of inexact linear solves.
type forcing struct {
	fixed    float64
	eta      float64
	prevNorm float64
}

// next returns the tolerance for the iterate whose gradient norm is gnorm.
func (f *forcing) next(gnorm float64) float64 {
	if f.fixed > 0 {
		return f.fixed
	}
	const gamma, alpha, etaMax, etaMin = 0.9, 2.0, 0.5, 1e-12
	if f.prevNorm == 0 {
		f.eta = etaMax
	} else {
		eta := gamma * math.Pow(gnorm/f.prevNorm, alpha)
		if safe := gamma * math.Pow(f.eta, alpha); safe > 0.1 {
			eta = math.Max(eta, safe)
		}
		f.eta = math.Min(math.Max(eta, etaMin), etaMax)
	}
	f.prevNorm = gnorm
	return f.eta
}
