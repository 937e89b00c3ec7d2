package cholesky

import (
	"context"
	"fmt"
	"math"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// NotPositiveDefiniteError is returned by Cholesky.Factorize when a pivot is
// not positive (or not finite): the matrix is not numerically positive
// definite.
type NotPositiveDefiniteError struct {
	// Row is the original (unpermuted) row of the failing pivot and Step the
	// elimination step at which it failed.
	Row, Step int
	// Pivot is the value of the failing pivot, L[Step,Step]².
	Pivot float64
}

// Error implements the error interface.
func (e *NotPositiveDefiniteError) Error() string {
	return fmt.Sprintf("cholesky: matrix is not positive definite: pivot for row %d (elimination step %d) is %g",
		e.Row, e.Step, e.Pivot)
}

// Cholesky is a sparse Cholesky factorization P A Pᵀ = L Lᵀ of a symmetric
// positive definite n×n matrix A, with P a fill-reducing permutation and L
// lower triangular, stored by columns. The zero value is an empty
// factorization; call Factorize before any other method.
//
// SolveTo, SolveManyTo and SolveMatTo use a workspace held by the receiver,
// so a Cholesky must not be used by several goroutines at once.
type Cholesky struct {
	ok     bool // factorized
	n      int
	perm   []int // perm[i] = original index of permuted row i
	colptr []int // column j of L is rowind/val[colptr[j]:colptr[j+1]], diagonal first, rows ascending
	rowind []int
	val    []float64
	work   []float64
}

// Factorize computes the Cholesky factorization of the symmetric matrix a,
// reading only its lower triangle (entries a[i,j] with j ≤ i; duplicate
// entries are summed, the upper triangle is ignored). perm is the
// symmetric permutation to use in the package ordering convention
// (perm[i] is the original index placed i-th); if perm is nil, the
// MinimumDegree ordering of a is used for n ≤ 20000 and the
// NestedDissection ordering for larger n. perm is copied.
//
// The factorization is up-looking: row k of L is found by a sparse
// triangular solve whose pattern is the reach of row k of A in the
// elimination tree. The cost is O(nnz(a) + nnz(L)) for the symbolic phase
// and Σ_j c_j² flops for the numeric phase, where c_j is the count of column
// j of L; memory is O(n + nnz(L)).
//
// Factorize returns an error if a is not square or its raw arrays are
// malformed, if it holds a NaN or infinite value, if perm is not a
// permutation of 0..n-1, or, as a *NotPositiveDefiniteError, if a pivot is
// not positive. On error the receiver is left empty.
func (c *Cholesky) Factorize(a *sparse.CSR, perm []int) error {
	return c.FactorizeContext(context.Background(), a, perm)
}

// factorizeWork is the number of flops of the numeric factorization between
// two checks of the context.
const factorizeWork = 1 << 22

// FactorizeContext is Factorize, stopping once ctx is done: it checks ctx
// before it starts, during the default ordering (when perm is nil, about
// every 2²⁰ adjacency visits) and about every 2²² flops of the numeric
// phase. When it stops it leaves the receiver empty and returns an error
// wrapping ctx.Err().
func (c *Cholesky) FactorizeContext(ctx context.Context, a *sparse.CSR, perm []int) error {
	*c = Cholesky{}
	an, err := analyze(ctx, a, perm, true)
	if err != nil {
		return err
	}
	n, perm, up, uind, uval, parent, counts := len(an.perm), an.perm, an.up, an.uind, an.uval, an.parent, an.counts
	mark := make([]int, n)
	path := make([]int, n)
	colptr := make([]int, n+1)
	for j := 0; j < n; j++ {
		colptr[j+1] = colptr[j] + 1 + counts[j]
	}
	nnz := colptr[n]
	rowind := make([]int, nnz)
	val := make([]float64, nnz)

	// Numeric up-looking factorization.
	x := make([]float64, n)
	fill := counts // reuse: next free slot of each column
	for j := 0; j < n; j++ {
		fill[j] = colptr[j] + 1
	}
	stack := make([]int, n)
	for k := 0; k < n; k++ {
		mark[k] = -1
	}
	work := 0
	for k := 0; k < n; k++ {
		if work >= factorizeWork {
			work = 0
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("cholesky: factorization stopped at row %d of %d: %w", k, n, err)
			}
		}
		work++
		top := n
		mark[k] = k
		for p := up[k]; p < up[k+1]; p++ {
			i := uind[p]
			x[i] += uval[p]
			l := 0
			for j := i; mark[j] != k; j = parent[j] {
				path[l] = j
				l++
				mark[j] = k
			}
			for l > 0 {
				l--
				top--
				stack[top] = path[l]
			}
		}
		d := x[k]
		x[k] = 0
		for _, j := range stack[top:] {
			lkj := x[j] / val[colptr[j]]
			x[j] = 0
			f := fill[j]
			rows := rowind[colptr[j]+1 : f]
			vals := val[colptr[j]+1 : f]
			for t, i := range rows {
				x[i] -= vals[t] * lkj
			}
			d -= lkj * lkj
			work += f - colptr[j]
			rowind[f] = k
			val[f] = lkj
			fill[j] = f + 1
		}
		if !(d > 0) || math.IsInf(d, 0) {
			return &NotPositiveDefiniteError{Row: perm[k], Step: k, Pivot: d}
		}
		rowind[colptr[k]] = k
		val[colptr[k]] = math.Sqrt(d)
	}
	*c = Cholesky{ok: true, n: n, perm: perm, colptr: colptr, rowind: rowind, val: val}
	return nil
}

