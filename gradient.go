package sparsels

// Gradient stores the gradient ∂E/∂g into dst and returns dst; a nil dst is
// allocated. Entry k, for the nonzero (a, b) of G, is
//
//	∂E/∂g_k = 2 (Jᵀ vec f)_k = −2 ((LGB)[a,:]·(Yᵀf)[b,:] + (LᵀG Yᵀf)[a,:]·B[b,:]),
//
// the dense gradient −2(LGB fᵀY + LᵀG Yᵀf Bᵀ) sampled at the pattern and
// computed without forming it. The cost is about twice that of Residual:
// O(nnz(G)·c + nnz(L)·c) plus two products with Y.
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
	e := p.forward(ws, g)
	p.y.mulT(ws.ytf, ws.f, p.c)
	p.gMul(ws.t, ws.gv, ws.ytf)
	p.lt.mul(ws.v, ws.t, p.c)
	p.sampleDots(dst, -2, ws.a, ws.ytf, ws.v, p.b)
	return e, dst
}

// sampleDots stores, for each nonzero k = (a, b) of the pattern,
//
//	dst[k] = alpha·(P[a,:]·Q[b,:] + R[a,:]·S[b,:])
//
// for the n×c blocks P and R and the m×c blocks Q and S.
func (p *Problem) sampleDots(dst []float64, alpha float64, P, Q, R, S []float64) {
	c := p.c
	pat := p.pat
	for a := 0; a < p.n; a++ {
		pa, ra := row(P, c, a), row(R, c, a)
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b := pat.rowCol[s]
			dst[pat.rowK[s]] = alpha * (dot(pa, row(Q, c, b)) + dot(ra, row(S, c, b)))
		}
	}
}
