package sparsels

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/vec"
)

// Hessian stores the exact Hessian of E into dst (nnz×nnz); an empty dst is
// resized. Since f is quadratic in g,
//
//	∇²E = 2(JᵀJ + Σ_q f_q ∇²f_q),
//
// and for k = (a, b), l = (a', b') the second term is
// −(L[a,a']·T[b,b'] + L[a',a]·T[b',b]) with T = Yᵀ f Bᵀ: it is nonzero only
// where L couples the rows of the two nonzeros, and it is assembled by
// walking L's pattern, with each needed entry of T computed as a length-c dot
// product; the m×m matrix T is never formed. The first term is GaussNewton's.
//
// The cost is GaussNewton's plus O(c·Σ_a Σ_{a'∈L[a,:]} p_a·p_a'), p_a the
// nonzeros in row a of G. It panics as GaussNewton does.
func (p *Problem) Hessian(dst *mat.SymDense, g []float64) {
	p.checkG(g)
	nnz := p.pat.NNZ()
	p.prepareSym(dst, nnz, "Hessian")
	if nnz == 0 {
		return
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, g)
	p.gaussNewtonTo(dst, ws)
	raw := dst.RawSymmetric()
	for k := 0; k < nnz; k++ {
		d := raw.Data[k*raw.Stride+k : k*raw.Stride+nnz]
		for i := range d {
			d[i] *= 2
		}
	}
	p.y.MulT(ws.ytf, ws.f, p.c)
	c := p.c
	pat := p.pat
	for a := 0; a < p.n; a++ {
		for t := p.l.Ptr[a]; t < p.l.Ptr[a+1]; t++ {
			a2, lv := p.l.Ind[t], p.l.Val[t]
			for s := pat.rowPtr[a]; s < pat.rowPtr[a+1]; s++ {
				k, ytfb := pat.rowK[s], vec.Row(ws.ytf, c, pat.rowCol[s])
				for s2 := pat.rowPtr[a2]; s2 < pat.rowPtr[a2+1]; s2++ {
					l := pat.rowK[s2]
					// M[k,l] = L[a,a']·T[b,b'] enters as −2(M + Mᵀ).
					v := lv * vec.Dot(ytfb, vec.Row(p.b, c, pat.rowCol[s2]))
					if k == l {
						raw.Data[k*raw.Stride+k] -= 4 * v
					} else {
						i, j := min(k, l), max(k, l)
						raw.Data[i*raw.Stride+j] -= 2 * v
					}
				}
			}
		}
	}
}

// secondOrderRowBounds stores into dst (length n), for each row a of G, the
// Gershgorin bound on the spectral radius of the diagonal block, over row a's
// nonzeros, of the second-order part ½∇²E − JᵀJ = Σ_q f_q ∇²f_q at the
// operator's point: the block has entries −L[a,a]·(T[b,b'] + T[b',b]) with
// T = Yᵀ f Bᵀ. Solvers add it to the Gauss-Newton blocks to build a positive
// definite preconditioner for the exact Hessian. The cost is O(c·Σ_a p_a²).
func (op *JacobianOperator) secondOrderRowBounds(dst []float64) {
	p := op.p
	c := p.c
	pat := p.pat
	ytf := op.residualYt()
	maxP := 0
	for a := 0; a < p.n; a++ {
		maxP = max(maxP, pat.rowPtr[a+1]-pat.rowPtr[a])
	}
	work := float64(c) * float64(maxP) * float64(pat.NNZ())
	parallel.For(p.maxThreads(), p.n, work, func(_, lo, hi int) {
		rowSums := make([]float64, maxP)
		for a := lo; a < hi; a++ {
			dst[a] = 0
			var laa float64
			for t := p.l.Ptr[a]; t < p.l.Ptr[a+1]; t++ {
				if p.l.Ind[t] == a {
					laa = p.l.Val[t]
					break
				}
			}
			if laa == 0 {
				continue
			}
			cols := pat.rowCol[pat.rowPtr[a]:pat.rowPtr[a+1]]
			sums := rowSums[:len(cols)]
			for i := range sums {
				sums[i] = 0
			}
			for i, b := range cols {
				for j := i; j < len(cols); j++ {
					b2 := cols[j]
					v := math.Abs(vec.Dot(vec.Row(ytf, c, b), vec.Row(p.b, c, b2)) + vec.Dot(vec.Row(ytf, c, b2), vec.Row(p.b, c, b)))
					sums[i] += v
					if j != i {
						sums[j] += v
					}
				}
			}
			for _, s := range sums {
				dst[a] = math.Max(dst[a], math.Abs(laa)*s)
			}
		}
	})
}
