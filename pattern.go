package sparsels

import (
	"fmt"
	"slices"
	"sort"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/bytesize"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// maxElements bounds the size of any index array built from user-given
// dimensions; it keeps index arithmetic far from int overflow.
const maxElements = 1 << 40

// maxPatternPointers bounds rows + cols + 2, the length of a Pattern's row
// and column pointer arrays, which it stores whatever its number of
// nonzeros. Dimensions of 2³¹−1 (the index range of 32-bit sparse formats)
// would ask for 32 GiB and end the process with an unrecoverable
// out-of-memory error before NewPattern could return; 2²⁸ keeps them within
// 2 GiB, and larger dimensions are an error reported before anything is
// allocated. Any Problem on such a pattern needs n×c dense blocks, so it
// could not be built anyway.
const maxPatternPointers = 1 << 28

// Pattern is the fixed sparsity pattern of an n×m matrix G: the subscripts
// (i[k], j[k]) of its nonzeros in the caller's order. That order is the order
// of the value vector g used everywhere in this package.
//
// Internally the pattern is also kept in compressed sparse row (CSR) and
// compressed sparse column (CSC) layouts with sorted indices, each with the
// map from its slots to positions in g.
//
// A Pattern is immutable and safe for concurrent use.
type Pattern struct {
	rows, cols int
	i, j       []int

	// fingerprint is a hash of rows, cols and the subscripts in order, so
	// that patterns built separately can be told apart in O(1) (see Equal).
	fingerprint uint64

	// Row-major layout: the nonzeros of row a occupy slots
	// rowPtr[a]:rowPtr[a+1], with columns rowCol[s] ascending and
	// rowK[s] the position in g.
	rowPtr, rowCol, rowK []int

	// Column-major layout (the rows of Gᵀ), likewise.
	colPtr, colRow, colK []int
}

// NewPattern returns the pattern of a rows×cols matrix whose nonzeros are at
// (i[k], j[k]), k = 0, …, len(i)−1, with zero-based subscripts.
//
// It returns an error if the dimensions are negative or rows + cols exceeds
// 2²⁸−2 (the row and column pointer arrays alone would then exceed 2 GiB), if i
// and j have different lengths, if a subscript is out of range, or if a
// subscript pair is repeated; the error names the offending positions.
// An empty pattern is valid. The cost is O(rows + cols + nnz·log(nnz/rows))
// time and O(rows + cols + nnz) memory.
func NewPattern(rows, cols int, i, j []int) (*Pattern, error) {
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("sparsels: negative pattern dimensions %d×%d", rows, cols)
	}
	if rows > maxPatternPointers-2-cols {
		return nil, fmt.Errorf("sparsels: pattern dimensions %d×%d too large: its row and column pointer arrays would need %s; at most %d rows and columns together",
			rows, cols, bytesize.Format(8*(float64(rows)+float64(cols)+2)), maxPatternPointers-2)
	}
	if len(i) != len(j) {
		return nil, fmt.Errorf("sparsels: pattern subscript lists differ in length: len(i) = %d, len(j) = %d", len(i), len(j))
	}
	nnz := len(i)
	for k := 0; k < nnz; k++ {
		if i[k] < 0 || i[k] >= rows {
			return nil, fmt.Errorf("sparsels: pattern row subscript i[%d] = %d out of range [0, %d)", k, i[k], rows)
		}
		if j[k] < 0 || j[k] >= cols {
			return nil, fmt.Errorf("sparsels: pattern column subscript j[%d] = %d out of range [0, %d)", k, j[k], cols)
		}
	}
	p := &Pattern{
		rows: rows,
		cols: cols,
		i:    append([]int(nil), i...),
		j:    append([]int(nil), j...),
	}
	p.rowPtr, p.rowCol, p.rowK = compress(rows, p.i, p.j)
	// Duplicates are adjacent in the sorted row layout.
	for a := 0; a < rows; a++ {
		for s := p.rowPtr[a] + 1; s < p.rowPtr[a+1]; s++ {
			if p.rowCol[s] == p.rowCol[s-1] {
				k1, k2 := p.rowK[s-1], p.rowK[s]
				if k1 > k2 {
					k1, k2 = k2, k1
				}
				return nil, fmt.Errorf("sparsels: duplicate pattern entry (%d, %d) at positions %d and %d", a, p.rowCol[s], k1, k2)
			}
		}
	}
	p.colPtr, p.colRow, p.colK = compress(cols, p.j, p.i)
	p.fingerprint = fingerprint(rows, cols, p.i, p.j)
	return p, nil
}

// fingerprint returns a 64-bit FNV-1a-style hash of the dimensions and the
// subscripts in order, one multiply per word.
func fingerprint(rows, cols int, i, j []int) uint64 {
	const prime = 0x100000001b3
	h := uint64(0xcbf29ce484222325)
	mix := func(v int) { h = (h ^ uint64(v)) * prime }
	mix(rows)
	mix(cols)
	mix(len(i))
	for k := range i {
		mix(i[k])
		mix(j[k])
	}
	return h
}

