package eigs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/rawcsr"
)

// Default settings used by Smallest for zero fields of Settings.
const (
	DefaultTol     = 1e-10
	DefaultMaxIter = 100
	DefaultBlock   = 4
)

// Settings configures Smallest. The zero value (and a nil *Settings) selects
// the defaults for every field.
type Settings struct {
	// Tol is the relative residual tolerance: an eigenpair (λ, u) is accepted
	// when ‖A v − λ v‖₂ ≤ Tol·‖A‖ for v = M^{1/2} u normalized, A = M^{-1/2} L M^{-1/2},
	// and ‖A‖ the Gershgorin bound max_i Σ_j |A[i,j]| ≥ λ_max(A).
	// Zero means DefaultTol. Values below about 1e-13 may be unattainable in
	// floating point and end in a *ConvergenceError.
	Tol float64
	// Shift is the shift σ of the shift-invert spectral transformation; it
	// must lie below the smallest eigenvalue so that L − σM is positive
	// definite. Zero means automatic: σ = −10⁻³·mean_i(L[i,i]/mass[i]).
	Shift float64
	// MaxIter is the maximum number of Krylov–Schur restart cycles. Zero
	// means DefaultMaxIter.
	MaxIter int
	// Seed seeds the random starting block; results are deterministic for
	// a given Seed.
	Seed uint64
	// BlockSize is the number of vectors by which the Krylov basis grows at a
	// time. Eigenvalues of multiplicity up to BlockSize are found directly.
	// Copies of higher multiplicity (such as the null space of a mesh with
	// many components) are caught by a check of the orthogonal complement of
	// the converged vectors (a few block Lanczos steps from a random block),
	// which resumes the iteration when it finds a missing eigenvalue; a
	// missing eigenvalue very close to λ_{k-1} may escape this check. Zero
	// means DefaultBlock; values above k are lowered to k.
	BlockSize int
	// KrylovDim is the maximum dimension of the Krylov basis. Zero means
	// automatic: 2k + 6·BlockSize. It is raised to at least k + 2·BlockSize
	// and lowered to at most n − BlockSize; if these bounds cross (k close to
	// n), the problem is solved densely instead, at O(n³) cost.
	KrylovDim int
}

// ConvergenceError is returned by Smallest when fewer than the wanted number
// of eigenpairs reached the tolerance within the allowed restart cycles.
type ConvergenceError struct {
	// Converged is the number of wanted Ritz pairs that met the tolerance at
	// the last cycle (k − 1 if all did but the complement check found a
	// missing eigenvalue), Wanted is k and Iterations the number of cycles.
	Converged, Wanted, Iterations int
	// Residual is the largest relative residual ‖A v − λ v‖/‖A‖ among the
	// wanted Ritz pairs at the last cycle.
	Residual float64
}

// Error implements the error interface.
func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("eigs: %d of %d eigenpairs converged after %d restart cycles (worst relative residual %.3g)",
		e.Converged, e.Wanted, e.Iterations, e.Residual)
}