// Size returns n, the order of the factorized matrix (0 before a successful
// Factorize).
func (c *Cholesky) Size() int { return c.n }

// NNZ returns the number of stored entries of the factor L, diagonal included.
func (c *Cholesky) NNZ() int { return len(c.val) }

// Perm returns a copy of the permutation used, in the package ordering
// convention.
func (c *Cholesky) Perm() []int { return append([]int(nil), c.perm...) }

// LogDet returns log(det(A)) = 2 Σ_j log L[j,j].
func (c *Cholesky) LogDet() float64 {
	var s float64
	for j := 0; j < c.n; j++ {
		s += math.Log(c.val[c.colptr[j]])
	}
	return 2 * s
}

// SolveTo solves A x = b and stores x in dst, which is returned. If dst is nil
// a new slice is allocated. dst and b may be the same slice. The cost is
// 4·nnz(L) flops. SolveTo panics if the receiver has not been factorized or if
// len(b) or a non-nil len(dst) is not n.
func (c *Cholesky) SolveTo(dst, b []float64) []float64 {
	return c.SolveManyTo(dst, b, 1)
}

// SolveManyTo solves A x_r = b_r for nrhs right-hand sides stored one after
// another, b_r = b[r·n : (r+1)·n] (the n×nrhs matrix B by columns), and
// stores x_r at the same place in dst, which is returned. If dst is nil a new
// slice is allocated. dst and b may be the same slice. The right-hand sides
// are processed together so that L is read once: the cost is 4·nrhs·nnz(L)
// flops. SolveManyTo panics if the receiver has not been factorized, if nrhs
// is negative, or if len(b) or a non-nil len(dst) is not nrhs·n.
func (c *Cholesky) SolveManyTo(dst, b []float64, nrhs int) []float64 {
	if !c.ok {
		panic("cholesky: Cholesky not factorized")
	}
	if nrhs < 0 {
		panic(fmt.Sprintf("cholesky: nrhs = %d is negative", nrhs))
	}
	if len(b) != nrhs*c.n {
		panic(fmt.Sprintf("cholesky: len(b) = %d, want %d", len(b), nrhs*c.n))
	}
	if dst == nil {
		dst = make([]float64, nrhs*c.n)
	}
	if len(dst) != nrhs*c.n {
		panic(fmt.Sprintf("cholesky: len(dst) = %d, want %d", len(dst), nrhs*c.n))
	}
	n := c.n
	if len(c.work) < n*nrhs {
		c.work = make([]float64, n*nrhs)
	}
	y := c.work[:n*nrhs]
	for i, pi := range c.perm {
		for r := 0; r < nrhs; r++ {
			y[i*nrhs+r] = b[r*n+pi]
		}
	}
	c.solvePermuted(y, nrhs)
	for i, pi := range c.perm {
		for r := 0; r < nrhs; r++ {
			dst[r*n+pi] = y[i*nrhs+r]
		}
	}
	return dst
}

