package sparsels

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// csr is a compressed sparse row matrix over raw arrays, with ascending
// column indices in each row and no duplicates.
type csr struct {
	rows, cols int
	ptr, ind   []int
	val        []float64
}

func (a *csr) nnz() int { return len(a.ind) }

// mul stores dst = a·x for the c-column block x.
func (a *csr) mul(dst, x []float64, c int) {
	gatherMul(dst, a.ptr, a.ind, a.val, x, c, 0, a.rows)
}

// transpose returns aᵀ in the same layout.
func (a *csr) transpose() *csr {
	t := &csr{rows: a.cols, cols: a.rows, ptr: make([]int, a.cols+1), ind: make([]int, a.nnz()), val: make([]float64, a.nnz())}
	for _, j := range a.ind {
		t.ptr[j+1]++
	}
	for j := 0; j < a.cols; j++ {
		t.ptr[j+1] += t.ptr[j]
	}
	next := append([]int(nil), t.ptr[:a.cols]...)
	for i := 0; i < a.rows; i++ {
		for s := a.ptr[i]; s < a.ptr[i+1]; s++ {
			j := a.ind[s]
			d := next[j]
			next[j]++
			t.ind[d] = i
			t.val[d] = a.val[s]
		}
	}
	return t
}

// equal reports whether a and b have identical structure and values.
func (a *csr) equal(b *csr) bool {
	if a.rows != b.rows || a.cols != b.cols || a.nnz() != b.nnz() {
		return false
	}
	for i, p := range a.ptr {
		if b.ptr[i] != p {
			return false
		}
	}
	for s := range a.ind {
		if a.ind[s] != b.ind[s] || a.val[s] != b.val[s] {
			return false
		}
	}
	return true
}

// triplet is one stored entry of a matrix read from a mat.Matrix.
type triplet struct {
	i, j int
	v    float64
}

// readMatrix reads a into triplets, summing duplicates and dropping exact
// zeros, sorted by row then column. Matrices are read through visitEntries.
// name is used in errors about non-finite entries.
func readMatrix(a mat.Matrix, name string) ([]triplet, error) {
	r, c := a.Dims()
	var ts []triplet
	var bad error
	visitEntries(a, func(i, j int, v float64) {
		if bad != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad = fmt.Errorf("sparsels: %s[%d, %d] = %v is not finite", name, i, j, v)
			return
		}
		if i < 0 || i >= r || j < 0 || j >= c {
			bad = fmt.Errorf("sparsels: %s has an entry at (%d, %d) outside its %d×%d shape", name, i, j, r, c)
			return
		}
		if v != 0 {
			ts = append(ts, triplet{i, j, v})
		}
	})
	if bad != nil {
		return nil, bad
	}
	out := sortSum(ts)
	for _, t := range out {
		if math.IsInf(t.v, 0) {
			return nil, fmt.Errorf("sparsels: %s[%d, %d] overflows when its duplicate entries are summed", name, t.i, t.j)
		}
	}
	return out, nil
}

// sortSum sorts ts by row then column and sums duplicate entries (COO and
// DOK inputs may repeat an entry), in place.
func sortSum(ts []triplet) []triplet {
	sort.Slice(ts, func(x, y int) bool {
		if ts[x].i != ts[y].i {
			return ts[x].i < ts[y].i
		}
		return ts[x].j < ts[y].j
	})
	out := ts[:0]
	for _, t := range ts {
		if n := len(out); n > 0 && out[n-1].i == t.i && out[n-1].j == t.j {
			out[n-1].v += t.v
			continue
		}
		out = append(out, t)
	}
	return out
}

// visitEntries calls fn for the entries of a that may be nonzero, each
// possibly more than once (duplicates are to be summed), in no particular
// order: *mat.Dense and *mat.VecDense through their raw storage,
// *mat.DiagDense through its diagonal, sparse matrices (james-bowman/sparse,
// and gonum's band, triangular and tridiagonal types) through DoNonZero, and
// transposes of any of these (mat.Transpose, mat.TransposeVec,
// mat.TransposeTri, mat.TransposeBand, mat.TransposeTriBand, or anything
// else implementing mat.Untransposer) through the matrix they wrap, with the
// subscripts swapped. Any other matrix is read through At, element by
// element.
func visitEntries(a mat.Matrix, fn func(i, j int, v float64)) {
	r, c := a.Dims()
	switch a := a.(type) {
	case *mat.Dense:
		raw := a.RawMatrix()
		for i := 0; i < r; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
				fn(i, j, v)
			}
		}
	case *mat.VecDense:
		raw := a.RawVector()
		for i := 0; i < r; i++ {
			fn(i, 0, raw.Data[i*raw.Inc])
		}
	case *mat.DiagDense:
		for i := 0; i < min(r, c); i++ {
			fn(i, i, a.At(i, i))
		}
	case doNonZeroer:
		a.DoNonZero(fn)
	case mat.Untransposer:
		visitEntries(a.Untranspose(), func(i, j int, v float64) { fn(j, i, v) })
	default:
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				fn(i, j, a.At(i, j))
			}
		}
	}
}

// newCSR builds a csr from sorted, duplicate-free triplets.
func newCSR(rows, cols int, ts []triplet) *csr {
	a := &csr{rows: rows, cols: cols, ptr: make([]int, rows+1), ind: make([]int, len(ts)), val: make([]float64, len(ts))}
	for s, t := range ts {
		a.ptr[t.i+1]++
		a.ind[s] = t.j
		a.val[s] = t.v
	}
	for i := 0; i < rows; i++ {
		a.ptr[i+1] += a.ptr[i]
	}
	return a
}

