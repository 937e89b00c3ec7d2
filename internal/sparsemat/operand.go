package sparsemat

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/internal/vec"
)

// Kind is how an r×m factor such as Y is stored for products.
type Kind int

const (
	Diag   Kind = iota // square diagonal
	Sparse             // compressed rows, plus its transpose
	Dense              // row-major, plus its transpose
)

// String returns "diagonal", "sparse" or "dense".
func (k Kind) String() string {
	switch k {
	case Diag:
		return "diagonal"
	case Sparse:
		return "sparse"
	default:
		return "dense"
	}
}

// Operand is a matrix factor Y (rows×cols) in the storage that makes its
// products cheapest: diagonal, sparse or dense.
type Operand struct {
	Kind       Kind
	Rows, Cols int
	Diag       []float64 // Diag
	Sp, SpT    *CSR      // Sparse: the matrix and its transpose
	Dn, DnT    []float64 // Dense: row-major matrix and its transpose
}

// denseFraction is the fill above which a factor is stored densely.
const denseFraction = 0.25

// NewOperand chooses the storage of an r×m factor from its entries.
func NewOperand(rows, cols int, ts []Triplet) *Operand {
	o := &Operand{Rows: rows, Cols: cols}
	isDiag := rows == cols
	for _, t := range ts {
		if t.I != t.J {
			isDiag = false
			break
		}
	}
	switch {
	case isDiag:
		o.Kind = Diag
		o.Diag = make([]float64, rows)
		for _, t := range ts {
			o.Diag[t.I] = t.V
		}
	case float64(len(ts)) > denseFraction*float64(rows)*float64(cols):
		o.Kind = Dense
		o.Dn = make([]float64, rows*cols)
		o.DnT = make([]float64, rows*cols)
		for _, t := range ts {
			o.Dn[t.I*cols+t.J] = t.V
			o.DnT[t.J*rows+t.I] = t.V
		}
	default:
		o.Kind = Sparse
		o.Sp = NewCSR(rows, cols, ts)
		o.SpT = o.Sp.Transpose()
	}
	return o
}

// Cost returns the number of multiply-adds in one product with a c-column
// block.
func (o *Operand) Cost(c int) float64 {
	switch o.Kind {
	case Diag:
		return float64(o.Rows * c)
	case Sparse:
		return float64(o.Sp.NNZ() * c)
	default:
		return float64(o.Rows) * float64(o.Cols) * float64(c)
	}
}

// Mul stores dst = o·x, with x cols×c and dst rows×c.
func (o *Operand) Mul(dst, x []float64, c int) {
	switch o.Kind {
	case Diag:
		for i, d := range o.Diag {
			floats.ScaleTo(vec.Row(dst, c, i), d, vec.Row(x, c, i))
		}
	case Sparse:
		o.Sp.Mul(dst, x, c)
	default:
		Gemm(dst, o.Dn, o.Rows, o.Cols, x, c)
	}
}

// MulT stores dst = oᵀ·x, with x rows×c and dst cols×c.
func (o *Operand) MulT(dst, x []float64, c int) {
	switch o.Kind {
	case Diag:
		o.Mul(dst, x, c)
	case Sparse:
		o.SpT.Mul(dst, x, c)
	default:
		Gemm(dst, o.DnT, o.Cols, o.Rows, x, c)
	}
}

// ColDot returns the inner product of columns j1 and j2.
func (o *Operand) ColDot(j1, j2 int) float64 {
	switch o.Kind {
	case Diag:
		if j1 != j2 {
			return 0
		}
		return o.Diag[j1] * o.Diag[j1]
	case Sparse:
		return RowDot(o.SpT, j1, o.SpT, j2)
	default:
		return vec.Dot(o.DnT[j1*o.Rows:(j1+1)*o.Rows], o.DnT[j2*o.Rows:(j2+1)*o.Rows])
	}
}

// ColDotVec returns the inner product of column j with the dense vector z.
func (o *Operand) ColDotVec(j int, z []float64) float64 {
	switch o.Kind {
	case Diag:
		return o.Diag[j] * z[j]
	case Sparse:
		var s float64
		for t := o.SpT.Ptr[j]; t < o.SpT.Ptr[j+1]; t++ {
			s += o.SpT.Val[t] * z[o.SpT.Ind[t]]
		}
		return s
	default:
		return vec.Dot(o.DnT[j*o.Rows:(j+1)*o.Rows], z)
	}
}

// AddCol adds alpha times column j to the dense vector z (length rows).
func (o *Operand) AddCol(z []float64, j int, alpha float64) {
	switch o.Kind {
	case Diag:
		z[j] += alpha * o.Diag[j]
	case Sparse:
		for t := o.SpT.Ptr[j]; t < o.SpT.Ptr[j+1]; t++ {
			z[o.SpT.Ind[t]] += alpha * o.SpT.Val[t]
		}
	default:
		floats.AddScaled(z, alpha, o.DnT[j*o.Rows:(j+1)*o.Rows])
	}
}

// Gemm stores dst = a·x for the row-major m×k matrix a and k×c block x.
func Gemm(dst, a []float64, m, k int, x []float64, c int) {
	if m == 0 || c == 0 {
		return
	}
	if k == 0 {
		vec.Zero(dst[:m*c])
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas64.General{Rows: k, Cols: c, Stride: c, Data: x},
		0, blas64.General{Rows: m, Cols: c, Stride: c, Data: dst})
}
