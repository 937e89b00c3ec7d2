package sparsels

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// The Gauss-Newton matrix from Gram matrices. With y_b = Y[:,b],
// α_a = (LGB)[a,:], z_a = (YGᵀL)[:,a] and β_b = B[b,:], column k = (a, b) of J
// is −vec(y_b α_aᵀ + z_a β_bᵀ), so for k = (a, b) and l = (a', b')
//
//	(JᵀJ)[k,l] = (y_b·y_b')(α_a·α_a') + (y_b·z_a')(α_a·β_b')
//	           + (z_a·y_b')(β_b·α_a') + (z_a·z_a')(β_b·β_b').

// GaussNewton stores the Gauss-Newton matrix JᵀJ (nnz×nnz, without the factor
// 2 of ∇²E) into dst, from Gram matrices of the columns of Y, the rows of
// LGB, the columns of YGᵀL and the rows of B restricted to the rows and
// columns of G that hold nonzeros; J itself is never formed. An empty dst is
// resized, except for an empty pattern (nnz = 0), when it stays empty.
//
// With n' nonempty rows and m' nonempty columns of G, the set-up costs
// O((n'+m')²·(r+c)) and filling dst O(nnz²).
//
// GaussNewton panics if len(g) is not the pattern's NNZ, if a non-empty dst
// is not nnz×nnz, or if nnz² does not fit in memory.
func (p *Problem) GaussNewton(dst *mat.SymDense, g []float64) {
	p.checkG(g)
	nnz := p.pat.NNZ()
	p.prepareSym(dst, nnz, "GaussNewton")
	if nnz == 0 {
		return
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)
	p.gaussNewtonTo(dst, ws)
}

func (p *Problem) prepareSym(dst *mat.SymDense, nnz int, name string) {
	if nnz == 0 && dst.IsEmpty() {
		// A 0×0 result: gonum has no such matrix (ReuseAsSym(0) panics),
		// so an empty dst stays empty.
		return
	}
	if dst.IsEmpty() {
		if nnz != 0 && nnz > maxElements/nnz {
			panic(fmt.Sprintf("sparsels: %s: %d×%d matrix too large", name, nnz, nnz))
		}
		dst.ReuseAsSym(nnz)
	}
	if dst.SymmetricDim() != nnz {
		panic(fmt.Sprintf("sparsels: %s: dst is %d×%d, want %d×%d", name, dst.SymmetricDim(), dst.SymmetricDim(), nnz, nnz))
	}
}

// gaussNewtonTo fills dst with JᵀJ at the point whose forward state is in ws.
func (p *Problem) gaussNewtonTo(dst *mat.SymDense, ws *workspace) {
	pat := p.pat
	r, c := p.r, p.c
	// Compact indices of the nonempty rows and columns of G.
	rowID := make([]int, p.n)
	var rows []int
	for a := 0; a < p.n; a++ {
		rowID[a] = -1
		if pat.rowPtr[a] < pat.rowPtr[a+1] {
			rowID[a] = len(rows)
			rows = append(rows, a)
		}
	}
	colID := make([]int, p.m)
	var cols []int
	for b := 0; b < p.m; b++ {
		colID[b] = -1
		if pat.colPtr[b] < pat.colPtr[b+1] {
			colID[b] = len(cols)
			cols = append(cols, b)
		}
	}
	nu, mu := len(rows), len(cols)

	// Rows of Au, Zu are α_a, z_a for the nonempty rows; rows of Bu, Yu are
	// β_b, y_b for the nonempty columns.
	// With c = 0 (or r = 0) the Gram products are zero; a zero column keeps
	// them so without asking gonum for a matrix with no columns, which
	// panics.
	au := mat.NewDense(nu, max(c, 1), nil)
	zu := mat.NewDense(nu, max(r, 1), nil)
	for i, a := range rows {
		copy(au.RawRowView(i)[:c], vec.Row(ws.a, c, a))
		p.zColumn(&ws.acc, zu.RawRowView(i)[:r], a, ws.gv)
	}
	bu := mat.NewDense(mu, max(c, 1), nil)
	yu := mat.NewDense(mu, max(r, 1), nil)
	for i, b := range cols {
		copy(bu.RawRowView(i)[:c], vec.Row(p.b, c, b))
		p.y.AddCol(yu.RawRowView(i)[:r], b, 1)
	}
	var gyy, gzz, gaa, gbb mat.SymDense
	gyy.SymOuterK(1, yu)
	gzz.SymOuterK(1, zu)
	gaa.SymOuterK(1, au)
	gbb.SymOuterK(1, bu)
	var gyz, gab mat.Dense
	gyz.Mul(yu, zu.T()) // mu×nu: y_b·z_a
	gab.Mul(au, bu.T()) // nu×mu: α_a·β_b

	nnz := pat.NNZ()
	for k := 0; k < nnz; k++ {
		a, b := rowID[pat.i[k]], colID[pat.j[k]]
		for l := k; l < nnz; l++ {
			a2, b2 := rowID[pat.i[l]], colID[pat.j[l]]
			v := gyy.At(b, b2)*gaa.At(a, a2) + gyz.At(b, a2)*gab.At(a, b2) +
				gyz.At(b2, a)*gab.At(a2, b) + gzz.At(a, a2)*gbb.At(b, b2)
			dst.SetSym(k, l, v)
		}
	}
}

