package relax

import (
	"context"
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// PSD estimates min φ over the relaxation with S ⪰ 0 by scaled ADMM on the
// splitting S(s) = T, T ⪰ 0, from the plain minimizer s0, and fills the PSD
// fields of bd:
//
//	s ← argmin ‖x − A s‖² + (ρ/2)‖S(s) − T + U‖²_F   (warm-started PCG)
//	T ← Π_⪰(S(s) + U)                                (dense EigenSym)
//	U ← U + S(s) − T
//
// with ρ rebalanced between the primal and dual residuals. It stops when
// the primal residual ‖S − T‖_F is below 1e-6·max(‖S‖_F, 1) and the dual
// residual ρ‖Mᵀ(T − T_prev)‖ below 1e-6 of the gradient scale ‖2Aᵀx‖, or
// after PSDIterations.
func (rx *Relaxation) PSD(ctx context.Context, bd *Result, s0 []float64, set *Settings) error {
	start := time.Now()
	m, nu := rx.m, rx.Unknowns()
	s := append([]float64(nil), s0...)
	t := make([]float64, m*m) // T, dense
	u := make([]float64, m*m) // U, scaled multiplier
	tPrev := make([]float64, m*m)
	w := mat.NewSymDense(m, nil)
	var es mat.EigenSym
	var vecs mat.Dense
	sv := make([]float64, len(rx.ind))

	// 2Aᵀx, the fixed part of the s-step's right-hand side.
	atx := make([]float64, nu)
	rx.adjoint(atx, rx.d.X)
	for i := range atx {
		atx[i] *= 2
	}
	scale := math.Sqrt(vec.SumSquares(atx))
	rho := rx.meanNormalDiag() * 2
	pc, exact := rx.admmPreconditioner(rho)

	project := func() error {
		// T = Π_⪰(S(s) + U).
		rx.MatrixValues(sv, s)
		raw := w.RawSymmetric()
		copy(raw.Data, u)
		for a := 0; a < m; a++ {
			for k := rx.ptr[a]; k < rx.ptr[a+1]; k++ {
				raw.Data[a*m+rx.ind[k]] += sv[k]
			}
		}
		if !es.Factorize(w, true) {
			return errors.New("sparsels: LowerBound: eigendecomposition failed in the PSD estimate")
		}
		vals := es.Values(nil)
		es.VectorsTo(&vecs)
		var pos mat.Dense
		pos.CloneFrom(&vecs)
		for j, v := range vals {
			f := math.Sqrt(math.Max(v, 0))
			for i := 0; i < m; i++ {
				pos.Set(i, j, pos.At(i, j)*f)
			}
		}
		tm := mat.NewDense(m, m, t)
		tm.Mul(&pos, pos.T())
		return nil
	}
	if err := project(); err != nil {
		return err
	}
	rhs := make([]float64, nu)
	diffSlots := make([]float64, len(rx.ind))
	var err error
	var prim float64
	it := 0
	for it < set.PSDIterations {
		if err = ctx.Err(); err != nil {
			break
		}
		it++
		// s-step: (2AᵀA + ρMᵀM) s = 2Aᵀx + ρMᵀ(T − U).
		for k := range diffSlots {
			a, b := rx.rowOf[k], rx.ind[k]
			diffSlots[k] = t[a*m+b] - u[a*m+b]
		}
		rx.combine(rhs, diffSlots)
		for i := range rhs {
			rhs[i] = atx[i] + rho*rhs[i]
		}
		if exact {
			rx.pcgShifted(s, rhs, rho, pc, 5, 1e-12)
		} else {
			rx.pcgShifted(s, rhs, rho, pc, 100, 1e-10)
		}
		copy(tPrev, t)
		if err = project(); err != nil {
			return err
		}
		// U ← U + S − T; residuals.
		rx.MatrixValues(sv, s)
		var sNorm float64
		for i := range u {
			u[i] -= t[i]
		}
		for k, v := range sv {
			u[rx.rowOf[k]*m+rx.ind[k]] += v
			sNorm += v * v
		}
		prim = 0
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				d := -t[a*m+b]
				if k := rx.find(a, b); k >= 0 {
					d += sv[k]
				}
				prim += d * d
			}
		}
		prim = math.Sqrt(prim)
		for k := range diffSlots {
			a, b := rx.rowOf[k], rx.ind[k]
			diffSlots[k] = t[a*m+b] - tPrev[a*m+b]
		}
		rx.combine(rhs, diffSlots)
		dual := rho * math.Sqrt(vec.SumSquares(rhs))
		sNorm = math.Max(math.Sqrt(sNorm), 1)
		if prim <= 1e-6*sNorm && dual <= 1e-6*scale {
			break
		}
		// Residual balancing every 10 iterations (each change of ρ
		// refactors): keep ρ·U fixed while ρ changes.
		switch {
		case it%10 != 0:
		case prim/sNorm > 10*dual/scale:
			rho *= 2
			for i := range u {
				u[i] /= 2
			}
			pc, exact = rx.admmPreconditioner(rho)
		case dual/scale > 10*prim/sNorm:
			rho /= 2
			for i := range u {
				u[i] *= 2
			}
			pc, exact = rx.admmPreconditioner(rho)
		}
	}
	q := make([]float64, len(rx.d.X))
	rx.apply(q, s)
	for i := range q {
		q[i] = rx.d.X[i] - q[i]
	}
	rx.MatrixValues(sv, s)
	bd.PSD = math.Max(bd.Plain, vec.SumSquares(q))
	bd.PSDResidual = prim / math.Max(math.Sqrt(vec.SumSquares(sv)), 1)
	bd.PSDIterations = it
	bd.PSDTime = time.Since(start)
	return err
}

// admmPreconditioner returns the preconditioner of the s-step's matrix
// 2AᵀA + ρMᵀM: its sparse Cholesky factor when Y is diagonal and the
// factor fits (exact true), else its row-block Jacobi.
func (rx *Relaxation) admmPreconditioner(rho float64) (boundPreconditioner, bool) {
	if rx.d.Y.Kind == sparsemat.Diag && rx.m <= maxDirectM {
		if pc, err := rx.normalFactor(2, rho); err == nil {
			return pc, true
		}
	}
	return rx.shiftedPreconditioner(2, rho), false
}