// Smallest computes the k smallest eigenvalues λ_0 ≤ … ≤ λ_{k-1} and the
// corresponding eigenvectors of the symmetric generalized eigenproblem
//
//	L u = λ M u,   M = diag(mass),
//
// where L is an n×n sparse symmetric positive semidefinite matrix (such as a
// graph or cotangent Laplacian) and mass holds the positive diagonal of M.
// Duplicate entries of L are summed.
//
// The values are returned in ascending order, and vectors is the n×k matrix U
// whose column j is the eigenvector for values[j], normalized so that
// Uᵀ M U = I, with the sign chosen so that the entry of largest magnitude
// (the first such) is positive. Results are deterministic for a given
// Settings.Seed.
//
// Method: the problem is reduced to the standard symmetric problem
// A v = λ v with A = M^{-1/2} L M^{-1/2} and u = M^{-1/2} v, and A is
// divided by the power of 4 nearest its largest entry, an exact scaling that
// lets any representable A be solved. A − σI, with σ
// below the spectrum (see Settings.Shift), is factorized by a sparse Cholesky
// factorization under the default fill-reducing ordering of
// cholesky.Cholesky.Factorize (minimum degree, or nested dissection above
// n = 20000), and the largest eigenvalues
// θ = 1/(λ − σ) of (A − σI)⁻¹ are found by a block Krylov–Schur (thick
// restarted block Lanczos) iteration with full reorthogonalization: each new
// block is cleared of its local (three-term) components and then
// orthogonalized against the whole basis by block classical Gram–Schmidt,
// repeated for columns that lose more than 1/√2 of their norm, and twice
// after a restart. Convergence is judged on the true residual
// ‖A v − λ v‖, obtained from the Krylov relation at the cost of BlockSize
// sparse products per cycle, and confirmed on the returned vectors; a few
// block Lanczos steps in their orthogonal complement then check that no
// eigenvalue was skipped (see Settings.BlockSize). The cost
// per cycle is dominated by O(n·KrylovDim²) orthogonalization flops and
// KrylovDim triangular solves with the Cholesky factor; memory is
// O(n·KrylovDim + nnz(factor)).
//
// Smallest checks ctx before it starts, during the fill-reducing ordering and
// the factorization (as cholesky.Cholesky.FactorizeContext does), before
// every block step of the Krylov iteration and of the final check; once ctx
// is done it returns an error wrapping ctx.Err(). The dense path (k close to
// n) is not interrupted once it has started.
//
// Smallest returns an error (and no results) if k ≤ 0 or k ≥ n, if L is not
// square, malformed, contains NaN or infinite values or is not symmetric (to
// a relative 1e-8 of its largest entry), if len(mass) ≠ n or a mass is not
// positive and finite, if an entry of M^{-1/2} L M^{-1/2} is beyond the
// float64 range (masses too small for L), if a setting is negative or NaN,
// if L − σM is not positive definite (L is not positive semidefinite, or the
// shift is too large), or a *ConvergenceError if the iteration did not
// converge within Settings.MaxIter cycles.
func Smallest(ctx context.Context, L *sparse.CSR, mass []float64, k int, s *Settings) (values []float64, vectors *mat.Dense, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("eigs: stopped before the start: %w", err)
	}
	var set Settings
	if s != nil {
		set = *s
	}
	if math.IsNaN(set.Tol) || set.Tol < 0 || math.IsInf(set.Tol, 0) {
		return nil, nil, fmt.Errorf("eigs: invalid Settings.Tol %v", set.Tol)
	}
	if math.IsNaN(set.Shift) || math.IsInf(set.Shift, 0) {
		return nil, nil, fmt.Errorf("eigs: invalid Settings.Shift %v", set.Shift)
	}
	if set.MaxIter < 0 || set.BlockSize < 0 || set.KrylovDim < 0 {
		return nil, nil, fmt.Errorf("eigs: negative Settings field (MaxIter %d, BlockSize %d, KrylovDim %d)",
			set.MaxIter, set.BlockSize, set.KrylovDim)
	}
	if set.Tol == 0 {
		set.Tol = DefaultTol
	}
	if set.MaxIter == 0 {
		set.MaxIter = DefaultMaxIter
	}
	if set.BlockSize == 0 {
		set.BlockSize = DefaultBlock
	}

	raw, err := rawcsr.Check("L", L)
	if err != nil {
		return nil, nil, fmt.Errorf("eigs: %w", err)
	}
	n := raw.N
	if k <= 0 || k >= n {
		return nil, nil, fmt.Errorf("eigs: k = %d out of range [1,%d) for n = %d", k, n, n)
	}
	if len(mass) != n {
		return nil, nil, fmt.Errorf("eigs: len(mass) = %d, want %d", len(mass), n)
	}
	scale := make([]float64, n) // M^{-1/2}
	for i, m := range mass {
		if m == 0 {
			return nil, nil, fmt.Errorf("eigs: mass[%d] = 0 is not positive and finite"+
				" (M is singular: on a mesh, vertex %d is in no triangle of positive area; remove such vertices with mesh.Mesh.RemoveUnreferenced)", i, i)
		}
		if !(m > 0) || math.IsInf(m, 0) {
			return nil, nil, fmt.Errorf("eigs: mass[%d] = %v is not positive and finite", i, m)
		}
		scale[i] = 1 / math.Sqrt(m)
	}
	a, err := symmetricScaled(raw, scale)
	if err != nil {
		return nil, nil, err
	}
	// Work with A/unit, unit a power of 4 near max|A[i,j]|: the iteration
	// forms Gram matrices of blocks of (A − σI)V, whose entries are of the
	// order of ‖A‖², so a matrix far from unit scale would overflow to Inf
	// or underflow to 0 there. Scaling by a power of 4 is exact (square roots
	// included), so the results do not otherwise depend on the scale.
	var amax float64
	for p, v := range a.Data {
		if math.IsInf(v, 0) {
			i := sort.SearchInts(a.Indptr, p+1) - 1
			j := a.Ind[p]
			return nil, nil, fmt.Errorf("eigs: M^{-1/2} L M^{-1/2} overflows at (%d,%d): L(%d,%d)/√(mass[%d]·mass[%d]) with "+
				"L(%d,%d) = %g, mass[%d] = %g and mass[%d] = %g is beyond the float64 range; the masses are too small "+
				"for L (or L too large): scale L or the masses (the eigenvalues scale with L/M)",
				i, j, i, j, i, j, i, j, L.At(i, j), i, mass[i], j, mass[j])
		}
		amax = max(amax, math.Abs(v))
	}
	unit := 1.0
	if amax > 0 {
		_, e := math.Frexp(amax)
		e -= e & 1 // even: a power of 4
		unit = math.Ldexp(1, e)
		inv := math.Ldexp(1, -e)
		for p := range a.Data {
			a.Data[p] *= inv
		}
	}

	var anorm, trace float64
	for i := 0; i < n; i++ {
		var r float64
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			r += math.Abs(a.Data[p])
			if a.Ind[p] == i {
				trace += a.Data[p]
			}
		}
		anorm = max(anorm, r)
	}
	sigma := set.Shift / unit
	if sigma == 0 {
		switch {
		case trace > 0:
			sigma = -1e-3 * trace / float64(n)
		case anorm > 0:
			sigma = -1e-3 * anorm
		default:
			sigma = -1
		}
	}
	if anorm == 0 {
		anorm = 1 // A = 0: measure residuals absolutely.
	}

	b := min(set.BlockSize, k)
	m := set.KrylovDim
	if m == 0 {
		m = 2*k + 6*b
	}
	m = min(max(m, k+2*b), n-b)
	var vals []float64
	var x []float64 // k vectors of length n, contiguous
	if m < k+2*b {
		vals, x, err = denseSmallest(a, k)
	} else {
		vals, x, err = krylovSchur(ctx, a, k, sigma, anorm, unit, b, m, &set)
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range vals {
		vals[i] *= unit
	}

	// Ascending order, M-orthonormal u = M^{-1/2} v, sign convention.
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		switch {
		case vals[i] < vals[j]:
			return -1
		case vals[i] > vals[j]:
			return 1
		}
		return 0
	})
	values = make([]float64, k)
	data := make([]float64, n*k)
	for c, i := range idx {
		values[c] = vals[i]
		v := x[i*n : (i+1)*n]
		big, sgn := 0.0, 1.0
		for r, vr := range v {
			u := vr * scale[r]
			if math.Abs(u) > big {
				big = math.Abs(u)
				sgn = math.Copysign(1, u)
			}
		}
		for r, vr := range v {
			data[r*k+c] = sgn * vr * scale[r]
		}
	}
	return values, mat.NewDense(n, k, data), nil
}

