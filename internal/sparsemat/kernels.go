package sparsemat

import (
	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/internal/vec"
)

// Kernel types: the products above as parallel.Kernel values, each
// computing the rows [lo, hi) of its destination.

// GatherKernel runs GatherMul over rows. If g is not nil it first loads
// val[s] = g[pos[s]] for the slots of its rows, fusing the loading of G's
// values into the product.
type GatherKernel struct {
	Dst      []float64
	Ptr, Ind []int
	Val, X   []float64
	C        int
	G        []float64
	Pos      []int
}

// Run computes the rows [lo, hi) of the destination.
func (t *GatherKernel) Run(_, lo, hi int) {
	if t.G != nil {
		g := t.G
		for s := t.Ptr[lo]; s < t.Ptr[hi]; s++ {
			t.Val[s] = g[t.Pos[s]]
		}
	}
	GatherMul(t.Dst, t.Ptr, t.Ind, t.Val, t.X, t.C, lo, hi)
}

// Gather2Kernel runs GatherMul2 over rows.
type Gather2Kernel struct {
	Dst                []float64
	Ptr, Ind           []int
	Val1, X1, Val2, X2 []float64
	C                  int
}

// Run computes the rows [lo, hi) of the destination.
func (t *Gather2Kernel) Run(_, lo, hi int) {
	GatherMul2(t.Dst, t.Ptr, t.Ind, t.Val1, t.X1, t.Val2, t.X2, t.C, lo, hi)
}

// OperandKernel stores rows [lo, hi) of o·x (trans false) or oᵀ·x (trans true).
type OperandKernel struct {
	O      *Operand
	Trans  bool
	Dst, X []float64
	C      int
}

// Run computes the rows [lo, hi) of the destination.
func (t *OperandKernel) Run(_, lo, hi int) {
	o, c := t.O, t.C
	switch o.Kind {
	case Diag:
		for i := lo; i < hi; i++ {
			floats.ScaleTo(vec.Row(t.Dst, c, i), o.Diag[i], vec.Row(t.X, c, i))
		}
	case Sparse:
		a := o.Sp
		if t.Trans {
			a = o.SpT
		}
		GatherMul(t.Dst, a.Ptr, a.Ind, a.Val, t.X, c, lo, hi)
	default:
		if t.Trans {
			DenseRowMul(t.Dst, o.DnT, o.Rows, t.X, c, lo, hi)
		} else {
			DenseRowMul(t.Dst, o.Dn, o.Cols, t.X, c, lo, hi)
		}
	}
}

// TransposeKernel stores rows [lo, hi) of dst = srcᵀ (or −srcᵀ if neg), src
// being rows×cols row-major and dst cols×rows. It walks 32×32 tiles so that
// both sides stay in cache.
type TransposeKernel struct {
	Dst, Src   []float64
	Rows, Cols int
	Neg        bool
}

// Run computes the rows [lo, hi) of the destination.
func (t *TransposeKernel) Run(_, lo, hi int) {
	const tile = 32
	for j0 := lo; j0 < hi; j0 += tile {
		j1 := min(j0+tile, hi)
		for i0 := 0; i0 < t.Rows; i0 += tile {
			i1 := min(i0+tile, t.Rows)
			for j := j0; j < j1; j++ {
				d := t.Dst[j*t.Rows+i0 : j*t.Rows+i1]
				if t.Neg {
					for i := range d {
						d[i] = -t.Src[(i0+i)*t.Cols+j]
					}
				} else {
					for i := range d {
						d[i] = t.Src[(i0+i)*t.Cols+j]
					}
				}
			}
		}
	}
}
