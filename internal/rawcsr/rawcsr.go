// Package rawcsr validates the raw arrays of square
// github.com/james-bowman/sparse CSR matrices for the packages that read them
// directly (cholesky and eigs) instead of through the sparse arithmetic.
package rawcsr

import (
	"fmt"
	"math"

	"github.com/james-bowman/sparse"
)

// Matrix is a validated view of the raw arrays of a square n×n CSR matrix:
// row i holds the columns Ind[Indptr[i]:Indptr[i+1]] with the values
// Data[Indptr[i]:Indptr[i+1]]. Every column is in [0, n) and every value is
// finite; duplicate entries may occur (readers sum them) and the columns of a
// row need not be sorted. The slices share memory with the matrix viewed.
type Matrix struct {
	N      int
	Indptr []int
	Ind    []int
	Data   []float64
}

// Check validates the raw arrays of the square matrix a, called name in
// errors, and returns a view of them. It returns an error, without a package
// prefix, if a is nil or not square, if its row pointers do not start at 0,
// decrease or point past its indices or values, if a column is out of range,
// or if a value is NaN or infinite.
func Check(name string, a *sparse.CSR) (Matrix, error) {
	if a == nil {
		return Matrix{}, fmt.Errorf("%s is nil", name)
	}
	r, c := a.Dims()
	if r != c {
		return Matrix{}, fmt.Errorf("%s is %d×%d, not square", name, r, c)
	}
	n := r
	raw := a.RawMatrix()
	if len(raw.Indptr) != n+1 {
		return Matrix{}, fmt.Errorf("%s has %d row pointers, want %d", name, len(raw.Indptr), n+1)
	}
	if raw.Indptr[0] != 0 {
		return Matrix{}, fmt.Errorf("%s row pointer 0 is %d, want 0", name, raw.Indptr[0])
	}
	for i := 0; i < n; i++ {
		if raw.Indptr[i+1] < raw.Indptr[i] {
			return Matrix{}, fmt.Errorf("%s row pointers decrease at row %d", name, i)
		}
	}
	nnz := raw.Indptr[n]
	if nnz > len(raw.Ind) || nnz > len(raw.Data) {
		return Matrix{}, fmt.Errorf("%s declares %d nonzeros but has %d indices and %d values",
			name, nnz, len(raw.Ind), len(raw.Data))
	}
	for i := 0; i < n; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			j := raw.Ind[p]
			if j < 0 || j >= n {
				return Matrix{}, fmt.Errorf("%s entry %d in row %d has column %d out of range [0,%d)",
					name, p, i, j, n)
			}
			v := raw.Data[p]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Matrix{}, fmt.Errorf("%s(%d,%d) is %v", name, i, j, v)
			}
		}
	}
	return Matrix{N: n, Indptr: raw.Indptr[:n+1], Ind: raw.Ind[:nnz], Data: raw.Data[:nnz]}, nil
}