// symmetricScaled returns A = S (L + Lᵀ)/2 S with S = diag(scale) as a CSR
// matrix without duplicate entries, after checking that L is symmetric to a
// relative 1e-8 of its largest entry.
func symmetricScaled(l rawcsr.Matrix, scale []float64) (rawcsr.Matrix, error) {
	n := l.N
	// Transpose by counting sort.
	tptr := make([]int, n+1)
	for _, j := range l.Ind {
		tptr[j+1]++
	}
	for i := 0; i < n; i++ {
		tptr[i+1] += tptr[i]
	}
	tind := make([]int, len(l.Ind))
	tdat := make([]float64, len(l.Ind))
	pos := slices.Clone(tptr[:n])
	var lmax float64
	for i := 0; i < n; i++ {
		for p := l.Indptr[i]; p < l.Indptr[i+1]; p++ {
			j := l.Ind[p]
			tind[pos[j]] = i
			tdat[pos[j]] = l.Data[p]
			pos[j]++
			lmax = max(lmax, math.Abs(l.Data[p]))
		}
	}
	tol := 1e-8 * lmax
	diff := make([]float64, n)
	sum := make([]float64, n)
	mark := make([]int, n)
	for i := range mark {
		mark[i] = -1
	}
	out := rawcsr.Matrix{N: n, Indptr: make([]int, n+1)}
	var cols []int
	for i := 0; i < n; i++ {
		cols = cols[:0]
		for p := l.Indptr[i]; p < l.Indptr[i+1]; p++ {
			j := l.Ind[p]
			if mark[j] != i {
				mark[j] = i
				cols = append(cols, j)
				diff[j], sum[j] = 0, 0
			}
			diff[j] += l.Data[p]
			sum[j] += l.Data[p]
		}
		for p := tptr[i]; p < tptr[i+1]; p++ {
			j := tind[p]
			if mark[j] != i {
				mark[j] = i
				cols = append(cols, j)
				diff[j], sum[j] = 0, 0
			}
			diff[j] -= tdat[p]
			sum[j] += tdat[p]
		}
		slices.Sort(cols)
		for _, j := range cols {
			if math.Abs(diff[j]) > tol {
				return rawcsr.Matrix{}, fmt.Errorf("eigs: L is not symmetric: L(%d,%d) − L(%d,%d) = %g", i, j, j, i, diff[j])
			}
			out.Ind = append(out.Ind, j)
			out.Data = append(out.Data, 0.5*sum[j]*scale[i]*scale[j])
		}
		out.Indptr[i+1] = len(out.Ind)
	}
	return out, nil
}

// mulVec computes dst = a x for the rawcsr.Matrix a.
func mulVec(dst []float64, a rawcsr.Matrix, x []float64) {
	for i := 0; i < a.N; i++ {
		var s float64
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			s += a.Data[p] * x[a.Ind[p]]
		}
		dst[i] = s
	}
}

// denseSmallest solves the problem with a dense symmetric eigensolver.
// It returns the k smallest eigenvalues and unit eigenvectors of a.
func denseSmallest(a rawcsr.Matrix, k int) ([]float64, []float64, error) {
	n := a.N
	sym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			if j := a.Ind[p]; j >= i {
				sym.SetSym(i, j, a.Data[p])
			}
		}
	}
	var es mat.EigenSym
	if !es.Factorize(sym, true) {
		return nil, nil, errors.New("eigs: dense symmetric eigensolver did not converge")
	}
	w := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	x := make([]float64, k*n)
	for c := 0; c < k; c++ {
		for r := 0; r < n; r++ {
			x[c*n+r] = vecs.At(r, c)
		}
	}
	return w[:k], x, nil
}
