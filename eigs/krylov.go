package eigs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/sparsels/sparsels/cholesky"
	"github.com/sparsels/sparsels/internal/rawcsr"
)

// krylov holds the state of the block Krylov–Schur iteration for the
// operator S = (A − σI)⁻¹. The basis vectors are the rows of the row-major
// (m+b)×n matrix v; h is the (m+b)×(m+b) row-major matrix of projection
// coefficients with S V[0:j] = V[0:j+b] H[0:j+b, 0:j] after each expansion.
type krylov struct {
	ctx     context.Context
	iter    int // the current restart cycle
	n, b, m int
	a       rawcsr.Matrix
	sigma   float64
	chol    cholesky.Cholesky
	rnd     *rand.Rand
	impl    blas.Float64

	v    []float64 // (m+b)×n basis
	h    []float64 // (m+b)×(m+b) coefficients, leading dimension ldh
	ldh  int
	coef []float64 // (m+b)×b Gram–Schmidt coefficients
	rblk []float64 // b×b triangular factor of the block QR
	nrm0 []float64 // norms of the new block before orthogonalization
	nrm1 []float64 // norms of the new block after the local pass
	// Buffers of missing: complement basis, its images, the seed block.
	q, sq, seed, coefX []float64
	// fresh is set at a (re)start, when the next expansion needs full
	// orthogonalization.
	fresh bool
}

// krylovSchur returns the k largest eigenpairs of (A − σI)⁻¹ as eigenpairs
// (λ, v) of A, with unit vectors v stored contiguously.
//
// a is A/unit (see Smallest); unit only converts σ and the pivot back to the
// units of L in error messages.
func krylovSchur(ctx context.Context, a rawcsr.Matrix, k int, sigma, anorm, unit float64, b, m int, set *Settings) ([]float64, []float64, error) {
	n := a.N
	// K = A − σI, lower triangle, for the Cholesky factorization.
	kptr := make([]int, n+1)
	var kind []int
	var kdat []float64
	for i := 0; i < n; i++ {
		diag := false
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			j := a.Ind[p]
			switch {
			case j < i:
				kind = append(kind, j)
				kdat = append(kdat, a.Data[p])
			case j == i:
				kind = append(kind, j)
				kdat = append(kdat, a.Data[p]-sigma)
				diag = true
			}
		}
		if !diag {
			kind = append(kind, i)
			kdat = append(kdat, -sigma)
		}
		kptr[i+1] = len(kind)
	}
	ks := &krylov{
		ctx: ctx, n: n, b: b, m: m, a: a, sigma: sigma,
		rnd:  rand.New(rand.NewPCG(set.Seed, 0x9e3779b97f4a7c15)),
		impl: blas64.Implementation(),
		v:    make([]float64, (m+b)*n),
		h:    make([]float64, (m+b)*(m+b)),
		ldh:  m + b,
		coef: make([]float64, (m+b)*b),
		rblk: make([]float64, b*b),
		nrm0: make([]float64, b),
		nrm1: make([]float64, b),
	}
	if err := ks.chol.FactorizeContext(ctx, sparse.NewCSR(n, n, kptr, kind, kdat), nil); err != nil {
		var npd *cholesky.NotPositiveDefiniteError
		if errors.As(err, &npd) {
			return nil, nil, fmt.Errorf("eigs: L − σM is not positive definite for shift σ = %g (pivot %g at row %d): "+
				"L is not positive semidefinite or the shift is not below the smallest eigenvalue", sigma*unit, npd.Pivot*unit, npd.Row)
		}
		return nil, nil, fmt.Errorf("eigs: %w", err)
	}
	return ks.run(k, anorm, set.Tol, set.MaxIter)
}

