package sparsels

// Gradient stores the gradient ∂E/∂g into dst and returns dst; a nil dst is
// allocated. Entry k, for the nonzero (a, b) of G, is
//
//	∂E/∂g_k = 2 (Jᵀ vec f)_k = −2 ((LGB)[a,:]·(Yᵀf)[b,:] + (LᵀG Yᵀf)[a,:]·B[b,:]),
//
// the dense gradient −2(LGB fᵀY + LᵀG Yᵀf Bᵀ) sampled at the pattern and
// computed without forming it. In the direct form the cost is about twice
// that of Residual: O(nnz(G)·c + nnz(L)·c) plus two products with Y. In the
// Gram form (see NewProblem) the gradient is L G Dᵀ + Lᵀ G D sampled at the
// pattern, D = 2(Q S R − P), at about twice the cost of Energy.
//
// Gradient panics if len(g) is not the pattern's NNZ or if a non-nil dst has
// another length.
func (p *Problem) Gradient(dst, g []float64) []float64 {
	_, dst = p.EnergyGradient(dst, g)
	return dst
}

// EnergyGradient returns E(g) and stores ∂E/∂g into dst, as Energy and
// Gradient do, sharing their common work. It returns dst, allocated if nil.
func (p *Problem) EnergyGradient(dst, g []float64) (float64, []float64) {
	p.checkG(g)
	if dst == nil {
		dst = make([]float64, len(g))
	}
	p.pat.checkValues(dst)
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	d := p.getDispatch()
	defer p.putDispatch(d)
	if p.plan.grad {
		e, scale := p.gramState(d, ws, g, true)
		gd, gw := p.gram, &ws.gram
		p.sample(d, gd, gw, dst, 2, gw.dh, gw.lgv, gw.ltgv, nil, nil, nil)
		if !gramEnergyOK(e, scale) {
			e = p.forwardD(d, ws, g)
		}
		return e, dst
	}
	e := p.forwardD(d, ws, g)
	p.yMul(d, ws.ytf, ws.f, true)
	p.gMulD(d, ws.t, ws.gv, ws.ytf, nil)
	p.csrMul(d, p.lt, ws.v, ws.t, p.c)
	p.sampleDotsD(d, dst, -2, ws.a, ws.ytf, ws.v, p.b)
	return e, dst
}

// sampleDotsD stores, for each nonzero k = (a, b) of the pattern,
//
//	dst[k] = alpha·(P[a,:]·Q[b,:] + R[a,:]·S[b,:])
//
// for the n×c blocks P and R and the m×c blocks Q and S, on the dispatch d.
func (p *Problem) sampleDotsD(d *dispatch, dst []float64, alpha float64, P, Q, R, S []float64) {
	pat := p.pat
	work := 2 * float64(pat.NNZ()) * float64(p.c)
	out, slots := p.sampleOut(d, dst, p.n, work)
	d.sample = sampleTask{pat: pat, dst: out, slots: slots, alpha: alpha, P: P, Q: Q, R: R, S: S, c: p.c}
	p.runRange(d, &d.sample, p.n, work, pat.rowPtr, 1)
	d.sample = sampleTask{}
	if slots {
		p.unpermute(d, dst, out, p.invRowK)
	}
}

// sampleOut returns where a sampling kernel over n rows (or columns) of the
// pattern with the given work should write. Run on one goroutine it writes
// g-ordered results straight into dst. Split across goroutines, entries of
// one cache line of dst would be written by several goroutines (false
// sharing), so it writes in slot order into the dispatch's buffer, which
// unpermute then gathers into dst.
func (p *Problem) sampleOut(d *dispatch, dst []float64, n int, work float64) (out []float64, slots bool) {
	if p.partsFor(n, work) == 1 {
		return dst, false
	}
	d.tmp = grow(d.tmp, len(dst))
	return d.tmp, true
}

// unpermute stores dst[k] = src[inv[k]]: slot-ordered values back in g's order.
func (p *Problem) unpermute(d *dispatch, dst, src []float64, inv []int) {
	d.load = loadTask{dst: dst, src: src, pos: inv}
	p.runRange(d, &d.load, len(dst), float64(len(dst)), nil, 1)
	d.load = loadTask{}
}
