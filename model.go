package sparsels

import (
	"fmt"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// Model stores the model Y Gᵀ L G B (r×c) into dst, with G = sparse(i, j, g)
// on p's pattern, so that Residual is X minus it. An empty dst (see
// mat.Dense.IsEmpty) is resized to r×c. It is the way to build a target X
// from a known G, or to see what a solution reproduces.
//
// Model uses the kernels of Residual and has its cost,
// O(nnz(G)·c + nnz(L)·c) plus one product with Y, and allocates nothing
// when dst is r×c. It is safe for concurrent use.
//
// Model panics if len(g) is not the pattern's NNZ or if a non-empty dst is
// not r×c. When r or c is 0 an empty dst stays empty.
func (p *Problem) Model(dst *mat.Dense, g []float64) {
	p.checkG(g)
	if dst.IsEmpty() {
		if p.r == 0 || p.c == 0 {
			return // gonum has no zero-size matrices
		}
		dst.ReuseAs(p.r, p.c)
	}
	if r, c := dst.Dims(); r != p.r || c != p.c {
		panic(fmt.Sprintf("sparsels: Model: dst is %d×%d, want %d×%d", r, c, p.r, p.c))
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	d := p.getDispatch()
	defer p.putDispatch(d)
	p.gMulD(d, ws.gb, ws.gv, p.b, g)     // G B
	p.csrMul(d, p.l, ws.a, ws.gb, p.c)   // L G B
	p.gTMulD(d, ws.gta, ws.gtv, ws.a, g) // Gᵀ L G B
	p.yMul(d, ws.f, ws.gta, false)       // Y Gᵀ L G B
	raw := dst.RawMatrix()
	for i := 0; i < p.r; i++ {
		copy(raw.Data[i*raw.Stride:i*raw.Stride+p.c], vec.Row(ws.f, p.c, i))
	}
}

// CoarseOperator returns the m×m coarse operator S = Gᵀ L G of p's L for
// G = sparse(i, j, g) on p's pattern, as a new CSR matrix with ascending
// column indices. In spectral coarsening it is the coarse Laplacian; with
// Y and B identities, Model is S stored densely.
//
// S is stored on the structure the patterns of G and L imply, whatever the
// values: an entry is kept, possibly as an explicit zero, wherever some
// G[a,i]·L[a,b]·G[b,j] is structurally nonzero. When L is symmetric, S is
// exactly symmetric: each pair of mirrored entries, computed separately,
// is replaced by its mean. The cost is the number of those products plus
// O(nnz(S)·log) for sorting, with O(nnz(LG) + nnz(S) + m) memory. It
// panics if len(g) is not the pattern's NNZ.
func (p *Problem) CoarseOperator(g []float64) *sparse.CSR {
	p.checkG(g)
	return coarseOperator(p.l, p.lt == p.l, p.pat, g)
}

// CoarseOperator returns the coarse operator S = Gᵀ L G (m×m) for the n×n
// matrix L and G = sparse(i, j, g) on the n×m pattern pat, as a new CSR
// matrix with ascending column indices, without building a Problem: for
// example to form the target X = GᵀLG of a known G, or a coarse operator
// in package coarsen. L is read as NewProblem reads it (sparse matrices and
// their transposes through their structure, duplicate entries summed,
// explicit zeros dropped); S's structure, symmetry and cost are those of
// Problem.CoarseOperator, plus O(nnz(L)) to read L when its entries come in
// row order with ascending columns (a CSR matrix with sorted rows), and
// O(nnz(L)·log nnz(L)) otherwise. Non-finite values propagate into S.
//
// It panics if pat is nil, if L is not n×n or if len(g) is not pat.NNZ().
func CoarseOperator(L mat.Matrix, pat *Pattern, g []float64) *sparse.CSR {
	if pat == nil {
		panic("sparsels: CoarseOperator: nil pattern")
	}
	n, _ := pat.Dims()
	if r, c := L.Dims(); r != n || c != n {
		panic(fmt.Sprintf("sparsels: CoarseOperator: L is %d×%d, want %d×%d", r, c, n, n))
	}
	pat.checkValues(g)
	var ts []sparsemat.Triplet
	sparsemat.VisitEntries(L, func(i, j int, v float64) {
		if v != 0 {
			ts = append(ts, sparsemat.Triplet{I: i, J: j, V: v})
		}
	})
	l := sparsemat.NewCSR(n, n, sparsemat.SortSum(ts))
	return coarseOperator(l, l.Transpose().Equal(l), pat, g)
}

// coarseOperator returns GᵀLG for the n×n l and G on pat with values g:
// first the rows of LG, then S[b,:] = Σ_a G[a,b]·(LG)[a,:] over column b of G,
// each row accumulated densely over the columns it touches. When symmetric
// (l equals its transpose), S's structure is symmetric and each entry is
// replaced by the mean of it and its mirror, so that S is exactly symmetric.
func coarseOperator(l *sparsemat.CSR, symmetric bool, pat *Pattern, g []float64) *sparse.CSR {
	n, m := pat.Dims()
	acc := make([]float64, m)
	mark := make([]int, m)
	for j := range mark {
		mark[j] = -1
	}
	var touched []int
	// flush appends the touched columns of acc, sorted, to (ind, val) and
	// clears them.
	flush := func(ind []int, val []float64) ([]int, []float64) {
		slices.Sort(touched)
		for _, j := range touched {
			ind = append(ind, j)
			val = append(val, acc[j])
			acc[j] = 0
		}
		touched = touched[:0]
		return ind, val
	}
	add := func(row, j int, v float64) {
		if mark[j] != row {
			mark[j] = row
			touched = append(touched, j)
		}
		acc[j] += v
	}

	lg := &sparsemat.CSR{Rows: n, Cols: m, Ptr: make([]int, n+1)}
	for a := 0; a < n; a++ {
		for t := l.Ptr[a]; t < l.Ptr[a+1]; t++ {
			b, v := l.Ind[t], l.Val[t]
			for s := pat.rowPtr[b]; s < pat.rowPtr[b+1]; s++ {
				add(a, pat.rowCol[s], v*g[pat.rowK[s]])
			}
		}
		lg.Ind, lg.Val = flush(lg.Ind, lg.Val)
		lg.Ptr[a+1] = len(lg.Ind)
	}

	for j := range mark {
		mark[j] = -1
	}
	ptr := make([]int, m+1)
	var ind []int
	var val []float64
	for b := 0; b < m; b++ {
		for s := pat.colPtr[b]; s < pat.colPtr[b+1]; s++ {
			a, w := pat.colRow[s], g[pat.colK[s]]
			for t := lg.Ptr[a]; t < lg.Ptr[a+1]; t++ {
				add(b, lg.Ind[t], w*lg.Val[t])
			}
		}
		ind, val = flush(ind, val)
		ptr[b+1] = len(ind)
	}
	if symmetric {
		st := (&sparsemat.CSR{Rows: m, Cols: m, Ptr: ptr, Ind: ind, Val: val}).Transpose()
		for s := range val {
			val[s] = 0.5 * (val[s] + st.Val[s])
		}
	}
	return sparse.NewCSR(m, m, ptr, ind, val)
}