// Equal reports whether p and q describe the same pattern: the same
// dimensions and the same subscripts in the same order, whether or not they
// are the same object. Objects built from the same subscripts are
// interchangeable everywhere in this package: constraints, block-diagonal
// matrices and null spaces built for one may be used with problems built on
// the other. Patterns that differ are told apart in O(1) by a fingerprint
// computed by NewPattern; equal ones are confirmed in O(nnz). Two nil
// patterns are equal.
func (p *Pattern) Equal(q *Pattern) bool {
	if p == q {
		return true
	}
	if p == nil || q == nil || p.fingerprint != q.fingerprint || p.rows != q.rows || p.cols != q.cols {
		return false
	}
	return slices.Equal(p.i, q.i) && slices.Equal(p.j, q.j)
}

// compress returns the compressed layout of the pairs (major[k], minor[k])
// grouped by major index with minor indices ascending (ties by k), and the
// position k of each slot.
func compress(nmajor int, major, minor []int) (ptr, idx, pos []int) {
	ptr = make([]int, nmajor+1)
	for _, a := range major {
		ptr[a+1]++
	}
	for a := 0; a < nmajor; a++ {
		ptr[a+1] += ptr[a]
	}
	idx = make([]int, len(major))
	pos = make([]int, len(major))
	next := append([]int(nil), ptr[:nmajor]...)
	for k, a := range major {
		s := next[a]
		next[a]++
		idx[s] = minor[k]
		pos[s] = k
	}
	for a := 0; a < nmajor; a++ {
		lo, hi := ptr[a], ptr[a+1]
		sparsemat.SortSlots(idx[lo:hi], pos[lo:hi])
	}
	return ptr, idx, pos
}

// Dims returns the dimensions of G.
func (p *Pattern) Dims() (rows, cols int) { return p.rows, p.cols }

// NNZ returns the number of nonzeros in the pattern, the length of g.
func (p *Pattern) NNZ() int { return len(p.i) }

// Subscripts returns the subscripts of the k-th nonzero in the caller's order.
// It panics if k is out of range.
func (p *Pattern) Subscripts(k int) (i, j int) {
	if k < 0 || k >= len(p.i) {
		panic(fmt.Sprintf("sparsels: pattern index %d out of range [0, %d)", k, len(p.i)))
	}
	return p.i[k], p.j[k]
}

// Index returns the position in g of the nonzero at (i, j), and whether
// (i, j) is in the pattern. It costs O(log of the row's nonzero count).
func (p *Pattern) Index(i, j int) (k int, ok bool) {
	if i < 0 || i >= p.rows || j < 0 || j >= p.cols {
		return -1, false
	}
	lo, hi := p.rowPtr[i], p.rowPtr[i+1]
	s := lo + sort.SearchInts(p.rowCol[lo:hi], j)
	if s < hi && p.rowCol[s] == j {
		return p.rowK[s], true
	}
	return -1, false
}

// RowIndices returns the positions in g of the nonzeros in row i, ordered by
// column. The returned slice must not be modified.
func (p *Pattern) RowIndices(i int) []int {
	return p.rowK[p.rowPtr[i]:p.rowPtr[i+1]]
}

// RowColumns returns the ascending column subscripts of the nonzeros in row i.
// The returned slice must not be modified.
func (p *Pattern) RowColumns(i int) []int {
	return p.rowCol[p.rowPtr[i]:p.rowPtr[i+1]]
}

// CSR returns G = sparse(i, j, g) as a CSR matrix with sorted column indices.
// Explicit zeros in g are kept as stored entries. It panics if len(g) is not
// NNZ().
func (p *Pattern) CSR(g []float64) *sparse.CSR {
	p.checkValues(g)
	ptr := append([]int(nil), p.rowPtr...)
	ind := append([]int(nil), p.rowCol...)
	data := make([]float64, len(g))
	for s, k := range p.rowK {
		data[s] = g[k]
	}
	return sparse.NewCSR(p.rows, p.cols, ptr, ind, data)
}

// Values gathers the entries of G at the pattern into dst in the pattern's
// order and returns dst. If dst is nil a new slice is allocated. G may be any
// mat.Matrix; sparse matrices with a DoNonZero method, and transposes of them
// such as mat.Transpose{Matrix: csr}, are read without scanning their zeros. It panics if G's dimensions differ from the
// pattern's or if dst has the wrong length.
func (p *Pattern) Values(dst []float64, G mat.Matrix) []float64 {
	r, c := G.Dims()
	if r != p.rows || c != p.cols {
		panic(fmt.Sprintf("sparsels: Values: matrix is %d×%d, pattern is %d×%d", r, c, p.rows, p.cols))
	}
	if dst == nil {
		dst = make([]float64, p.NNZ())
	}
	p.checkValues(dst)
	if isSparse(G) {
		for k := range dst {
			dst[k] = 0
		}
		sparsemat.VisitEntries(G, func(i, j int, v float64) {
			if k, ok := p.Index(i, j); ok {
				dst[k] += v
			}
		})
		return dst
	}
	for k := range dst {
		dst[k] = G.At(p.i[k], p.j[k])
	}
	return dst
}

func (p *Pattern) checkValues(g []float64) {
	if len(g) != len(p.i) {
		panic(fmt.Sprintf("sparsels: value vector has length %d, pattern has %d nonzeros", len(g), len(p.i)))
	}
}

// isSparse reports whether a has a DoNonZero method, directly or under
// transposes.
func isSparse(a mat.Matrix) bool {
	for {
		switch t := a.(type) {
		case sparsemat.DoNonZeroer:
			return true
		case mat.Untransposer:
			a = t.Untranspose()
		default:
			return false
		}
	}
}
