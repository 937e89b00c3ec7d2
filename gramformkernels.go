package sparsels

import (
	"math"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// The Gram form's kernels: the products LG, LᵀG and S on their
// structures, Q·V·R on the structure of S, and the sampled adjoint of
// g ↦ S, each as a task run by Problem.runRange with per-part scratch.

// gramWork is the Gram form's scratch space in a workspace.
type gramWork struct {
	lgv, ltgv  []float64 // LG and LᵀG on their structures (ltgv aliases lgv when L is symmetric)
	sv, mv, dh []float64 // S, Q S R and Q S R − P on S's structure
	z, zt      []float64 // m×m: V R and its transpose, for a non-diagonal Y
	partial    []float64 // per block of gramBlock rows of S: energy terms
	scale      []float64 // and their magnitudes

	acc [parallel.MaxParts][]float64 // per part: dense accumulators of length m, zero between uses
	vec [parallel.MaxParts][]float64 // per part: scatter vectors, 4m
}

// ensureGramWork sizes ws.gram for gd.
func (p *Problem) ensureGramWork(ws *workspace, gd *gramData) *gramWork {
	gw := &ws.gram
	if len(gw.lgv) == len(gd.lgInd) && gw.sv != nil {
		return gw
	}
	nS := len(gd.sInd)
	gw.lgv = make([]float64, len(gd.lgInd))
	gw.ltgv = gw.lgv
	if !gd.lsym {
		gw.ltgv = make([]float64, len(gd.ltgInd))
	}
	gw.sv = make([]float64, nS)
	gw.mv = make([]float64, nS)
	gw.dh = make([]float64, nS)
	if gd.qKind != sparsemat.Diag {
		gw.z = make([]float64, gd.m*gd.m)
		gw.zt = make([]float64, gd.m*gd.m)
	}
	nb := (gd.m + gramBlock - 1) / gramBlock
	gw.partial = make([]float64, nb)
	gw.scale = make([]float64, nb)
	return gw
}

// ensureScratch allocates the per-part accumulators and scatter vectors of
// the first parts parts, so that a loop split into parts parts allocates
// nothing whichever goroutine runs which part.
func (gw *gramWork) ensureScratch(parts, m int) {
	for i := 0; i < parts; i++ {
		if len(gw.acc[i]) < m {
			gw.acc[i] = make([]float64, m)
		}
		if len(gw.vec[i]) < 4*m {
			gw.vec[i] = make([]float64, 4*m)
		}
	}
}

// loadTask stores dst[s] = src[pos[s]] for s in [lo, hi).
type loadTask struct {
	dst, src []float64
	pos      []int
}

func (t *loadTask) Run(_, lo, hi int) {
	dst, src, pos := t.dst[lo:hi], t.src, t.pos[lo:hi]
	for s, k := range pos {
		dst[s] = src[k]
	}
}

// loadRows loads x into the row layout dst of the pattern.
func (p *Problem) loadRows(d *dispatch, dst, x []float64) {
	d.load = loadTask{dst: dst, src: x, pos: p.pat.rowK}
	p.runRange(d, &d.load, len(dst), float64(len(dst)), nil, 1)
	d.load = loadTask{}
}

// productTask stores the rows of C = A1·B1 + A2·B2 on C's given structure,
// for compressed-row A1, A2 sharing the structure (aptr, aind) and B1, B2
// sharing (bptr, bind); the second term is absent when aval2 is nil. If g is
// not nil, aval1 is first loaded as aval1[t] = g[gpos[t]] for the rows'
// slots. acc holds one zero accumulator of length ncols per part.
type productTask struct {
	aptr, aind   []int
	aval1, aval2 []float64
	bptr, bind   []int
	bval1, bval2 []float64
	cptr, cind   []int
	cval         []float64
	g            []float64
	gpos         []int
	acc          *[parallel.MaxParts][]float64
	ncols        int

	// If bStart is not nil, only the entries (i, j) with j ≥ i are formed:
	// slot u of A reads row aind[u] of B from slot bStart[u] (the first
	// with column ≥ i) and row i of C is stored from slot cStart[i].
	bStart, cStart []int
}

func (t *productTask) Run(part, lo, hi int) {
	if t.g != nil {
		for u := t.aptr[lo]; u < t.aptr[hi]; u++ {
			t.aval1[u] = t.g[t.gpos[u]]
		}
	}
	acc := t.acc[part]
	if len(acc) < t.ncols {
		acc = make([]float64, t.ncols)
		t.acc[part] = acc
	}
	for i := lo; i < hi; i++ {
		for u := t.aptr[i]; u < t.aptr[i+1]; u++ {
			a := t.aind[u]
			b0, b1 := t.bptr[a], t.bptr[a+1]
			if t.bStart != nil {
				b0 = t.bStart[u]
			}
			bi := t.bind[b0:b1]
			v := t.aval1[u]
			bv := t.bval1[b0:b1]
			bv = bv[:len(bi)]
			for w, j := range bi {
				acc[j] += v * bv[w]
			}
			if t.aval2 != nil {
				v2 := t.aval2[u]
				bv2 := t.bval2[b0:b1]
				bv2 = bv2[:len(bi)]
				for w, j := range bi {
					acc[j] += v2 * bv2[w]
				}
			}
		}
		c0, c1 := t.cptr[i], t.cptr[i+1]
		if t.cStart != nil {
			c0 = t.cStart[i]
		}
		ci, cv := t.cind[c0:c1], t.cval[c0:c1]
		cv = cv[:len(ci)]
		for w, j := range ci {
			cv[w] = acc[j]
			acc[j] = 0
		}
	}
}

// firstAtLeast returns the first s in [lo, hi) with ind[s] ≥ v, or hi;
// ind[lo:hi] is ascending.
func firstAtLeast(ind []int, lo, hi, v int) int {
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ind[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// mirrorTask completes a symmetric matrix on S's (symmetric) structure whose
// entries on and above the diagonal are set: for rows [lo, hi), each entry
// (i, j) with j < i is copied from (j, i), which is slot stPerm[w] of slot w.
type mirrorTask struct {
	gd  *gramData
	val []float64
}

func (t *mirrorTask) Run(_, lo, hi int) {
	gd := t.gd
	for i := lo; i < hi; i++ {
		for w := gd.sPtr[i]; w < gd.sDiag[i]; w++ {
			t.val[w] = t.val[gd.stPerm[w]]
		}
	}
}

// lgValues stores the values of L·Xg (lt false) or Lᵀ·Xg (lt true) on the
// structure of LG or LᵀG, for Xg with row-layout values xv.
func (p *Problem) lgValues(d *dispatch, gd *gramData, gw *gramWork, dst, xv []float64, lt bool) {
	a, cptr, cind, flops := p.l, gd.lgPtr, gd.lgInd, gd.fLG
	if lt {
		a, cptr, cind, flops = p.lt, gd.ltgPtr, gd.ltgInd, gd.fLtG
	}
	pat := p.pat
	gw.ensureScratch(p.partsFor(p.n, flops), p.m)
	d.prod = productTask{
		aptr: a.Ptr, aind: a.Ind, aval1: a.Val,
		bptr: pat.rowPtr, bind: pat.rowCol, bval1: xv,
		cptr: cptr, cind: cind, cval: dst,
		acc: &gw.acc, ncols: p.m,
	}
	p.runRange(d, &d.prod, p.n, flops, a.Ptr, 1)
	d.prod = productTask{}
}

// sValues stores on S's structure GᵀV (xtv nil) or XgᵀV + GᵀW (the
// derivative dS for V = LG, W = L·Xg), where V and W have LG's structure and
// gtv, xtv are the column-layout values of G and Xg. If g (or x) is not nil,
// gtv (or xtv) is loaded from it first. When L is symmetric so are S and dS,
// and only their upper triangles are formed.
func (p *Problem) sValues(d *dispatch, gd *gramData, gw *gramWork, dst, gtv, g, v, xtv, x, w []float64) {
	pat := p.pat
	t := productTask{
		aptr: pat.colPtr, aind: pat.colRow, aval1: gtv,
		bptr: gd.lgPtr, bind: gd.lgInd, bval1: v,
		cptr: gd.sPtr, cind: gd.sInd, cval: dst,
		g: g, gpos: pat.colK,
		acc: &gw.acc, ncols: p.m,
	}
	flops := gd.fS
	if xtv != nil {
		// dS = Xgᵀ·LG + Gᵀ·(L Xg): A1 = Xgᵀ (loaded from x), A2 = Gᵀ.
		t.aval1, t.g = xtv, x
		t.aval2, t.bval2 = gtv, w
		flops *= 2
		if g != nil {
			panic("sparsels: internal error: sValues loads one operand")
		}
	}
	if gd.lsym {
		// S and dS are symmetric: form the upper triangle, then mirror it.
		t.bStart, t.cStart = gd.lgUpper, gd.sDiag
		flops /= 2
	}
	gw.ensureScratch(p.partsFor(p.m, flops), p.m)
	d.prod = t
	p.runRange(d, &d.prod, p.m, flops, pat.colPtr, 1)
	d.prod = productTask{}
	if gd.lsym {
		d.mirror = mirrorTask{gd: gd, val: dst}
		p.runRange(d, &d.mirror, p.m, float64(len(gd.sInd)), gd.sPtr, 1)
		d.mirror = mirrorTask{}
	}
}

// gramQuadTask stores M = Q·V·R on S's structure for the values V on S,
// rows [lo, hi) of S. For a non-diagonal Q, zt must hold (V R)ᵀ. If dh is
// not nil it also stores Dh = M − P and, per block of gramBlock rows, the
// energy terms Σ V(M − 2P) in partial and their magnitudes in scale.
type gramQuadTask struct {
	gd                 *gramData
	v, dst, zt         []float64
	dh, partial, scale []float64
}

func (t *gramQuadTask) Run(_, lo, hi int) {
	gd := t.gd
	m := gd.m
	for b0 := lo; b0 < hi; b0 += gramBlock {
		b1 := min(b0+gramBlock, hi)
		for i := b0; i < b1; i++ {
			s0, s1 := gd.sPtr[i], gd.sPtr[i+1]
			cols := gd.sInd[s0:s1]
			out := t.dst[s0:s1]
			out = out[:len(cols)]
			switch gd.qKind {
			case sparsemat.Diag:
				vals := t.v[s0:s1]
				qi := gd.qDiag[i]
				for w, j := range cols {
					out[w] = qi * sparsemat.GatherDot(cols, vals, gd.r[j*m:j*m+m])
				}
			case sparsemat.Sparse:
				q := gd.q
				qi, qv := q.Ind[q.Ptr[i]:q.Ptr[i+1]], q.Val[q.Ptr[i]:q.Ptr[i+1]]
				for w, j := range cols {
					out[w] = sparsemat.GatherDot(qi, qv, t.zt[j*m:j*m+m])
				}
			default:
				qi := gd.qDense[i*m : i*m+m]
				for w, j := range cols {
					out[w] = vec.Dot(qi, t.zt[j*m:j*m+m])
				}
			}
		}
		if t.dh == nil {
			continue
		}
		var e, sc float64
		for w := gd.sPtr[b0]; w < gd.sPtr[b1]; w++ {
			v, mw, pw := t.v[w], t.dst[w], gd.pS[w]
			e += v * (mw - 2*pw)
			sc += math.Abs(v) * (math.Abs(mw) + 2*math.Abs(pw))
			t.dh[w] = mw - pw
		}
		t.partial[b0/gramBlock] = e
		t.scale[b0/gramBlock] = sc
	}
}

// quad stores M = Q·V·R on S's structure into dst; with energy it also
// fills gw.dh, gw.partial and gw.scale as gramQuadTask does.
func (p *Problem) quad(d *dispatch, gd *gramData, gw *gramWork, dst, v []float64, energy bool) {
	m := p.m
	nS := float64(len(gd.sInd))
	if gd.qKind != sparsemat.Diag {
		// Z = V·R (S's rows against the dense R), then Zt = Zᵀ.
		d.gather = sparsemat.GatherKernel{Dst: gw.z, Ptr: gd.sPtr, Ind: gd.sInd, Val: v, X: gd.r, C: m}
		p.runRange(d, &d.gather, m, nS*float64(m), gd.sPtr, 1)
		d.gather = sparsemat.GatherKernel{}
		p.transpose(d, gw.zt, gw.z, m, m, false)
	}
	t := gramQuadTask{gd: gd, v: v, dst: dst, zt: gw.zt}
	if energy {
		t.dh, t.partial, t.scale = gw.dh, gw.partial, gw.scale
	}
	var work float64
	switch gd.qKind {
	case sparsemat.Diag:
		work = nS * nS / float64(m)
	case sparsemat.Sparse:
		work = nS * float64(gd.q.NNZ()) / float64(m)
	default:
		work = nS * float64(m)
	}
	d.gquad = t
	p.runRange(d, &d.gquad, m, work, gd.sPtr, gramBlock)
	d.gquad = gramQuadTask{}
}

// gramSampleTask stores, for the nonzeros (a, b) in columns [lo, hi) of G,
//
//	dst[k] = alpha·( (LG)[a,:]·M1[b,:] + (LᵀG)[a,:]·M1[:,b]
//	               + (LX)[a,:]·M2[b,:] + (LᵀX)[a,:]·M2[:,b] ),
//
// the adjoint of g ↦ S applied to M1 with G's products lg1, ltg1 and to M2
// with lg2, ltg2 (absent when m2 is nil). M1, M2 are values on S's structure;
// lg*, ltg* on the structures of LG and LᵀG. If slots is set, entry k is
// stored at its slot u in G's column layout instead (see Problem.sampleOut).
type gramSampleTask struct {
	slots         bool
	p             *Problem
	gd            *gramData
	dst           []float64
	alpha         float64
	m1, lg1, ltg1 []float64
	m2, lg2, ltg2 []float64
	vec           *[parallel.MaxParts][]float64
}

func (t *gramSampleTask) Run(part, lo, hi int) {
	gd, pat := t.gd, t.p.pat
	m := gd.m
	v := t.vec[part]
	if len(v) < 4*m {
		v = make([]float64, 4*m)
		t.vec[part] = v
	}
	v1, v2, v3, v4 := v[:m], v[m:2*m], v[2*m:3*m], v[3*m:4*m]
	sym := gd.lsym
	for b := lo; b < hi; b++ {
		u0, u1 := pat.colPtr[b], pat.colPtr[b+1]
		if u0 == u1 {
			continue
		}
		scatterRowCol(gd, b, t.m1, v1, v2, sym)
		if t.m2 != nil {
			scatterRowCol(gd, b, t.m2, v3, v4, sym)
		}
		for u := u0; u < u1; u++ {
			a := pat.colRow[u]
			l0, l1 := gd.lgPtr[a], gd.lgPtr[a+1]
			li := gd.lgInd[l0:l1]
			sum := sparsemat.GatherDot(li, t.lg1[l0:l1], v1)
			if t.m2 != nil {
				sum += sparsemat.GatherDot(li, t.lg2[l0:l1], v3)
			}
			if !sym {
				l0, l1 = gd.ltgPtr[a], gd.ltgPtr[a+1]
				li = gd.ltgInd[l0:l1]
				sum += sparsemat.GatherDot(li, t.ltg1[l0:l1], v2)
				if t.m2 != nil {
					sum += sparsemat.GatherDot(li, t.ltg2[l0:l1], v4)
				}
			}
			if t.slots {
				t.dst[u] = t.alpha * sum
			} else {
				t.dst[pat.colK[u]] = t.alpha * sum
			}
		}
	}
}

// scatterRowCol scatters row b of the values mv on S into vr and column b
// into vc; with sym (S structurally symmetric) it stores their sum in vr.
func scatterRowCol(gd *gramData, b int, mv, vr, vc []float64, sym bool) {
	s0, s1 := gd.sPtr[b], gd.sPtr[b+1]
	cols, vals := gd.sInd[s0:s1], mv[s0:s1]
	vals = vals[:len(cols)]
	for w, j := range cols {
		vr[j] = vals[w]
	}
	t0, t1 := gd.stPtr[b], gd.stPtr[b+1]
	rows, perm := gd.stInd[t0:t1], gd.stPerm[t0:t1]
	perm = perm[:len(rows)]
	if sym {
		for w, i := range rows {
			vr[i] += mv[perm[w]]
		}
		return
	}
	for w, i := range rows {
		vc[i] = mv[perm[w]]
	}
}

// sample stores into dst the sampled adjoint of gramSampleTask.
func (p *Problem) sample(d *dispatch, gd *gramData, gw *gramWork, dst []float64, alpha float64, m1, lg1, ltg1, m2, lg2, ltg2 []float64) {
	work := gd.fS + float64(len(gd.sInd))
	if !gd.lsym {
		work += gd.fSt
	}
	if m2 != nil {
		work *= 2
	}
	gw.ensureScratch(p.partsFor(p.m, work), p.m)
	out, slots := p.sampleOut(d, dst, p.m, work)
	d.gsample = gramSampleTask{p: p, gd: gd, dst: out, slots: slots, alpha: alpha,
		m1: m1, lg1: lg1, ltg1: ltg1, m2: m2, lg2: lg2, ltg2: ltg2, vec: &gw.vec}
	p.runRange(d, &d.gsample, p.m, work, p.pat.colPtr, 1)
	d.gsample = gramSampleTask{}
	if slots {
		p.unpermute(d, dst, out, p.invColK)
	}
}

// sDotsTask stores dst[w] = U[i,:]·B[j,:] for the slots w = (i, j) of S in
// rows [lo, hi): the product U Bᵀ on S's structure.
type sDotsTask struct {
	gd   *gramData
	dst  []float64
	u, b []float64
	c    int
}

func (t *sDotsTask) Run(_, lo, hi int) {
	gd, c := t.gd, t.c
	for i := lo; i < hi; i++ {
		ui := vec.Row(t.u, c, i)
		for w := gd.sPtr[i]; w < gd.sPtr[i+1]; w++ {
			t.dst[w] = vec.Dot(ui, vec.Row(t.b, c, gd.sInd[w]))
		}
	}
}

// gramState evaluates the Gram form at g into ws: G's values, LG (and LᵀG if
// withLtG), S, M = Q S R and Dh = M − P. It returns the energy