// run performs the Krylov–Schur cycles.
func (ks *krylov) run(k int, anorm, tol float64, maxIter int) ([]float64, []float64, error) {
	n, b, m, ldh := ks.n, ks.b, ks.m, ks.ldh
	// Random orthonormal starting block.
	for i := range ks.v[:b*n] {
		ks.v[i] = ks.rnd.NormFloat64()
	}
	for c := 0; c < b; c++ {
		ks.nrm0[c] = floats.Norm(ks.v[c*n:(c+1)*n], 2)
	}
	ks.orthonormalizeBlock(0, false)
	ks.fresh = true

	t := make([]float64, m*m)   // symmetric projected matrix, then its eigenvectors
	theta := make([]float64, m) // eigenvalues of t, ascending
	var query [1]float64
	lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: m, Stride: m, Data: t, Uplo: blas.Upper}, theta, query[:], -1)
	lwork := int(query[0])
	work := make([]float64, lwork)
	y := make([]float64, m*m)    // Ritz vectors in descending θ order, column i
	z := make([]float64, b*m)    // residual coupling H[j:j+b,0:j]·y_i
	ares := make([]float64, b*n) // (A − σI) V[j:j+b]
	gram := make([]float64, b*b)
	tmp := make([]float64, m*restartChunk)
	xk := make([]float64, k*n) // candidate eigenvectors
	ax := make([]float64, n)
	lam := make([]float64, k)

	j := 0
	var worst float64
	nconv := 0
	for iter := 1; iter <= maxIter; iter++ {
		ks.iter = iter
		for j+b <= m {
			if err := ks.stopped(); err != nil {
				return nil, nil, err
			}
			ks.expand(j)
			j += b
		}
		// Rayleigh–Ritz on the symmetric part of H[0:j,0:j].
		for r := 0; r < j; r++ {
			for c := r; c < j; c++ {
				t[r*j+c] = 0.5 * (ks.h[r*ldh+c] + ks.h[c*ldh+r])
			}
		}
		if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: j, Stride: j, Data: t[:j*j], Uplo: blas.Upper}, theta[:j], work, lwork) {
			return nil, nil, errors.New("eigs: projected eigenproblem did not converge")
		}
		// Reorder to descending θ: column i of y is the eigenvector of θ[j-1-i].
		for r := 0; r < j; r++ {
			for i := 0; i < j; i++ {
				y[r*j+i] = t[r*j+j-1-i]
			}
		}
		for i := 0; i < j/2; i++ {
			theta[i], theta[j-1-i] = theta[j-1-i], theta[i]
		}
		// z = H[j:j+b, 0:j] y.
		ks.impl.Dgemm(blas.NoTrans, blas.NoTrans, b, j, j, 1, ks.h[j*ldh:], ldh, y, j, 0, z, j)
		// Gram matrix of (A − σI) V[j:j+b] for the true residuals.
		for c := 0; c < b; c++ {
			dst := ares[c*n : (c+1)*n]
			src := ks.v[(j+c)*n : (j+c+1)*n]
			mulVec(dst, ks.a, src)
			floats.AddScaled(dst, -ks.sigma, src)
		}
		ks.impl.Dgemm(blas.NoTrans, blas.Trans, b, b, n, 1, ares, n, ares, n, 0, gram, b)
		// ‖A x_i − λ_i x_i‖ = ‖(A − σI) V[j:j+b] z_i‖ / θ_i.
		nconv = 0
		worst = 0
		for i := 0; i < k; i++ {
			var q float64
			for r := 0; r < b; r++ {
				var s float64
				for c := 0; c < b; c++ {
					s += gram[r*b+c] * z[c*j+i]
				}
				q += z[r*j+i] * s
			}
			res := math.Sqrt(math.Max(q, 0)) / math.Abs(theta[i]) / anorm
			worst = math.Max(worst, res)
			if res <= tol {
				nconv++
			}
		}
		if nconv == k {
			// Candidate: form the Ritz vectors and verify their residuals.
			ks.impl.Dgemm(blas.Trans, blas.NoTrans, k, n, j, 1, y, j, ks.v, n, 0, xk, n)
			nconv = 0
			worst = 0
			for i := 0; i < k; i++ {
				x := xk[i*n : (i+1)*n]
				floats.Scale(1/floats.Norm(x, 2), x)
				mulVec(ax, ks.a, x)
				lam[i] = floats.Dot(x, ax)
				floats.AddScaled(ax, -lam[i], x)
				r := floats.Norm(ax, 2) / anorm
				worst = math.Max(worst, r)
				if r <= tol {
					nconv++
				}
			}
			if nconv == k {
				miss, err := ks.missing(xk, k, lam)
				if err != nil {
					return nil, nil, err
				}
				if !miss {
					return lam, xk, nil
				}
				// An eigenvalue was missed (a multiplicity above the block
				// size): restart from the converged vectors plus the
				// direction found in their complement.
				if iter == maxIter {
					nconv = k - 1
					break
				}
				copy(ks.v[:k*n], xk)
				copy(ks.v[k*n:(k+b)*n], ks.seed)
				clear(ks.h)
				for i := 0; i < k; i++ {
					ks.h[i*ldh+i] = 1 / (lam[i] - ks.sigma)
				}
				ks.fresh = true
				j = k
				continue
			}
		}
		if iter == maxIter {
			break
		}
		// Thick restart: keep the p best Ritz vectors.
		p := k + min(nconv, (m-k)/2)
		p = min(p, m-b)
		ks.restart(j, p, y, theta, z, tmp)
		ks.fresh = true
		j = p
	}
	return nil, nil, &ConvergenceError{Converged: nconv, Wanted: k, Iterations: maxIter, Residual: worst}
}