// GaussNewtonDiag stores the diagonal of JᵀJ into dst and returns it; a nil
// dst is allocated. Entry k = (a, b) is
//
//	‖y_b‖²‖α_a‖² + 2(y_b·z_a)(α_a·β_b) + ‖z_a‖²‖β_b‖².
//
// The cost is that of a Residual plus O(nnz·c) and, for each row a of G, the
// O(nnz((LᵀG)[a,:])) work to form z_a: O(1) per entry for a diagonal Y, O(r)
// for a dense one.
func (p *Problem) GaussNewtonDiag(dst, g []float64) []float64 {
	p.checkG(g)
	if dst == nil {
		dst = make([]float64, len(g))
	}
	p.pat.checkValues(dst)
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)
	p.rowGram(ws)
	pat := p.pat
	for a := 0; a < p.n; a++ {
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b := pat.rowCol[s]
			bb := vec.Row(p.b, p.c, b)
			dst[pat.rowK[s]] = p.y.ColDot(b, b)*ws.alphaN[a] + 2*ws.yz[s]*ws.ab[s] + ws.zNorm[a]*vec.Dot(bb, bb)
		}
	}
	return dst
}

// rowGram computes, at the point in ws, for every row a of G the squared
// norms ‖α_a‖² and ‖z_a‖² (ws.alphaN, ws.zNorm) and for every slot s = (a, b)
// of the row layout y_b·z_a and α_a·β_b (ws.yz, ws.ab).
func (p *Problem) rowGram(ws *workspace) {
	n, nnz := p.n, p.pat.NNZ()
	if len(ws.alphaN) != n {
		ws.alphaN = make([]float64, n)
		ws.zNorm = make([]float64, n)
	}
	if len(ws.yz) != nnz {
		ws.yz = make([]float64, nnz)
		ws.ab = make([]float64, nnz)
	}
	// Rows are independent: split them across goroutines, each with its
	// own accumulator (the first uses the workspace's).
	parallel.For(p.maxThreads(), n, float64(nnz)*float64(p.c), func(part, lo, hi int) {
		acc := &ws.acc
		if part > 0 {
			acc = new(rowAccumulator)
		}
		p.rowGramRange(ws, acc, lo, hi)
	})
}

// rowGramRange computes rowGram's quantities for the rows [lo, hi).
func (p *Problem) rowGramRange(ws *workspace, acc *rowAccumulator, lo, hi int) {
	c := p.c
	diagY := p.y.Kind == sparsemat.Diag
	if !diagY && len(acc.z) != p.r {
		acc.z = make([]float64, p.r)
	}
	pat := p.pat
	for a := lo; a < hi; a++ {
		s0, s1 := pat.rowPtr[a], pat.rowPtr[a+1]
		if s0 == s1 {
			ws.alphaN[a], ws.zNorm[a] = 0, 0
			continue
		}
		alpha := vec.Row(ws.a, c, a)
		ws.alphaN[a] = sumSquares(alpha)
		if diagY {
			// z_a[j] = d_j·h_j with h = (LᵀG)[a,:], so y_b·z_a = d_b²·h_b.
			p.rowLG(acc, a, ws.gv)
			d := p.y.Diag
			var zn float64
			for _, b := range acc.hlist {
				v := d[b] * acc.hval[b]
				zn += v * v
			}
			ws.zNorm[a] = zn
			for s := s0; s < s1; s++ {
				b := pat.rowCol[s]
				var yz float64
				if acc.hmark[b] == acc.stamp {
					yz = d[b] * d[b] * acc.hval[b]
				}
				ws.yz[s] = yz
			}
		} else {
			p.zColumn(acc, acc.z, a, ws.gv)
			ws.zNorm[a] = sumSquares(acc.z)
			for s := s0; s < s1; s++ {
				ws.yz[s] = p.y.ColDotVec(pat.rowCol[s], acc.z)
			}
		}
		for s := s0; s < s1; s++ {
			ws.ab[s] = vec.Dot(alpha, vec.Row(p.b, c, pat.rowCol[s]))
		}
	}
}