// SolveMatTo solves A X = B for the n×m matrix X, stored in dst. If dst is
// nil a new n×m matrix is allocated and returned; otherwise dst must be n×m
// and is returned. dst and b may be the same *mat.Dense. The right-hand
// sides are processed together so that L is read once: the cost is
// 4·m·nnz(L) flops. SolveMatTo panics if the receiver has not been factorized
// or on shape mismatch.
func (c *Cholesky) SolveMatTo(dst *mat.Dense, b mat.Matrix) *mat.Dense {
	if !c.ok {
		panic("cholesky: Cholesky not factorized")
	}
	br, bc := b.Dims()
	if br != c.n {
		panic(fmt.Sprintf("cholesky: b has %d rows, want %d", br, c.n))
	}
	if dst == nil {
		dst = mat.NewDense(c.n, bc, nil)
	} else if r, cc := dst.Dims(); r != c.n || cc != bc {
		panic(fmt.Sprintf("cholesky: dst is %d×%d, want %d×%d", r, cc, c.n, bc))
	}
	n := c.n
	if len(c.work) < n*bc {
		c.work = make([]float64, n*bc)
	}
	y := c.work[:n*bc]
	if bd, ok := b.(*mat.Dense); ok {
		raw := bd.RawMatrix()
		for i, pi := range c.perm {
			copy(y[i*bc:i*bc+bc], raw.Data[pi*raw.Stride:pi*raw.Stride+bc])
		}
	} else {
		for i, pi := range c.perm {
			for j := 0; j < bc; j++ {
				y[i*bc+j] = b.At(pi, j)
			}
		}
	}
	c.solvePermuted(y, bc)
	raw := dst.RawMatrix()
	for i, pi := range c.perm {
		copy(raw.Data[pi*raw.Stride:pi*raw.Stride+bc], y[i*bc:i*bc+bc])
	}
	return dst
}

// solvePermuted overwrites y, the n×nrhs row-major right-hand side of
// L Lᵀ y = y in the permuted ordering, with the solution.
func (c *Cholesky) solvePermuted(y []float64, nrhs int) {
	n := c.n
	colptr, rowind, val := c.colptr, c.rowind, c.val
	if nrhs == 1 {
		for j := 0; j < n; j++ {
			yj := y[j] / val[colptr[j]]
			y[j] = yj
			if yj == 0 {
				continue
			}
			rows := rowind[colptr[j]+1 : colptr[j+1]]
			vals := val[colptr[j]+1 : colptr[j+1]]
			for t, i := range rows {
				y[i] -= vals[t] * yj
			}
		}
		for j := n - 1; j >= 0; j-- {
			s := y[j]
			rows := rowind[colptr[j]+1 : colptr[j+1]]
			vals := val[colptr[j]+1 : colptr[j+1]]
			for t, i := range rows {
				s -= vals[t] * y[i]
			}
			y[j] = s / val[colptr[j]]
		}
		return
	}
	for j := 0; j < n; j++ {
		yj := y[j*nrhs : j*nrhs+nrhs]
		d := 1 / val[colptr[j]]
		for r := range yj {
			yj[r] *= d
		}
		for t, i := range rowind[colptr[j]+1 : colptr[j+1]] {
			subScaled(y[i*nrhs:i*nrhs+nrhs], val[colptr[j]+1+t], yj)
		}
	}
	for j := n - 1; j >= 0; j-- {
		yj := y[j*nrhs : j*nrhs+nrhs]
		for t, i := range rowind[colptr[j]+1 : colptr[j+1]] {
			subScaled(yj, val[colptr[j]+1+t], y[i*nrhs:i*nrhs+nrhs])
		}
		d := 1 / val[colptr[j]]
		for r := range yj {
			yj[r] *= d
		}
	}
}

// subScaled sets dst = dst − l·x, for len(x) ≥ len(dst).
func subScaled(dst []float64, l float64, x []float64) {
	for r := range dst {
		dst[r] -= l * x[r]
	}
}
