package eigs

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
	return fmt.Sprintf("eigs: matrix is not positive definite: pivot for row %d (elimination step %d) is %g",
		e.Row, e.Step, e.Pivot)
}

// Cholesky is a sparse Cholesky factorization P A Pᵀ = L Lᵀ of a symmetric
// positive definite n×n matrix A, with P a fill-reducing permutation and L
// lower triangular, stored by columns. The zero value is an empty
// factorization; call Factorize before any other method.
//
// SolveTo and SolveMatTo use a workspace held by the receiver, so a Cholesky
// must not be used by several goroutines at once.
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
	return c.factorize(context.Background(), a, perm)
}

// factorizeWork is the number of flops of the numeric factorization between
// two checks of the context.
const factorizeWork = 1 << 22

// factorize is Factorize checking ctx during the ordering (when perm is nil)
// and about every factorizeWork flops of the numeric phase; once ctx is done
// it leaves the receiver empty and returns an error wrapping ctx.Err().
func (c *Cholesky) factorize(ctx context.Context, a *sparse.CSR, perm []int) error {
	*c = Cholesky{}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eigs: factorization stopped before the ordering: %w", err)
	}
	r, err := checkCSR("a", a)
	if err != nil {
		return err
	}
	n := r.n
	if perm == nil {
		perm = defaultOrdering(ctx, r)
	} else {
		perm = append([]int(nil), perm...)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eigs: factorization stopped in the ordering: %w", err)
	}
	inv, err := checkPerm(perm, n)
	if err != nil {
		return err
	}
	up, uind, uval := upperTriangle(r, inv, true)
	pos := make([]int, n)

	parent, counts := symbolic(n, up, uind, pos)
	ancestor := make([]int, n)
	mark := pos
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
	path := ancestor // reuse
	for k := 0; k < n; k++ {
		mark[k] = -1
	}
	work := 0
	for k := 0; k < n; k++ {
		if work >= factorizeWork {
			work = 0
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("eigs: factorization stopped at row %d of %d: %w", k, n, err)
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

// defaultOrdering returns the ordering Factorize uses for a nil perm:
// minimum degree up to mdCutoff rows, nested dissection above.
func defaultOrdering(ctx context.Context, r rawCSR) []int {
	xadj, adj := adjacency(r)
	if r.n <= mdCutoff {
		return minimumDegree(ctx, r.n, xadj, adj)
	}
	return nestedDissection(ctx, r.n, xadj, adj)
}

// upperTriangle returns the upper triangle of C = P A Pᵀ by columns, from
// the lower triangle of A and inv, the inverse of the permutation: column k
// holds the rows uind[up[k]:up[k+1]], all at most k, with the values uval
// if values is set (nil otherwise).
func upperTriangle(r rawCSR, inv []int, values bool) (up, uind []int, uval []float64) {
	n := r.n
	up = make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := r.indptr[i]; p < r.indptr[i+1]; p++ {
			if j := r.ind[p]; j <= i {
				up[max(inv[i], inv[j])+1]++
			}
		}
	}
	for k := 0; k < n; k++ {
		up[k+1] += up[k]
	}
	uind = make([]int, up[n])
	if values {
		uval = make([]float64, up[n])
	}
	pos := append([]int(nil), up[:n]...)
	for i := 0; i < n; i++ {
		for p := r.indptr[i]; p < r.indptr[i+1]; p++ {
			if j := r.ind[p]; j <= i {
				col := max(inv[i], inv[j])
				uind[pos[col]] = min(inv[i], inv[j])
				if values {
					uval[pos[col]] = r.data[p]
				}
				pos[col]++
			}
		}
	}
	return up, uind, uval
}

// symbolic returns the elimination tree of the matrix whose upper triangle
// by columns is (up, uind) — column k holds the rows uind[up[k]:up[k+1]],
// all at most k — and the number of off-diagonal entries of each column of
// its Cholesky factor, from the row subtrees (Liu's algorithm with path
// compression). mark is an n-long workspace, overwritten.
func symbolic(n int, up, uind, mark []int) (parent, counts []int) {
	parent = make([]int, n)
	ancestor := make([]int, n)
	for k := 0; k < n; k++ {
		parent[k] = -1
		ancestor[k] = -1
		for p := up[k]; p < up[k+1]; p++ {
			for i := uind[p]; i != -1 && i < k; {
				next := ancestor[i]
				ancestor[i] = k
				if next == -1 {
					parent[i] = k
				}
				i = next
			}
		}
	}
	for j := range mark[:n] {
		mark[j] = -1
	}
	counts = make([]int, n)
	for k := 0; k < n; k++ {
		mark[k] = k
		for p := up[k]; p < up[k+1]; p++ {
			for j := uind[p]; mark[j] != k; j = parent[j] {
				mark[j] = k
				counts[j]++
			}
		}
	}
	return parent, counts
}

// FactorNNZ returns the number of entries, diagonal included, of the
// Cholesky factor of P A Pᵀ for the symmetric matrix a (its lower triangle
// is read, as by Factorize) and the ordering perm (nil for the ordering
// Factorize would choose), without computing the factor: the storage a
// factorization will need, in O(nnz(a) + NNZ) time. It returns an error if
// a is not square or its raw arrays are malformed, or perm is not a
// permutation of 0..n-1.
func FactorNNZ(a *sparse.CSR, perm []int) (int, error) {
	r, err := checkCSR("a", a)
	if err != nil {
		return 0, err
	}
	n := r.n
	if perm == nil {
		perm = defaultOrdering(context.Background(), r)
	}
	inv, err := checkPerm(perm, n)
	if err != nil {
		return 0, err
	}
	up, uind, _ := upperTriangle(r, inv, false)
	pos := make([]int, n)
	_, counts := symbolic(n, up, uind, pos)
	nnz := n
	for _, c := range counts {
		nnz += c
	}
	return nnz, nil
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
	if !c.ok {
		panic("eigs: Cholesky not factorized")
	}
	if len(b) != c.n {
		panic(fmt.Sprintf("eigs: len(b) = %d, want %d", len(b), c.n))
	}
	if dst == nil {
		dst = make([]float64, c.n)
	}
	if len(dst) != c.n {
		panic(fmt.Sprintf("eigs: len(dst) = %d, want %d", len(dst), c.n))
	}
	c.solveStrided(dst, b, 1, 0)
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
		panic("eigs: Cholesky not factorized")
	}
	br, bc := b.Dims()
	if br != c.n {
		panic(fmt.Sprintf("eigs: b has %d rows, want %d", br, c.n))
	}
	if dst == nil {
		dst = mat.NewDense(c.n, bc, nil)
	} else if r, cc := dst.Dims(); r != c.n || cc != bc {
		panic(fmt.Sprintf("eigs: dst is %d×%d, want %d×%d", r, cc, c.n, bc))
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

// solveStrided solves A X = B for nrhs right-hand sides stored as vectors
// B_c = b[c*stride : c*stride+n], writing X_c to dst at the same positions.
// dst and b may alias exactly.
func (c *Cholesky) solveStrided(dst, b []float64, nrhs, stride int) {
	n := c.n
	if len(c.work) < n*nrhs {
		c.work = make([]float64, n*nrhs)
	}
	y := c.work[:n*nrhs]
	for i, pi := range c.perm {
		for r := 0; r < nrhs; r++ {
			y[i*nrhs+r] = b[r*stride+pi]
		}
	}
	c.solvePermuted(y, nrhs)
	for i, pi := range c.perm {
		for r := 0; r < nrhs; r++ {
			dst[r*stride+pi] = y[i*nrhs+r]
		}
	}
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
		rows := rowind[colptr[j]+1 : colptr[j+1]]
		vals := val[colptr[j]+1 : colptr[j+1]]
		for t, i := range rows {
			l := vals[t]
			yi := y[i*nrhs : i*nrhs+nrhs]
			for r := range yi {
				yi[r] -= l * yj[r]
			}
		}
	}
	for j := n - 1; j >= 0; j-- {
		yj := y[j*nrhs : j*nrhs+nrhs]
		rows := rowind[colptr[j]+1 : colptr[j+1]]
		vals := val[colptr[j]+1 : colptr[j+1]]
		for t, i := range rows {
			l := vals[t]
			yi := y[i*nrhs : i*nrhs+nrhs]
			for r := range yj {
				yj[r] -= l * yi[r]
			}
		}
		d := 1 / val[colptr[j]]
		for r := range yj {
			yj[r] *= d
		}
	}
}