const restartChunk = 512

// stopped returns an error wrapping ks.ctx.Err() if the context is done.
func (ks *krylov) stopped() error {
	if err := ks.ctx.Err(); err != nil {
		return fmt.Errorf("eigs: stopped in restart cycle %d: %w", ks.iter, err)
	}
	return nil
}

// verifySteps is the number of block Krylov steps used by missing.
const verifySteps = 4

// missing checks whether the converged unit vectors x (k rows) miss an
// eigenvalue of S = (A − σI)⁻¹ larger than their smallest Ritz value
// θ_min = 1/(max λ − σ), as happens when an eigenvalue has a multiplicity
// above the block size. It runs verifySteps steps of block Lanczos on S in
// the orthogonal complement of x from a random block; the largest Ritz value
// there is a lower bound for the largest eigenvalue of S outside span(x), so
// a value above θ_min(1+1e-8) proves that an eigenpair is missing. In that
// case it stores in ks.seed an orthonormal block, orthogonal to x, spanned by
// the leading Ritz vectors of the complement, and returns true. It returns
// the error of ks.stopped if the context is done before a step.
func (ks *krylov) missing(x []float64, k int, lam []float64) (bool, error) {
	n, b := ks.n, ks.b
	// The complement must hold the (s+1)·b vectors of the check.
	s := min(verifySteps, (n-k)/b-1)
	if s < 1 {
		return false, nil
	}
	if ks.q == nil {
		ks.q = make([]float64, (s+1)*b*n)
		ks.sq = make([]float64, s*b*n)
		ks.seed = make([]float64, b*n)
		ks.coefX = make([]float64, max(k, (s+1)*b)*b)
	}
	thetaMin := math.Inf(1)
	for _, l := range lam[:k] {
		thetaMin = math.Min(thetaMin, 1/(l-ks.sigma))
	}
	q, sq := ks.q, ks.sq
	for i := range q[:b*n] {
		q[i] = ks.rnd.NormFloat64()
	}
	ks.orthBlock(q[:b*n], x[:k*n], nil)
	g := make([]float64, s*b*s*b)
	w := make([]float64, s*b)
	var lwork [1]float64
	lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: s * b, Stride: s * b, Data: g, Uplo: blas.Upper}, w, lwork[:], -1)
	work := make([]float64, int(lwork[0]))
	for step := 0; step < s; step++ {
		if err := ks.stopped(); err != nil {
			return false, err
		}
		cur := q[step*b*n : (step+1)*b*n]
		img := sq[step*b*n : (step+1)*b*n]
		copy(img, cur)
		ks.chol.SolveManyTo(img, img, b)
		next := q[(step+1)*b*n : (step+2)*b*n]
		copy(next, img)
		ks.orthBlock(next, x[:k*n], q[:(step+1)*b*n])
		// Rayleigh–Ritz on Q[0:d] with the images S Q[0:d].
		d := (step + 1) * b
		ks.impl.Dgemm(blas.NoTrans, blas.Trans, d, d, n, 1, q, n, sq, n, 0, g[:d*d], d)
		for r := 0; r < d; r++ {
			for c := r + 1; c < d; c++ {
				g[r*d+c] = 0.5 * (g[r*d+c] + g[c*d+r])
			}
		}
		if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: d, Stride: d, Data: g[:d*d], Uplo: blas.Upper}, w[:d], work, len(work)) {
			return false, nil
		}
		if !(w[d-1] > thetaMin*(1+1e-8)) {
			continue
		}
		// Seed with the Ritz vectors of the b largest Ritz values.
		ysel := make([]float64, d*b)
		for r := 0; r < d; r++ {
			for c := 0; c < b; c++ {
				ysel[r*b+c] = g[r*d+d-1-c]
			}
		}
		ks.impl.Dgemm(blas.Trans, blas.NoTrans, b, n, d, 1, ysel, b, q, n, 0, ks.seed, n)
		ks.orthBlock(ks.seed, x[:k*n], nil)
		return true, nil
	}
	return false, nil
}

