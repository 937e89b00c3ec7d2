package sparsels

import "fmt"

// JacobianOperator is the Jacobian J = ∂vec(f)/∂g of a Problem at a point g,
// applied without forming it, together with the products with JᵀJ and with the
// exact Hessian ∇²E that second-order solvers need.
//
// Creating the operator (or moving it with SetPoint) evaluates the residual at
// g once; each product then costs O(nnz(G)·c + nnz(L)·c) plus products with Y.
// A JacobianOperator owns its scratch space: it allocates nothing after
// creation and must be used by one goroutine at a time.
type JacobianOperator struct {
	p      *Problem
	ws     *workspace // state at the point: G's values, A = LGB, f, Yᵀf
	energy float64

	xv, xtv []float64 // a direction x in G's row and column layouts
	t, u, q []float64 // n×c
	w, s    []float64 // m×c
	out     []float64 // r×c
}

// JacobianOperator returns the Jacobian operator of p at g. It panics if
// len(g) is not the pattern's NNZ.
func (p *Problem) JacobianOperator(g []float64) *JacobianOperator {
	n, m, r, c := p.n, p.m, p.r, p.c
	nnz := p.pat.NNZ()
	op := &JacobianOperator{
		p:  p,
		ws: p.getWorkspace(),
		xv: make([]float64, nnz), xtv: make([]float64, nnz),
		t: make([]float64, n*c), u: make([]float64, n*c), q: make([]float64, n*c),
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
	op.energy = p.forward(op.ws, g)
	p.y.mulT(op.ws.ytf, op.ws.f, p.c)
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
	ws := op.ws
	p.gMul(op.t, ws.gv, ws.ytf)
	p.lt.mul(op.u, op.t, p.c)
	p.sampleDots(dst, -2, ws.a, ws.ytf, op.u, p.b)
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
func (op *JacobianOperator) MulVecTo(dst []float64, trans bool, x []float64) {
	p := op.p
	r, c, nnz := p.r, p.c, p.pat.NNZ()
	if !trans {
		op.checkLen("x", x, nnz)
		op.checkLen("dst", dst, r*c)
		op.mulW(x)
		p.y.mul(op.out, op.w, c)
		for pp := 0; pp < r; pp++ {
			for qq, v := range row(op.out, c, pp) {
				dst[pp+qq*r] = -v
			}
		}
		return
	}
	op.checkLen("x", x, r*c)
	op.checkLen("dst", dst, nnz)
	for pp := 0; pp < r; pp++ {
		o := row(op.out, c, pp)
		for qq := range o {
			o[qq] = x[pp+qq*r]
		}
	}
	p.y.mulT(op.s, op.out, c)
	p.gMul(op.t, op.ws.gv, op.s)
	p.lt.mul(op.u, op.t, c)
	p.sampleDots(dst, -1, op.ws.a, op.s, op.u, p.b)
}

// GaussNewtonMulVecTo stores JᵀJ·x into dst. It panics if x or dst does not
// have length nnz. It costs about as much as one product with J and one
// with Jᵀ, without the two reshapes.
func (op *JacobianOperator) GaussNewtonMulVecTo(dst, x []float64) {
	p := op.p
	nnz := p.pat.NNZ()
	op.checkLen("x", x, nnz)
	op.checkLen("dst", dst, nnz)
	op.mulW(x)
	op.yTyW()
	p.gMul(op.t, op.ws.gv, op.s)
	p.lt.mul(op.u, op.t, p.c)
	p.sampleDots(dst, 1, op.ws.a, op.s, op.u, p.b)
}

// HessianMulVecTo stores ∇²E·x into dst, where the exact Hessian is
// ∇²E = 2(JᵀJ + Σ_q f_q ∇²f_q). With Xg = sparse(i, j, x), entry k = (a, b) of
// the second term's product is −((L Xg B)[a,:]·(Yᵀf)[b,:] + (Lᵀ Xg Yᵀf)[a,:]·B[b,:]).
// It panics if x or dst does not have length nnz.
func (op *JacobianOperator) HessianMulVecTo(dst, x []float64) {
	p := op.p
	nnz := p.pat.NNZ()
	op.checkLen("x", x, nnz)
	op.checkLen("dst", dst, nnz)
	op.mulW(x) // op.u = L Xg B, op.w
	op.yTyW()  // op.s = YᵀY w
	ws := op.ws
	// q = G s − Xg Yᵀf, then t = Lᵀ q.
	for i := range op.xv {
		op.xv[i] = -op.xv[i]
	}
	gatherMul2(op.q, p.pat.rowPtr, p.pat.rowCol, ws.gv, op.s, op.xv, ws.ytf, p.c, 0, p.n)
	p.lt.mul(op.t, op.q, p.c)
	c := p.c
	pat := p.pat
	for a := 0; a < p.n; a++ {
		aa, ua, ta := row(ws.a, c, a), row(op.u, c, a), row(op.t, c, a)
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b := pat.rowCol[s]
			dst[pat.rowK[s]] = 2 * (dot(aa, row(op.s, c, b)) - dot(ua, row(ws.ytf, c, b)) + dot(ta, row(p.b, c, b)))
		}
	}
}

// mulW loads the direction x and stores u = L Xg B and w = Gᵀu + Xgᵀ A,
// so that J·x = −vec(Y w).
func (op *JacobianOperator) mulW(x []float64) {
	p := op.p
	p.loadValues(op.xv, op.xtv, x)
	p.gMul(op.t, op.xv, p.b)
	p.l.mul(op.u, op.t, p.c)
	gatherMul2(op.w, p.pat.colPtr, p.pat.colRow, op.ws.gtv, op.u, op.xtv, op.ws.a, p.c, 0, p.m)
}

// yTyW stores s = YᵀY w, using out as scratch.
func (op *JacobianOperator) yTyW() {
	p := op.p
	if p.y.kind == operandDiag {
		for i, d := range p.y.diag {
			d2 := d * d
			wi, si := row(op.w, p.c, i), row(op.s, p.c, i)
			for j, v := range wi {
				si[j] = d2 * v
			}
		}
		return
	}
	p.y.mul(op.out, op.w, p.c)
	p.y.mulT(op.s, op.out, p.c)
}

func (op *JacobianOperator) checkLen(name string, v []float64, want int) {
	if len(v) != want {
		panic(fmt.Sprintf("sparsels: JacobianOperator: len(%s) = %d, want %d", name, len(v), want))
	}
}
