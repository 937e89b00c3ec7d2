package sparsels

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/vec"
)

// Jacobian stores J = ∂vec(f)/∂g, the (r·c)×nnz Jacobian of the residual,
// into dst. An empty dst is resized, except when r·c or nnz is zero, when it
// stays empty. Column k, for the nonzero (a, b) of G, is
//
//	J[:, k] = −vec(Y[:,b]·(LGB)[a,:] + (YGᵀL)[:,a]·B[b,:]),
//
// two outer products, with vec column-major: row p + q·r of J is the
// derivative of f[p, q]. J is linear in g; it is zero at g = 0.
//
// The cost is O(r·c·nnz) to fill dst plus O(nnz(G)·c + nnz(L)·c) set-up.
// Prefer JacobianOperator for products with J, and GaussNewton for JᵀJ.
//
// Jacobian panics if len(g) is not the pattern's NNZ, if a non-empty dst is not
// (r·c)×nnz, or if (r·c)·nnz does not fit in memory.
func (p *Problem) Jacobian(dst *mat.Dense, g []float64) {
	p.checkG(g)
	rc, nnz := p.r*p.c, p.pat.NNZ()
	if (rc == 0 || nnz == 0) && dst.IsEmpty() {
		// gonum has no matrix with a zero dimension (ReuseAs panics), so an
		// empty dst stays empty when J has no rows or no columns.
		return
	}
	if dst.IsEmpty() {
		if nnz != 0 && rc > maxElements/nnz {
			panic(fmt.Sprintf("sparsels: Jacobian: %d×%d matrix too large", rc, nnz))
		}
		dst.ReuseAs(rc, nnz)
	}
	if r, c := dst.Dims(); r != rc || c != nnz {
		panic(fmt.Sprintf("sparsels: Jacobian: dst is %d×%d, want %d×%d", r, c, rc, nnz))
	}
	if rc == 0 || nnz == 0 {
		return
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)

	raw := dst.RawMatrix()
	r, c := p.r, p.c
	ycol := make([]float64, r)
	z := make([]float64, r)
	pat := p.pat
	for a := 0; a < p.n; a++ {
		if pat.rowPtr[a] == pat.rowPtr[a+1] {
			continue
		}
		p.zColumn(&ws.acc, z, a, ws.gv)
		alpha := vec.Row(ws.a, c, a)
		for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
			b, k := pat.rowCol[s], pat.rowK[s]
			zero(ycol)
			p.y.AddCol(ycol, b, 1)
			beta := vec.Row(p.b, c, b)
			for q := 0; q < c; q++ {
				aq, bq := alpha[q], beta[q]
				for pp := 0; pp < r; pp++ {
					raw.Data[(pp+q*r)*raw.Stride+k] = -(ycol[pp]*aq + z[pp]*bq)
				}
			}
		}
	}
}

// rowAccumulator is the scratch space for rows of LᵀG (a sparse accumulator
// over the m columns) and columns z_a of YGᵀL (length r). Each goroutine
// needs its own.
type rowAccumulator struct {
	hval         []float64 // m, values
	hmark, hlist []int     // m stamps, and the nonzero columns
	stamp        int
	z            []float64 // r
}

// rowLG gathers row a of LᵀG, for G's row-layout values gv, into acc: the
// nonzero columns are acc.hlist and their values acc.hval.
func (p *Problem) rowLG(acc *rowAccumulator, a int, gv []float64) {
	if acc.hval == nil {
		acc.hval = make([]float64, p.m)
		acc.hmark = make([]int, p.m)
		acc.hlist = make([]int, 0, 64)
	}
	acc.stamp++
	acc.hlist = acc.hlist[:0]
	pat := p.pat
	for t := p.lt.Ptr[a]; t < p.lt.Ptr[a+1]; t++ {
		a2, lv := p.lt.Ind[t], p.lt.Val[t]
		for s := pat.rowPtr[a2]; s < pat.rowPtr[a2+1]; s++ {
			b := pat.rowCol[s]
			if acc.hmark[b] != acc.stamp {
				acc.hmark[b] = acc.stamp
				acc.hval[b] = 0
				acc.hlist = append(acc.hlist, b)
			}
			acc.hval[b] += lv * gv[s]
		}
	}
}

// zColumn stores z = (YGᵀL)[:,a] = Y·(LᵀG)[a,:]ᵀ into the length-r vector z.
func (p *Problem) zColumn(acc *rowAccumulator, z []float64, a int, gv []float64) {
	p.rowLG(acc, a, gv)
	zero(z)
	for _, b := range acc.hlist {
		p.y.AddCol(z, b, acc.hval[b])
	}
}