// orthBlock orthogonalizes the b vectors of w against the rows of x and of
// y (each a row-major matrix with n columns; y may be nil) by two passes of
// classical Gram–Schmidt, then orthonormalizes w by modified Gram–Schmidt
// with reorthogonalization. A column that collapses is replaced by a random
// vector treated the same way.
func (ks *krylov) orthBlock(w, x, y []float64) {
	n, b := ks.n, ks.b
	pass := func(basis []float64) {
		rows := len(basis) / n
		if rows == 0 {
			return
		}
		coef := ks.coefX[:rows*b]
		ks.impl.Dgemm(blas.NoTrans, blas.Trans, rows, b, n, 1, basis, n, w, n, 0, coef, b)
		ks.impl.Dgemm(blas.Trans, blas.NoTrans, b, n, rows, -1, coef, b, basis, n, 1, w, n)
	}
	for it := 0; it < 2; it++ {
		pass(x)
		pass(y)
	}
	for c := 0; c < b; c++ {
		wc := w[c*n : (c+1)*n]
		for attempt := 0; ; attempt++ {
			before := floats.Norm(wc, 2)
			for it := 0; it < 2; it++ {
				for c2 := 0; c2 < c; c2++ {
					qc := w[c2*n : (c2+1)*n]
					floats.AddScaled(wc, -floats.Dot(qc, wc), qc)
				}
			}
			nrm := floats.Norm(wc, 2)
			if nrm > 1e-8*before || attempt == 3 {
				if nrm > 0 {
					floats.Scale(1/nrm, wc)
				}
				break
			}
			for i := range wc {
				wc[i] = ks.rnd.NormFloat64()
			}
			for it := 0; it < 2; it++ {
				for _, basis := range [][]float64{x, y} {
					for r := 0; r < len(basis)/n; r++ {
						br := basis[r*n : (r+1)*n]
						floats.AddScaled(wc, -floats.Dot(br, wc), br)
					}
				}
			}
		}
	}
}

// restart replaces V[0:p] by V[0:j] y[:,0:p], moves the residual block
// V[j:j+b] to V[p:p+b] and resets H to the Krylov–Schur form
// H[0:p,0:p] = diag(θ), H[p:p+b, 0:p] = z[:,0:p].
func (ks *krylov) restart(j, p int, y, theta, z, tmp []float64) {
	n, b, ldh := ks.n, ks.b, ks.ldh
	for c0 := 0; c0 < n; c0 += restartChunk {
		w := min(restartChunk, n-c0)
		for r := 0; r < j; r++ {
			copy(tmp[r*w:(r+1)*w], ks.v[r*n+c0:r*n+c0+w])
		}
		ks.impl.Dgemm(blas.Trans, blas.NoTrans, p, w, j, 1, y, j, tmp, w, 0, ks.v[c0:], n)
	}
	copy(ks.v[p*n:(p+b)*n], ks.v[j*n:(j+b)*n])
	clear(ks.h)
	for i := 0; i < p; i++ {
		ks.h[i*ks.ldh+i] = theta[i]
	}
	for r := 0; r < b; r++ {
		copy(ks.h[(p+r)*ldh:(p+r)*ldh+p], z[r*j:r*j+p])
	}
}

// expand applies S to the block V[j:j+b], orthonormalizes the result against
// V[0:j+b] into V[j+b:j+2b] and records the coefficients in H.
func (ks *krylov) expand(j int) {
	n, b := ks.n, ks.b
	src := ks.v[j*n : (j+b)*n]
	dst := ks.v[(j+b)*n : (j+2*b)*n]
	copy(dst, src)
	ks.chol.SolveManyTo(dst, dst, b)
	for c := 0; c < b; c++ {
		ks.nrm0[c] = floats.Norm(dst[c*n:(c+1)*n], 2)
	}
	jb := j + b
	if ks.fresh {
		// First expansion after a (re)start: S V[j:j+b] has large components
		// along all of V[0:jb] (the Krylov–Schur arrow); two full passes.
		ks.gsPass(0, jb, j, dst)
		ks.gsPass(0, jb, j, dst)
		ks.fresh = false
	} else {
		// Block Lanczos: in exact arithmetic S V[j:j+b] lies in the span of
		// V[j-b:j+2b]. Remove the local components, then reorthogonalize once
		// against the whole basis, and once more for columns whose norm
		// still dropped by more than 1/√2 (Daniel–Gragg–Kaufman–Stewart).
		ks.gsPass(j-b, jb, j, dst)
		for c := 0; c < b; c++ {
			ks.nrm1[c] = floats.Norm(dst[c*n:(c+1)*n], 2)
		}
		ks.gsPass(0, jb, j, dst)
		again := false
		for c := 0; c < b; c++ {
			if floats.Norm(dst[c*n:(c+1)*n], 2) < 0.7*ks.nrm1[c] {
				again = true
			}
		}
		if again {
			ks.gsPass(0, jb, j, dst)
		}
	}
	ks.orthonormalizeBlock(jb, true)
	for r := 0; r < b; r++ {
		for c := r; c < b; c++ {
			ks.h[(jb+r)*ks.ldh+j+c] = ks.rblk[r*b+c]
		}
	}
}

