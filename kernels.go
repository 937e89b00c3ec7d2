package sparsels

import (
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// The Problem's own kernels, run by Problem.runRange: sampling products of
// dense blocks at the nonzeros of the pattern (the gradient and the
// direct-form Hessian product), and the residual with its energy. The
// products with L, G and Y are the gather kernels of package sparsemat.

// sampleTask stores, for the nonzeros (a, b) in rows [lo, hi) of the pattern,
// dst[k] = alpha·(P[a,:]·Q[b,:] + R[a,:]·S[b,:]), k the position in g, or,
// if slots is set, dst[s] with s the slot in the row layout (see
// Problem.sampleOut).
type sampleTask struct {
	slots      bool
	pat        *Pattern
	dst        []float64
	alpha      float64
	P, Q, R, S []float64
	c          int
}

func (t *sampleTask) Run(_, lo, hi int) {
	c, pat := t.c, t.pat
	for a := lo; a < hi; a++ {
		pa, ra := vec.Row(t.P, c, a), vec.Row(t.R, c, a)
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b := pat.rowCol[s]
			v := t.alpha * (vec.Dot(pa, vec.Row(t.Q, c, b)) + vec.Dot(ra, vec.Row(t.S, c, b)))
			if t.slots {
				t.dst[s] = v
			} else {
				t.dst[pat.rowK[s]] = v
			}
		}
	}
}

// hessianSampleTask stores, for the nonzeros (a, b) in rows [lo, hi),
// dst[k] = 2(A[a,:]·S[b,:] − U[a,:]·F[b,:] + T[a,:]·B[b,:]): the direct-form
// Hessian product of JacobianOperator.HessianMulVecTo. slots is as for
// sampleTask.
type hessianSampleTask struct {
	slots            bool
	pat              *Pattern
	dst              []float64
	A, S, U, F, T, B []float64
	c                int
}

func (t *hessianSampleTask) Run(_, lo, hi int) {
	c, pat := t.c, t.pat
	for a := lo; a < hi; a++ {
		aa, ua, ta := vec.Row(t.A, c, a), vec.Row(t.U, c, a), vec.Row(t.T, c, a)
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b := pat.rowCol[s]
			v := 2 * (vec.Dot(aa, vec.Row(t.S, c, b)) - vec.Dot(ua, vec.Row(t.F, c, b)) + vec.Dot(ta, vec.Row(t.B, c, b)))
			if t.slots {
				t.dst[s] = v
			} else {
				t.dst[pat.rowK[s]] = v
			}
		}
	}
}

// residualBlock is the number of rows of f in one block of the energy's
// partial sums.
const residualBlock = 16

// residualTask stores rows [lo, hi) of f = X − Y·gta and, for each block of
// residualBlock rows, the block's ‖f‖² in partial.
type residualTask struct {
	y         *sparsemat.Operand
	f, x, gta []float64
	partial   []float64
	c         int
}

func (t *residualTask) Run(_, lo, hi int) {
	c := t.c
	ot := sparsemat.OperandKernel{O: t.y, Dst: t.f, X: t.gta, C: c}
	for b0 := lo; b0 < hi; b0 += residualBlock {
		b1 := min(b0+residualBlock, hi)
		if t.y.Kind != sparsemat.Diag {
			ot.Run(0, b0, b1)
		}
		var e float64
		for i := b0; i < b1; i++ {
			fi, xi := vec.Row(t.f, c, i), vec.Row(t.x, c, i)
			fi = fi[:len(xi)]
			if t.y.Kind == sparsemat.Diag {
				d := t.y.Diag[i]
				gi := vec.Row(t.gta, c, i)[:len(xi)]
				for q, xv := range xi {
					v := xv - d*gi[q]
					fi[q] = v
					e += v * v
				}
				continue
			}
			for q, xv := range xi {
				v := xv - fi[q]
				fi[q] = v
				e += v * v
			}
		}
		t.partial[b0/residualBlock] = e
	}
}
