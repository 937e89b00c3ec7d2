package sparsels

import (
	"fmt"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// MulSparseDense stores dst = a·x, the product of the r×k compressed-row
// matrix a with the dense k×c matrix x, overwriting dst, and returns dst;
// a nil dst is allocated. It runs the package's gather kernel on a's raw
// arrays: row i of dst is Σ_s a.Data[s]·x[a.Ind[s],:] over the slots s of
// row i, combining up to four rows of x per pass, on the calling goroutine.
// The column indices of a need not be sorted, and repeated indices in a row
// are summed. The cost is 2·nnz(a)·c flops and no allocation when dst is
// given; it is the kernel behind Residual's products with L and G.
//
// MulSparseDense panics if a or x is nil, if a's raw arrays are malformed
// (a row pointer out of order or out of range, a column index outside
// [0, k)), if x does not have k rows, if a non-nil dst is not r×c, or if
// dst is x.
func MulSparseDense(dst *mat.Dense, a *sparse.CSR, x *mat.Dense) *mat.Dense {
	if a == nil || x == nil {
		panic("sparsels: MulSparseDense: nil operand")
	}
	r, k := a.Dims()
	xr, c := x.Dims()
	if xr != k {
		panic(fmt.Sprintf("sparsels: MulSparseDense: a is %d×%d but x is %d×%d", r, k, xr, c))
	}
	if dst == nil {
		dst = mat.NewDense(r, c, nil)
	} else {
		if dst == x {
			panic("sparsels: MulSparseDense: dst is x")
		}
		dr, dc := dst.Dims()
		if dr != r || dc != c {
			panic(fmt.Sprintf("sparsels: MulSparseDense: dst is %d×%d, want %d×%d", dr, dc, r, c))
		}
	}
	raw := a.RawMatrix()
	ptr, ind, val := raw.Indptr, raw.Ind, raw.Data
	if len(ptr) != r+1 || ptr[0] < 0 || ptr[r] > len(ind) || ptr[r] > len(val) {
		panic(fmt.Sprintf("sparsels: MulSparseDense: malformed CSR: %d row pointers for %d rows, %d indices, %d values", len(ptr), r, len(ind), len(val)))
	}
	for i := 0; i < r; i++ {
		if ptr[i] > ptr[i+1] {
			panic(fmt.Sprintf("sparsels: MulSparseDense: malformed CSR: row pointer %d (%d) above row pointer %d (%d)", i, ptr[i], i+1, ptr[i+1]))
		}
	}
	for s, j := range ind[ptr[0]:ptr[r]] {
		if j < 0 || j >= k {
			panic(fmt.Sprintf("sparsels: MulSparseDense: column index %d at slot %d outside [0, %d)", j, ptr[0]+s, k))
		}
	}
	if r == 0 || c == 0 {
		return dst
	}
	xm, dm := x.RawMatrix(), dst.RawMatrix()
	if xm.Stride == c && dm.Stride == c {
		sparsemat.GatherMul(dm.Data, ptr, ind, val, xm.Data, c, 0, r)
		return dst
	}
	// Views with a stride: one row at a time.
	for i := 0; i < r; i++ {
		d := dm.Data[i*dm.Stride : i*dm.Stride+c]
		zero(d)
		for s := ptr[i]; s < ptr[i+1]; s++ {
			v, xj := val[s], xm.Data[ind[s]*xm.Stride:ind[s]*xm.Stride+c]
			for q := range d {
				d[q] += v * xj[q]
			}
		}
	}
	return dst
}