// operandKind is how an r×m factor such as Y is stored for products.
type operandKind int

const (
	operandDiag   operandKind = iota // square diagonal
	operandSparse                    // compressed rows, plus its transpose
	operandDense                     // row-major, plus its transpose
)

func (k operandKind) String() string {
	switch k {
	case operandDiag:
		return "diagonal"
	case operandSparse:
		return "sparse"
	default:
		return "dense"
	}
}

// operand is a matrix factor Y (rows×cols) in the storage that makes its
// products cheapest: diagonal, sparse or dense.
type operand struct {
	kind       operandKind
	rows, cols int
	diag       []float64 // operandDiag
	sp, spT    *csr      // operandSparse: the matrix and its transpose
	dn, dnT    []float64 // operandDense: row-major matrix and its transpose
}

// denseFraction is the fill above which a factor is stored densely.
const denseFraction = 0.25

// newOperand chooses the storage of an r×m factor from its entries.
func newOperand(rows, cols int, ts []triplet) *operand {
	o := &operand{rows: rows, cols: cols}
	isDiag := rows == cols
	for _, t := range ts {
		if t.i != t.j {
			isDiag = false
			break
		}
	}
	switch {
	case isDiag:
		o.kind = operandDiag
		o.diag = make([]float64, rows)
		for _, t := range ts {
			o.diag[t.i] = t.v
		}
	case float64(len(ts)) > denseFraction*float64(rows)*float64(cols):
		o.kind = operandDense
		o.dn = make([]float64, rows*cols)
		o.dnT = make([]float64, rows*cols)
		for _, t := range ts {
			o.dn[t.i*cols+t.j] = t.v
			o.dnT[t.j*rows+t.i] = t.v
		}
	default:
		o.kind = operandSparse
		o.sp = newCSR(rows, cols, ts)
		o.spT = o.sp.transpose()
	}
	return o
}

// cost returns the number of multiply-adds in one product with a c-column
// block.
func (o *operand) cost(c int) float64 {
	switch o.kind {
	case operandDiag:
		return float64(o.rows * c)
	case operandSparse:
		return float64(o.sp.nnz() * c)
	default:
		return float64(o.rows) * float64(o.cols) * float64(c)
	}
}

// mul stores dst = o·x, with x cols×c and dst rows×c.
func (o *operand) mul(dst, x []float64, c int) {
	switch o.kind {
	case operandDiag:
		for i, d := range o.diag {
			floats.ScaleTo(row(dst, c, i), d, row(x, c, i))
		}
	case operandSparse:
		o.sp.mul(dst, x, c)
	default:
		gemm(dst, o.dn, o.rows, o.cols, x, c)
	}
}

// mulT stores dst = oᵀ·x, with x rows×c and dst cols×c.
func (o *operand) mulT(dst, x []float64, c int) {
	switch o.kind {
	case operandDiag:
		o.mul(dst, x, c)
	case operandSparse:
		o.spT.mul(dst, x, c)
	default:
		gemm(dst, o.dnT, o.cols, o.rows, x, c)
	}
}

// colDot returns the inner product of columns j1 and j2.
func (o *operand) colDot(j1, j2 int) float64 {
	switch o.kind {
	case operandDiag:
		if j1 != j2 {
			return 0
		}
		return o.diag[j1] * o.diag[j1]
	case operandSparse:
		return sparseDot(o.spT, j1, o.spT, j2)
	default:
		return dot(o.dnT[j1*o.rows:(j1+1)*o.rows], o.dnT[j2*o.rows:(j2+1)*o.rows])
	}
}

// colDotVec returns the inner product of column j with the dense vector z.
func (o *operand) colDotVec(j int, z []float64) float64 {
	switch o.kind {
	case operandDiag:
		return o.diag[j] * z[j]
	case operandSparse:
		var s float64
		for t := o.spT.ptr[j]; t < o.spT.ptr[j+1]; t++ {
			s += o.spT.val[t] * z[o.spT.ind[t]]
		}
		return s
	default:
		return dot(o.dnT[j*o.rows:(j+1)*o.rows], z)
	}
}

// addCol adds alpha times column j to the dense vector z (length rows).
func (o *operand) addCol(z []float64, j int, alpha float64) {
	switch o.kind {
	case operandDiag:
		z[j] += alpha * o.diag[j]
	case operandSparse:
		for t := o.spT.ptr[j]; t < o.spT.ptr[j+1]; t++ {
			z[o.spT.ind[t]] += alpha * o.spT.val[t]
		}
	default:
		floats.AddScaled(z, alpha, o.dnT[j*o.rows:(j+1)*o.rows])
	}
}

// sparseDot returns the inner product of row i of a and row j of b.
func sparseDot(a *csr, i int, b *csr, j int) float64 {
	s, se := a.ptr[i], a.ptr[i+1]
	t, te := b.ptr[j], b.ptr[j+1]
	var sum float64
	for s < se && t < te {
		switch {
		case a.ind[s] < b.ind[t]:
			s++
		case a.ind[s] > b.ind[t]:
			t++
		default:
			sum += a.val[s] * b.val[t]
			s++
			t++
		}
	}
	return sum
}

// gemm stores dst = a·x for the row-major m×k matrix a and k×c block x.
func gemm(dst, a []float64, m, k int, x []float64, c int) {
	if m == 0 || c == 0 {
		return
	}
	if k == 0 {
		zero(dst[:m*c])
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas64.General{Rows: k, Cols: c, Stride: c, Data: x},
		0, blas64.General{Rows: m, Cols: c, Stride: c, Data: dst})
}