// BlockDiag is a block-diagonal matrix with one dense symmetric block per row
// of a Pattern: block a couples the nonzeros of row a of G, in the order of
// Pattern.RowIndices(a) (ascending column). It is the block-Jacobi part of
// JᵀJ that GaussNewtonBlocks computes.
type BlockDiag struct {
	pat  *Pattern
	off  []int     // block a is data[off[a]:off[a+1]], row-major
	data []float64 // Σ_a p_a² entries, p_a the nonzeros in row a
}

// NewBlockDiag returns a zero BlockDiag shaped by the rows of p.
func NewBlockDiag(p *Pattern) *BlockDiag {
	off := make([]int, p.rows+1)
	for a := 0; a < p.rows; a++ {
		sz := p.rowPtr[a+1] - p.rowPtr[a]
		off[a+1] = off[a] + sz*sz
	}
	return &BlockDiag{pat: p, off: off, data: make([]float64, off[p.rows])}
}

// Pattern returns the pattern that shapes d.
func (d *BlockDiag) Pattern() *Pattern { return d.pat }

// Block returns block a, row-major and of order len(d.Pattern().RowIndices(a)),
// as a view into d's storage.
func (d *BlockDiag) Block(a int) []float64 { return d.data[d.off[a]:d.off[a+1]] }

// rowPairs holds y_b·y_b' and β_b·β_b' for every pair of nonzeros (a, b),
// (a, b') in one row of G, in BlockDiag layout. They do not depend on g.
type rowPairs struct {
	yy, bb *BlockDiag
}

func (p *Problem) rowPairGrams() *rowPairs {
	p.pairOnce.Do(func() {
		pat := p.pat
		rp := &rowPairs{yy: NewBlockDiag(pat), bb: NewBlockDiag(pat)}
		for a := 0; a < p.n; a++ {
			cols := pat.RowColumns(a)
			sz := len(cols)
			yy, bb := rp.yy.Block(a), rp.bb.Block(a)
			for i, b := range cols {
				for j := i; j < sz; j++ {
					b2 := cols[j]
					vy := p.y.ColDot(b, b2)
					vb := vec.Dot(vec.Row(p.b, p.c, b), vec.Row(p.b, p.c, b2))
					yy[i*sz+j], yy[j*sz+i] = vy, vy
					bb[i*sz+j], bb[j*sz+i] = vb, vb
				}
			}
		}
		p.pairs = rp
	})
	return p.pairs
}

// GaussNewtonBlocks stores into dst the diagonal blocks of JᵀJ that couple
// the nonzeros of each row of G, and returns dst; a nil dst is allocated.
// For k = (a, b) and l = (a, b') in row a,
//
//	(JᵀJ)[k,l] = (y_b·y_b')‖α_a‖² + (y_b·z_a)(α_a·β_b') + (y_b'·z_a)(α_a·β_b) + ‖z_a‖²(β_b·β_b').
//
// The g-independent products y_b·y_b' and β_b·β_b' are computed once per
// Problem, at the first call; afterwards a call costs about as much as
// GaussNewtonDiag plus O(Σ_a p_a²). It panics if dst was made for a
// pattern that is not Equal to p's or if len(g) is not the pattern's NNZ.
func (p *Problem) GaussNewtonBlocks(dst *BlockDiag, g []float64) *BlockDiag {
	p.checkG(g)
	if dst == nil {
		dst = NewBlockDiag(p.pat)
	}
	if !dst.pat.Equal(p.pat) {
		panic("sparsels: GaussNewtonBlocks: dst belongs to another pattern")
	}
	pairs := p.rowPairGrams()
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)
	p.rowGram(ws)
	pat := p.pat
	for a := 0; a < p.n; a++ {
		s0 := pat.rowPtr[a]
		sz := pat.rowPtr[a+1] - s0
		blk, yy, bb := dst.Block(a), pairs.yy.Block(a), pairs.bb.Block(a)
		na, nz := ws.alphaN[a], ws.zNorm[a]
		yz, ab := ws.yz[s0:s0+sz], ws.ab[s0:s0+sz]
		for i := 0; i < sz; i++ {
			for j := i; j < sz; j++ {
				v := yy[i*sz+j]*na + yz[i]*ab[j] + yz[j]*ab[i] + nz*bb[i*sz+j]
				blk[i*sz+j], blk[j*sz+i] = v, v
			}
		}
	}
	return dst
}
