package sparsels

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/vec"
)

// Residual stores the residual f = X − Y Gᵀ L G B (r×c) into dst, with
// G = sparse(i, j, g) on p's pattern. An empty dst (see mat.Dense.IsEmpty) is
// resized to r×c.
//
// The cost is O(nnz(G)·c + nnz(L)·c) plus one product with Y, which is O(r·c)
// for a diagonal Y. Residual always uses the direct form (see NewProblem).
//
// Residual panics if len(g) is not the pattern's NNZ or if a non-empty dst is
// not r×c. When r or c is 0 an empty dst stays empty.
func (p *Problem) Residual(dst *mat.Dense, g []float64) {
	p.checkG(g)
	if dst.IsEmpty() {
		if p.r == 0 || p.c == 0 {
			return // an empty residual: gonum has no zero-size matrices
		}
		dst.ReuseAs(p.r, p.c)
	}
	if r, c := dst.Dims(); r != p.r || c != p.c {
		panic(fmt.Sprintf("sparsels: Residual: dst is %d×%d, want %d×%d", r, c, p.r, p.c))
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)
	raw := dst.RawMatrix()
	for i := 0; i < p.r; i++ {
		copy(raw.Data[i*raw.Stride:i*raw.Stride+p.c], vec.Row(ws.f, p.c, i))
	}
}

// Energy returns E(g) = ‖X − Y Gᵀ L G B‖²_F. In the direct form its cost is
// that of Residual; in the Gram form (see NewProblem) it is
// O(nnz(L)·p̄ + nnz(G)·s̄ + Σ_i s_i²) for a diagonal Y, with p̄ the mean
// nonzeros per row of G, s̄ the mean nonzeros per row of LG and s_i those of
// row i of S = GᵀLG, and it does not depend on c.
// It panics if len(g) is not the pattern's NNZ.
func (p *Problem) Energy(g []float64) float64 {
	p.checkG(g)
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	d := p.getDispatch()
	defer p.putDispatch(d)
	if p.plan.grad {
		e, scale := p.gramState(d, ws, g, false)
		if gramEnergyOK(e, scale) {
			return e
		}
	}
	return p.forwardD(d, ws, g)
}
