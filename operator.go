package sparsels

import (
	"fmt"

	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// JacobianOperator is the Jacobian J = ∂vec(f)/∂g of a Problem at a point g,
// applied without forming it, together with the products with JᵀJ and with the
// exact Hessian ∇²E that second-order solvers need.
//
// Creating the operator (or moving it with SetPoint) evaluates the energy and
// the state the products need at g once. In the direct form each product then
// costs O(nnz(G)·c + nnz(L)·c) plus products with Y; in the Gram form (see
// NewProblem) the JᵀJ and Hessian products cost about as much as a Gradient
// and do not depend on c, and J·x and Jᵀ·w cost O(nnz(S)·c) plus a product
// with Y and a Gram-form sampling, S = GᵀLG. In the Gram form SetPoint costs
// about as much as Energy; the residual f, which only the direct-form
// products need, is then computed on their first use after SetPoint.
// A JacobianOperator owns its scratch space: it allocates nothing after its
// first product of each kind and must be used by one goroutine at a time. It
// uses the goroutines of the Problem that created it (see WithThreads).
type JacobianOperator struct {
	p      *Problem
	ws     *workspace // state at the point: G's values, and A = LGB, f, Yᵀf (direct) or LG, S, Dh (Gram)
	energy float64
	g      []float64 // the point

	direct bool // ws holds the direct-form state
	gram   bool // ws.gram holds the Gram-form state

	xv, xtv []float64 // a direction x in G's row and column layouts
	t, u, q []float64 // n×c scratch of one direct-form product, borrowed (see borrow)
	w, s    []float64 // m×c
	out     []float64 // r×c

	// Gram form, allocated on first use.
	lxv, ltxv []float64 // L·Xg and Lᵀ·Xg on the structures of LG and LᵀG
	dsv, m2v  []float64 // dS and Q dS R (or YᵀWBᵀ) on the structure of S
}

// JacobianOperator returns the Jacobian operator of p at g. It panics if
// len(g) is not the pattern's NNZ.
func (p *Problem) JacobianOperator(g []float64) *JacobianOperator {
	m, r, c := p.m, p.r, p.c
	nnz := p.pat.NNZ()
	op := &JacobianOperator{
		p:  p,
		ws: p.getWorkspace(),
		g:  make([]float64, nnz),
		xv: make([]float64, nnz), xtv: make([]float64, nnz),
		w: make([]float64, m*c), s: make([]float64, m*c),
		out: make([]float64, r*c),
	}
	op.SetPoint(g)
	return op
}

// SetPoint moves the operator to the point g, reusing its storage.
// It panics if len(g) is not the pattern's NNZ.
func (op *JacobianOperator) SetPoint(g []float64) {
	p := op.p
	p.checkG(g)
	copy(op.g, g)
	d := p.getDispatch()
	defer p.putDispatch(d)
	op.direct, op.gram = false, false
	if p.plan.grad {
		e, scale := p.gramState(d, op.ws, g, true)
		op.gram = true
		op.energy = e
		if !gramEnergyOK(e, scale) {
			op.energy = op.forward(d)
		}
		return
	}
	op.energy = op.forward(d)
}

// forward computes the direct-form state at op.g and returns the energy.
func (op *JacobianOperator) forward(d *dispatch) float64 {
	p := op.p
	e := p.forwardD(d, op.ws, op.g)
	p.yMul(d, op.ws.ytf, op.ws.f, true)
	op.direct = true
	return e
}

// borrow sets the n×c scratch blocks t, u and q of one direct-form product
// from a workspace of the Problem's pool, which release gives back. They
// hold nothing between products, so the operators of one Problem (a
// solver's current and trial points) share them instead of owning three
// blocks each.
func (op *JacobianOperator) borrow() *workspace {
	ws := op.p.getWorkspace()
	op.t, op.u, op.q = ws.gb, ws.a, ws.t
	return ws
}

// release gives back the scratch of borrow.
func (op *JacobianOperator) release(ws *workspace) {
	op.t, op.u, op.q = nil, nil, nil
	op.p.putWorkspace(ws)
}

// needDirect makes sure the direct-form state is available. It leaves
// op.energy as SetPoint computed it.
func (op *JacobianOperator) needDirect(d *dispatch) {
	if !op.direct {
		op.forward(d)
	}
}

// residualYt returns Yᵀf (m×c, row-major) at the operator's point. In the
// Gram form the operator evaluates f only on demand, so the first call after
// SetPoint may cost a Residual and a product with Yᵀ. The slice belongs to op
// and is valid until the next SetPoint; it must not be modified.
func (op *JacobianOperator) residualYt() []float64 {
	if !op.direct {
		d := op.p.getDispatch()
		op.forward(d)
		op.p.putDispatch(d)
	}
	return op.ws.ytf
}

// Dims returns the dimensions of J: r·c rows and nnz columns.
func (op *JacobianOperator) Dims() (rows, cols int) {
	return op.p.r * op.p.c, op.p.pat.NNZ()
}

// Energy returns E at the operator's point.
func (op *JacobianOperator) Energy() float64 { return op.energy }

// Gradient stores ∂E/∂g = 2Jᵀvec(f) at the operator's point into dst and
// returns it; a nil dst is allocated.
func (op *JacobianOperator) Gradient(dst []float64) []float64 {
	p := op.p
	if dst == nil {
		dst = make([]float64, p.pat.NNZ())
	}
	p.pat.checkValues(dst)
	d := p.getDispatch()
	defer p.putDispatch(d)
	ws := op.ws
	if op.gram {
		gw := &ws.gram
		p.sample(d, p.gram, gw, dst, 2, gw.dh, gw.lgv, gw.ltgv, nil, nil, nil)
		return dst
	}
	defer op.release(op.borrow())
	p.gMulD(d, op.t, ws.gv, ws.ytf, nil)
	p.csrMul(d, p.lt, op.u, op.t, p.c)
	p.sampleDotsD(d, dst, -2, ws.a, ws.ytf, op.u, p.b)
	return dst
}

// MulVecTo stores J·x into dst when trans is false (x has length nnz, dst
// length r·c) and Jᵀ·x when trans is true (x has length r·c, dst length nnz).
// dst is overwritten, never accumulated into. It panics on a length mismatch.
//
// With Xg = sparse(i, j, x) and A = LGB,
//
//	J·x  = −vec(Y (Xgᵀ A + Gᵀ L Xg B)),
//	(Jᵀw)_k = −((YᵀW)[b,:]·A[a,:] + (LᵀG YᵀW)[a,:]·B[b,:]),  W = reshape(w, r, c).
//
// In the Gram form these are −vec(Y dS B) with dS = XgᵀLG + GᵀLXg on the
// structure of S, and the sampled adjoint of g ↦ S applied to −YᵀWBᵀ.
func (op *JacobianOperator) MulVecTo(dst []float64, trans bool, x []float64) {
	p := op.p
	r, c, nnz := p.r, p.c, p.pat.NNZ()
	d := p.getDispatch()
	defer p.putDispatch(d)
	gramJ := op.gram && p.plan.jac
	if !gramJ {
		op.needDirect(d)
		defer op.release(op.borrow())
	}
	if !trans {
		op.checkLen("x", x, nnz)
		op.checkLen("dst", dst, r*c)
		if gramJ {
			// w = dS·B.
			gd := p.gram
			op.gramDS(d, x)
			d.gather = sparsemat.GatherKernel{Dst: op.w, Ptr: gd.sPtr, Ind: gd.sInd, Val: op.dsv, X: p.b, C: c}
			p.runRange(d, &d.gather, p.m, float64(len(gd.sInd)+p.m)*float64(c), gd.sPtr, 1)
			d.gather = sparsemat.GatherKernel{}
		} else {
			op.mulW(d, x)
		}
		p.yMul(d, op.out, op.w, false)
		// dst = −vec(out): column-major, the transpose of the row-major out.
		p.transpose(d, dst, op.out, r, c, true)
		return
	}
	op.checkLen("x", x, r*c)
	op.checkLen("dst", dst, nnz)
	// out = reshape(x, r, c), row-major: the transpose of x read as c×r.
	p.transpose(d, op.out, x, c, r, false)
	p.yMul(d, op.s, op.out, true)
	if gramJ {
		gd := p.gram
		gw := &op.ws.gram
		op.ensureGram()
		d.ssample = sDotsTask{gd: gd, dst: op.m2v, u: op.s, b: p.b, c: c}
		p.runRange(d, &d.ssample, p.m, float64(len(gd.sInd))*float64(c), gd.sPtr, 1)
		d.ssample = sDotsTask{}
		p.sample(d, gd, gw, dst, -1, op.m2v, gw.lgv, gw.ltgv, nil, nil, nil)
		return
	}
	p.gMulD(d, op.t, op.ws.gv, op.s, nil)
	p.csrMul(d, p.lt, op.u, op.t, c)
	p.sampleDotsD(d, dst, -1, op.ws.a, op.s, op.u, p.b)
}

// GaussNewtonMulVecTo stores JᵀJ·x into dst. It panics if x or dst does not
// have length nnz. In the direct form it costs about as much as one product
// with J and one with Jᵀ, without the two reshapes; in the Gram form it is
// (∂S/∂g)ᵀ(Q dS R) and costs about as much as a Gradient.
func (op *JacobianOperator) GaussNewtonMulVecTo(dst, x []float64) {
	p := op.p
	nnz := p.pat.NNZ()
	op.checkLen("x", x, nnz)
	op.checkLen("dst", dst, nnz)
	d := p.getDispatch()
	defer p.putDispatch(d)
	if op.gram {
		gd, gw := p.gram, &op.ws.gram
		op.gramDS(d, x)
		p.quad(d, gd, gw, op.m2v, op.dsv, false)
		p.sample(d, gd, gw, dst, 1, op.m2v, gw.lgv, gw.ltgv, nil, nil, nil)
		return
	}
	defer op.release(op.borrow())
	op.mulW(d, x)
	op.yTyW(d)
	p.gMulD(d, op.t, op.ws.gv, op.s, nil)
	p.csrMul(d, p.lt, op.u, op.t, p.c)
	p.sampleDotsD(d, dst, 1, op.ws.a, op.s, op.u, p.b)
}

// HessianMulVecTo stores ∇²E·x into dst, where the exact Hessian is
// ∇²E = 2(JᵀJ + Σ_q f_q ∇²f_q). With Xg = sparse(i, j, x), entry k = (a, b) of
// the second term's product is −((L Xg B)[a,:]·(Yᵀf)[b,:] + (Lᵀ Xg Yᵀf)[a,:]·B[b,:]);
// in the Gram form it is (L Xg Dhᵀ + Lᵀ Xg Dh)[a,b] with Dh = Q S R − P.
// It panics if x or dst does not have length nnz.
func (op *JacobianOperator) HessianMulVecTo(dst, x []float64) {
	p := op.p
	nnz := p.pat.NNZ()
	op.checkLen("x", x, nnz)
	op.checkLen("dst", dst, nnz)
	d := p.getDispatch()
	defer p.putDispatch(d)
	if op.gram {
		gd, gw := p.gram, &op.ws.gram
		op.gramDS(d, x)
		p.quad(d, gd, gw, op.m2v, op.dsv, false)
		ltx := op.lxv
		if !gd.lsym {
			p.lgValues(d, gd, gw, op.ltxv, op.xv, true)
			ltx = op.ltxv
		}
		p.sample(d, gd, gw, dst, 2, op.m2v, gw.lgv, gw.ltgv, gw.dh, op.lxv, ltx)
		return
	}
	defer op.release(op.borrow())
	op.mulW(d, x) // op.u = L Xg B, op.w
	op.yTyW(d)    // op.s = YᵀY w
	ws := op.ws
	// q = G s − Xg Yᵀf, then t = Lᵀ q.
	for i := range op.xv {
		op.xv[i] = -op.xv[i]
	}
	pat := p.pat
	d.gather2 = sparsemat.Gather2Kernel{Dst: op.q, Ptr: pat.rowPtr, Ind: pat.rowCol, Val1: ws.gv, X1: op.s, Val2: op.xv, X2: ws.ytf, C: p.c}
	p.runRange(d, &d.gather2, p.n, 2*float64(pat.NNZ()+p.n)*float64(p.c), pat.rowPtr, 1)
	d.gather2 = sparsemat.Gather2Kernel{}
	p.csrMul(d, p.lt, op.t, op.q, p.c)
	work := 3 * float64(pat.NNZ()) * float64(p.c)
	out, slots := p.sampleOut(d, dst, p.n, work)
	d.hsample = hessianSampleTask{pat: pat, dst: out, slots: slots, A: ws.a, S: op.s, U: op.u, F: ws.ytf, T: op.t, B: p.b, c: p.c}
	p.runRange(d, &d.hsample, p.n, work, pat.rowPtr, 1)
	d.hsample = hessianSampleTask{}
	if slots {
		p.unpermute(d, dst, out, p.invRowK)
	}
}

// ensureGram allocates the Gram-form buffers of op.
func (op *JacobianOperator) ensureGram() {
	if op.dsv != nil {
		return
	}
	gd := op.p.gram
	op.lxv = make([]float64, len(gd.lgInd))
	if !gd.lsym {
		op.ltxv = make([]float64, len(gd.ltgInd))
	}
	op.dsv = make([]float64, len(gd.sInd))
	op.m2v = make([]float64, len(gd.sInd))
}

// gramDS loads the direction x and stores L·Xg in op.lxv and
// dS = XgᵀLG + GᵀLXg in op.dsv.
func (op *JacobianOperator) gramDS(d *dispatch, x []float64) {
	p := op.p
	gd, gw := p.gram, &op.ws.gram
	op.ensureGram()
	p.loadRows(d, op.xv, x)
	p.lgValues(d, gd, gw, op.lxv, op.xv, false)
	p.sValues(d, gd, gw, op.dsv, op.ws.gtv, nil, gw.lgv, op.xtv, x, op.lxv)
}

// mulW loads the direction x and stores u = L Xg B and w = Gᵀu + Xgᵀ A,
// so that J·x = −vec(Y w).
func (op *JacobianOperator) mulW(d *dispatch, x []float64) {
	p := op.p
	pat := p.pat
	c := p.c
	p.gMulD(d, op.t, op.xv, p.b, x)
	p.csrMul(d, p.l, op.u, op.t, c)
	// Load xtv, then w = Gᵀu + Xgᵀ A over G's columns.
	d.load = loadTask{dst: op.xtv, src: x, pos: pat.colK}
	p.runRange(d, &d.load, len(op.xtv), float64(len(op.xtv)), nil, 1)
	d.load = loadTask{}
	d.gather2 = sparsemat.Gather2Kernel{Dst: op.w, Ptr: pat.colPtr, Ind: pat.colRow, Val1: op.ws.gtv, X1: op.u, Val2: op.xtv, X2: op.ws.a, C: c}
	p.runRange(d, &d.gather2, p.m, 2*float64(pat.NNZ()+p.m)*float64(c), pat.colPtr, 1)
	d.gather2 = sparsemat.Gather2Kernel{}
}

// yTyW stores s = YᵀY w, using out as scratch.
func (op *JacobianOperator) yTyW(d *dispatch) {
	p := op.p
	if p.y.Kind == sparsemat.Diag {
		for i, dv := range p.y.Diag {
			d2 := dv * dv
			wi, si := vec.Row(op.w, p.c, i), vec.Row(op.s, p.c, i)
			for j, v := range wi {
				si[j] = d2 * v
			}
		}
		return
	}
	p.yMul(d, op.out, op.w, false)
	p.yMul(d, op.s, op.out, true)
}

func (op *JacobianOperator) checkLen(name string, v []float64, want int) {
	if len(v) != want {
		panic(fmt.Sprintf("sparsels: JacobianOperator: len(%s) = %d, want %d", name, len(v), want))
	}
}
