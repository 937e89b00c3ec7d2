package sparsemat

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Triplet is one stored entry of a matrix read from a mat.Matrix.
type Triplet struct {
	I, J int
	V    float64
}

// Read reads a into triplets, summing duplicates and dropping exact
// zeros, sorted by row then column. Matrices are read through visitEntries.
// name is used in errors about non-finite entries.
func Read(a mat.Matrix, name string) ([]Triplet, error) {
	r, c := a.Dims()
	var ts []Triplet
	var bad error
	VisitEntries(a, func(i, j int, v float64) {
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
			ts = append(ts, Triplet{i, j, v})
		}
	})
	if bad != nil {
		return nil, bad
	}
	out := SortSum(ts)
	for _, t := range out {
		if math.IsInf(t.V, 0) {
			return nil, fmt.Errorf("sparsels: %s[%d, %d] overflows when its duplicate entries are summed", name, t.I, t.J)
		}
	}
	return out, nil
}

// SortSum sorts ts by row then column and sums duplicate entries (COO and
// DOK inputs may repeat an entry), in place. Triplets already strictly
// increasing, as a CSR matrix with sorted rows yields them, are returned
// unchanged in O(len(ts)).
func SortSum(ts []Triplet) []Triplet {
	if strictlyIncreasing(ts) {
		return ts
	}
	sort.Slice(ts, func(x, y int) bool {
		if ts[x].I != ts[y].I {
			return ts[x].I < ts[y].I
		}
		return ts[x].J < ts[y].J
	})
	out := ts[:0]
	for _, t := range ts {
		if n := len(out); n > 0 && out[n-1].I == t.I && out[n-1].J == t.J {
			out[n-1].V += t.V
			continue
		}
		out = append(out, t)
	}
	return out
}

// strictlyIncreasing reports whether ts is sorted by row then column
// without repeated subscripts.
func strictlyIncreasing(ts []Triplet) bool {
	for k := 1; k < len(ts); k++ {
		if p, t := ts[k-1], ts[k]; p.I > t.I || (p.I == t.I && p.J >= t.J) {
			return false
		}
	}
	return true
}

// VisitEntries calls fn for the entries of a that may be nonzero, each
// possibly more than once (duplicates are to be summed), in no particular
// order: *mat.Dense and *mat.VecDense through their raw storage,
// *mat.DiagDense through its diagonal, sparse matrices (james-bowman/sparse,
// and gonum's band, triangular and tridiagonal types) through DoNonZero, and
// transposes of any of these (mat.Transpose, mat.TransposeVec,
// mat.TransposeTri, mat.TransposeBand, mat.TransposeTriBand, or anything
// else implementing mat.Untransposer) through the matrix they wrap, with the
// subscripts swapped. Any other matrix is read through At, element by
// element.
func VisitEntries(a mat.Matrix, fn func(i, j int, v float64)) {
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
	case DoNonZeroer:
		a.DoNonZero(fn)
	case mat.Untransposer:
		VisitEntries(a.Untranspose(), func(i, j int, v float64) { fn(j, i, v) })
	default:
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				fn(i, j, a.At(i, j))
			}
		}
	}
}

// DoNonZeroer is a matrix that visits its stored entries, as the sparse
// matrices of james-bowman/sparse and gonum's band, triangular and
// tridiagonal types do.
type DoNonZeroer interface {
	DoNonZero(fn func(i, j int, v float64))
}

// DenseFrom returns the rows×cols row-major matrix with the entries ts,
// which must lie inside the shape.
func DenseFrom(rows, cols int, ts []Triplet) []float64 {
	d := make([]float64, rows*cols)
	for _, t := range ts {
		d[t.I*cols+t.J] = t.V
	}
	return d
}