// gsPass orthogonalizes the block w (b vectors of length n) once against
// V[lo:hi] by classical Gram–Schmidt and adds the coefficients to rows lo:hi of
// H columns j:j+b.
func (ks *krylov) gsPass(lo, hi, j int, w []float64) {
	n, b := ks.n, ks.b
	coef := ks.coef[:(hi-lo)*b]
	// coef = V[lo:hi] wᵀ; w −= coefᵀ V[lo:hi].
	ks.impl.Dgemm(blas.NoTrans, blas.Trans, hi-lo, b, n, 1, ks.v[lo*n:], n, w, n, 0, coef, b)
	ks.impl.Dgemm(blas.Trans, blas.NoTrans, b, n, hi-lo, -1, coef, b, ks.v[lo*n:], n, 1, w, n)
	for r := lo; r < hi; r++ {
		for c := 0; c < b; c++ {
			ks.h[r*ks.ldh+j+c] += coef[(r-lo)*b+c]
		}
	}
}

// orthonormalizeBlock computes the QR factorization W = Q R of the block
// W = V[jb:jb+b] (already orthogonalized against V[0:jb]) in place, by
// Gram–Schmidt with reorthogonalization, storing R in ks.rblk. A column
// that has lost most of its norm (relative to ks.nrm0) is orthogonalized
// again against V[0:jb] as well, with the coefficients added to H column
// jb−b+c when record is set. A column that vanishes numerically is replaced
// by a random vector orthogonal to V[0:jb+c], with a zero diagonal in R.
func (ks *krylov) orthonormalizeBlock(jb int, record bool) {
	n, b := ks.n, ks.b
	clear(ks.rblk)
	for c := 0; c < b; c++ {
		w := ks.v[(jb+c)*n : (jb+c+1)*n]
		for pass := 0; pass < 2; pass++ {
			for c2 := 0; c2 < c; c2++ {
				q := ks.v[(jb+c2)*n : (jb+c2+1)*n]
				r := floats.Dot(q, w)
				floats.AddScaled(w, -r, q)
				ks.rblk[c2*b+c] += r
			}
		}
		nrm := floats.Norm(w, 2)
		// Extra passes while the norm keeps collapsing.
		for extra := 0; extra < 3 && nrm < 1e-3*ks.nrm0[c] && nrm > 1e-14*ks.nrm0[c]; extra++ {
			before := nrm
			ks.fullPass(w, jb+c, jb, c, record)
			nrm = floats.Norm(w, 2)
			if nrm > 0.5*before {
				break
			}
		}
		if !(nrm > 1e-14*ks.nrm0[c]) {
			// Breakdown: continue with a random direction.
			for i := range w {
				w[i] = ks.rnd.NormFloat64()
			}
			for pass := 0; pass < 2; pass++ {
				ks.fullPass(w, jb+c, jb, c, false)
			}
			ks.rblk[c*b+c] = 0
			floats.Scale(1/floats.Norm(w, 2), w)
			continue
		}
		ks.rblk[c*b+c] = nrm
		floats.Scale(1/nrm, w)
	}
}

// fullPass orthogonalizes w against V[0:upto] once. Coefficients against
// V[0:jb] are added to column jb−b+c of H when record is set, and those
// against V[jb:upto] to R column c.
func (ks *krylov) fullPass(w []float64, upto, jb, c int, record bool) {
	n, b := ks.n, ks.b
	coef := ks.coef[:upto]
	ks.impl.Dgemv(blas.NoTrans, upto, n, 1, ks.v, n, w, 1, 0, coef, 1)
	ks.impl.Dgemv(blas.Trans, upto, n, -1, ks.v, n, coef, 1, 1, w, 1)
	if !record {
		return
	}
	for r := 0; r < jb; r++ {
		ks.h[r*ks.ldh+jb-b+c] += coef[r]
	}
	for r := jb; r < upto; r++ {
		ks.rblk[(r-jb)*b+c] += coef[r]
	}
}
