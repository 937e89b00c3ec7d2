package sparsels

import "github.com/sparsels/sparsels/internal/sparsemat"

// gramPlan records which evaluations use the Gram form. Energy follows
// grad, so that Energy and EnergyGradient return the same bits.
type gramPlan struct {
	grad bool // Energy, EnergyGradient, Gradient and the JacobianOperator's state, Gradient, JᵀJ and Hessian products
	jac  bool // JacobianOperator.MulVecTo (only with grad)
}

// Cost model constants, see NewProblem.
const (
	// gramMaxDense is the most m×m floats the Gram form may hold.
	gramMaxDense = 64 << 20 / 8
	// gramSetupCalls is the number of evaluations the set-up is spread over.
	gramSetupCalls = 32
	// gramIndirect is the cost of a gathered or scattered multiply-add in
	// units of a multiply-add on contiguous rows: about its cost on the
	// coarsening shape, plus a margin that favours the direct form, whose
	// energy is more accurate.
	gramIndirect = 4
	// gramBlock is the number of rows of S per block of the energy's
	// partial sums.
	gramBlock = 32
	// gramEnergyTol is the ratio of the Gram energy to the magnitude of its
	// terms below which the energy is recomputed in the direct form.
	gramEnergyTol = 1.0 / 4096
)

// gramDenseFactor returns how many m×m dense blocks the Gram form holds:
// R, plus Q for a dense Y, plus (V R) and its transpose in each workspace for
// a non-diagonal Y.
func (p *Problem) gramDenseFactor() int {
	switch p.y.Kind {
	case sparsemat.Diag:
		return 1
	case sparsemat.Sparse:
		return 3
	default:
		return 4
	}
}

// directCosts returns the multiply-adds of the direct form for an energy
// and gradient, and for a pair of products J·x and Jᵀ·w.
func (p *Problem) directCosts() (eg, j float64) {
	c := float64(p.c)
	nG, nL := float64(p.pat.NNZ()), float64(p.l.NNZ())
	yc := p.y.Cost(p.c)
	rc := float64(p.r) * c
	eg = (5*nG+2*nL)*c + 2*yc + 2*rc
	j = 2*((3*nG+nL)*c+yc) + 2*rc
	return eg, j
}

// planGram chooses between the direct and the Gram form as NewProblem
// documents, and builds the Gram form's data if it is chosen.
func (p *Problem) planGram() gramPlan {
	n, m, c := p.n, p.m, p.c
	nnz := p.pat.NNZ()
	if n == 0 || m == 0 || c == 0 || nnz == 0 {
		return gramPlan{}
	}
	if float64(m)*float64(m)*float64(p.gramDenseFactor()) > gramMaxDense {
		return gramPlan{}
	}
	costEG, costJ := p.directCosts()
	// LG has at most fLG entries; refuse before forming it if that is too
	// much memory or already more work than the direct form.
	fLG := sparsemat.ProductFlops(p.l.Ptr, p.l.Ind, p.pat.rowPtr, n)
	fLtG := fLG
	if p.lt != p.l {
		fLtG = sparsemat.ProductFlops(p.lt.Ptr, p.lt.Ind, p.pat.rowPtr, n)
	}
	if fLG+fLtG > 8*float64(n)*float64(c) || gramIndirect*(fLG+fLtG) > costEG {
		return gramPlan{}
	}
	gd := p.gramSymbolic(costEG / gramIndirect)
	if gd == nil {
		return gramPlan{}
	}
	fm, fc := float64(m), float64(c)
	nS := float64(len(gd.sInd))
	// Indirect (gathered or scattered) and contiguous multiply-adds of
	// Q S R on the structure of S, and the set-up of Q.
	var quadInd, quadCont, qSetup float64
	switch p.y.Kind {
	case sparsemat.Diag:
		for i := 0; i < m; i++ {
			k := float64(gd.sPtr[i+1] - gd.sPtr[i])
			quadInd += k * k
		}
		qSetup = fm
	case sparsemat.Sparse:
		qsym := sparsemat.SymbolicProduct(m, m, p.y.SpT.Ptr, p.y.SpT.Ind, p.y.Sp.Ptr, p.y.Sp.Ind, make([]int, m))
		for i := 0; i < m; i++ {
			k := float64(qsym.Ptr[i+1] - qsym.Ptr[i])
			quadInd += float64(gd.sPtr[i+1]-gd.sPtr[i]) * k
		}
		quadCont = nS*fm + fm*fm
		qSetup = qsym.Flops
	default:
		quadCont = 2*nS*fm + fm*fm
		qSetup = float64(p.r) * fm * fm / 2
	}
	ltg := 0.0
	if !gd.lsym {
		ltg = gd.fLtG
	}
	fS := gd.fS // forming S, or the upper triangle of a symmetric S and its mirror
	if gd.lsym {
		fS = gd.fS/2 + nS
	}
	state := gramIndirect*(gd.fLG+ltg+fS+quadInd+float64(nnz)) + quadCont + 2*nS
	sample := gramIndirect * (gd.fS + 2*nS)
	if !gd.lsym {
		sample += gramIndirect * (gd.fSt + 2*nS)
	}
	setup := (gd.fLG + ltg + gd.fS + fm*fm*fc/2 + qSetup + p.y.Cost(c) + nS*fc) / gramSetupCalls
	var plan gramPlan
	plan.grad = state+sample+setup < costEG
	if plan.grad {
		rc := float64(p.r) * fc
		jx := gramIndirect*(gd.fLG+2*fS) + nS*fc + p.y.Cost(c) + rc
		jtw := rc + p.y.Cost(c) + nS*fc + sample
		plan.jac = jx+jtw < costJ
		p.gramNumeric(gd)
		p.gramOnce.Do(func() { p.gram = gd })
	}
	return plan
}
