package sparsels

import (
	"math"

	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// The small-m Gram form.
//
// With S = GᵀLG (m×m), P = YᵀXBᵀ, Q = YᵀY and R = BBᵀ,
//
//	E      = ‖X‖² − 2⟨P, S⟩ + ⟨S, Q S R⟩,
//	∂E/∂S  = 2(Q S R − P) =: 2Dh,
//	∂E/∂G  = L G (2Dh)ᵀ + Lᵀ G (2Dh),
//
// and for a direction Xg (the values x on G's pattern), with
// dS = XgᵀLG + GᵀLXg,
//
//	J·x     = −vec(Y dS B),
//	Jᵀw     = (∂S/∂g)ᵀ(−YᵀWBᵀ),
//	JᵀJ·x   = (∂S/∂g)ᵀ(Q dS R),
//	∇²E·x   = 2[(∂S/∂g)ᵀ(Q dS R) + sampled(L Xg Dhᵀ + Lᵀ Xg Dh)],
//
// where (∂S/∂g)ᵀM, the adjoint of g ↦ S, is L G Mᵀ + Lᵀ G M sampled at the
// pattern: entry (a, b) is (LG)[a,:]·M[b,:] + (LᵀG)[a,:]·M[:,b].
//
// Only entries on the structure of S are ever needed: (LG)[a,j] ≠ 0 and
// G[a,b] ≠ 0 imply S[b,j] ≠ 0, and (LᵀG)[a,j] ≠ 0 with G[a,b] ≠ 0 imply
// S[j,b] ≠ 0. So S, Q S R, P and Dh are kept as value arrays on the
// compressed-row structure of S, and LG, LᵀG, L Xg and Lᵀ Xg as value arrays
// on the structures of LG and LᵀG. These structures are computed once per
// Problem. Products are formed row by row with a dense accumulator of length
// m per goroutine, and the sampled adjoint is formed column by column of G
// after scattering row b and column b of M into dense vectors.

// gramData is the g-independent part of the Gram form, shared by all
// evaluations of a Problem.
type gramData struct {
	m    int
	lsym bool // L is symmetric: LᵀG = LG and S is structurally symmetric

	lgPtr, lgInd   []int // structure of LG (n×m)
	ltgPtr, ltgInd []int // structure of LᵀG; the same slices when lsym

	sPtr, sInd           []int // structure of S (m×m), ascending columns
	stPtr, stInd, stPerm []int // structure of Sᵀ; slot t of Sᵀ is slot stPerm[t] of S

	// When lsym: sDiag[i] is the first slot of row i of S with column ≥ i,
	// and lgUpper[u], for slot u = (a, b) of G's column layout, the first
	// slot of row a of LG with column ≥ b.
	sDiag, lgUpper []int

	// Multiply-adds to form LG, LᵀG and S, and Σ_a p_a·|(LᵀG)[a,:]|.
	fLG, fLtG, fS, fSt float64

	r []float64 // R = BBᵀ, m×m row-major

	qKind  sparsemat.Kind
	qDiag  []float64      // sparsemat.Diag: Q = diag(qDiag)
	q      *sparsemat.CSR // sparsemat.Sparse
	qDense []float64      // sparsemat.Dense: m×m row-major

	pS    []float64 // P on the structure of S
	xNorm float64   // ‖X‖²_F
}

// gramData returns p's Gram-form data, building it on first use.
func (p *Problem) gramData() *gramData {
	p.gramOnce.Do(func() {
		gd := p.gramSymbolic(math.Inf(1))
		p.gramNumeric(gd)
		p.gram = gd
	})
	return p.gram
}

// gramSymbolic returns the structures of LG, LᵀG, S and Sᵀ, or nil if
// forming S would take more than budget multiply-adds.
func (p *Problem) gramSymbolic(budget float64) *gramData {
	n, m := p.n, p.m
	pat := p.pat
	gd := &gramData{m: m, lsym: p.lt == p.l}
	mark := make([]int, max(n, m))
	lg := sparsemat.SymbolicProduct(n, m, p.l.Ptr, p.l.Ind, pat.rowPtr, pat.rowCol, mark)
	gd.lgPtr, gd.lgInd, gd.fLG = lg.Ptr, lg.Ind, lg.Flops
	gd.ltgPtr, gd.ltgInd, gd.fLtG = gd.lgPtr, gd.lgInd, gd.fLG
	if !gd.lsym {
		ltg := sparsemat.SymbolicProduct(n, m, p.lt.Ptr, p.lt.Ind, pat.rowPtr, pat.rowCol, mark)
		gd.ltgPtr, gd.ltgInd, gd.fLtG = ltg.Ptr, ltg.Ind, ltg.Flops
	}
	gd.fS = sparsemat.ProductFlops(pat.colPtr, pat.colRow, gd.lgPtr, m)
	gd.fSt = sparsemat.ProductFlops(pat.colPtr, pat.colRow, gd.ltgPtr, m)
	if gd.fLG+gd.fS > budget {
		return nil
	}
	s := sparsemat.SymbolicProduct(m, m, pat.colPtr, pat.colRow, gd.lgPtr, gd.lgInd, mark)
	gd.sPtr, gd.sInd = s.Ptr, s.Ind
	// Sᵀ with the map to S's slots; rows of S are visited in order, so the
	// columns of Sᵀ come out ascending.
	nS := len(gd.sInd)
	gd.stPtr = make([]int, m+1)
	gd.stInd = make([]int, nS)
	gd.stPerm = make([]int, nS)
	for _, j := range gd.sInd {
		gd.stPtr[j+1]++
	}
	for j := 0; j < m; j++ {
		gd.stPtr[j+1] += gd.stPtr[j]
	}
	next := mark[:m]
	copy(next, gd.stPtr[:m])
	for i := 0; i < m; i++ {
		for w := gd.sPtr[i]; w < gd.sPtr[i+1]; w++ {
			j := gd.sInd[w]
			t := next[j]
			next[j]++
			gd.stInd[t] = i
			gd.stPerm[t] = w
		}
	}
	if gd.lsym {
		gd.sDiag = make([]int, m)
		for i := 0; i < m; i++ {
			gd.sDiag[i] = firstAtLeast(gd.sInd, gd.sPtr[i], gd.sPtr[i+1], i)
		}
		gd.lgUpper = make([]int, len(pat.colRow))
		for b := 0; b < m; b++ {
			for u := pat.colPtr[b]; u < pat.colPtr[b+1]; u++ {
				a := pat.colRow[u]
				gd.lgUpper[u] = firstAtLeast(gd.lgInd, gd.lgPtr[a], gd.lgPtr[a+1], b)
			}
		}
	}
	return gd
}

// gramNumeric fills the g-independent values of gd: R, Q, P on S and ‖X‖².
func (p *Problem) gramNumeric(gd *gramData) {
	m, c := p.m, p.c
	gd.r = make([]float64, m*m)
	for i := 0; i < m; i++ {
		bi := vec.Row(p.b, c, i)
		for j := i; j < m; j++ {
			v := vec.Dot(bi, vec.Row(p.b, c, j))
			gd.r[i*m+j], gd.r[j*m+i] = v, v
		}
	}
	y := p.y
	gd.qKind = y.Kind
	switch y.Kind {
	case sparsemat.Diag:
		gd.qDiag = make([]float64, m)
		for i, d := range y.Diag {
			gd.qDiag[i] = d * d
		}
	case sparsemat.Sparse:
		s := sparsemat.SymbolicProduct(m, m, y.SpT.Ptr, y.SpT.Ind, y.Sp.Ptr, y.Sp.Ind, make([]int, m))
		q := &sparsemat.CSR{Rows: m, Cols: m, Ptr: s.Ptr, Ind: s.Ind, Val: make([]float64, len(s.Ind))}
		for i := 0; i < m; i++ {
			for w := q.Ptr[i]; w < q.Ptr[i+1]; w++ {
				q.Val[w] = sparsemat.RowDot(y.SpT, i, y.SpT, q.Ind[w])
			}
		}
		gd.q = q
	default:
		gd.qDense = make([]float64, m*m)
		r := p.r
		for i := 0; i < m; i++ {
			ci := y.DnT[i*r : i*r+r]
			for j := i; j < m; j++ {
				v := vec.Dot(ci, y.DnT[j*r:j*r+r])
				gd.qDense[i*m+j], gd.qDense[j*m+i] = v, v
			}
		}
	}
	u := make([]float64, m*c)
	y.MulT(u, p.x, c)
	gd.pS = make([]float64, len(gd.sInd))
	for i := 0; i < m; i++ {
		ui := vec.Row(u, c, i)
		for w := gd.sPtr[i]; w < gd.sPtr[i+1]; w++ {
			gd.pS[w] = vec.Dot(ui, vec.Row(p.b, c, gd.sInd[w]))
		}
	}
	gd.xNorm = sumSquares(p.x)
}

// ‖X‖² + Σ S(M − 2P) and the sum of the magnitudes of its terms.
func (p *Problem) gramState(d *dispatch, ws *workspace, g []float64, withLtG bool) (e, scale float64) {
	gd := p.gramData()
	gw := p.ensureGramWork(ws, gd)
	p.loadRows(d, ws.gv, g)
	p.lgValues(d, gd, gw, gw.lgv, ws.gv, false)
	if withLtG && !gd.lsym {
		p.lgValues(d, gd, gw, gw.ltgv, ws.gv, true)
	}
	p.sValues(d, gd, gw, gw.sv, ws.gtv, g, gw.lgv, nil, nil, nil)
	p.quad(d, gd, gw, gw.mv, gw.sv, true)
	e, scale = gd.xNorm, gd.xNorm
	for b, v := range gw.partial {
		e += v
		scale += gw.scale[b]
	}
	return e, scale
}

// gramEnergyOK reports whether the Gram-form energy e, whose terms have
// magnitude scale, is accurate enough to return (see NewProblem).
func gramEnergyOK(e, scale float64) bool {
	return !(e < gramEnergyTol*scale)
}

// withForm returns a Problem for the same data as p that uses the Gram form
// for every evaluation that has one (gram true) or none (gram false),
// overriding NewProblem's choice. It is for tests and benchmarks.
func (p *Problem) withForm(gram bool) *Problem {
	q := *p
	q.plan = gramPlan{}
	if gram && p.n > 0 && p.m > 0 {
		q.gramData()
		q.plan = gramPlan{grad: true, jac: true}
	}
	return &q
}
