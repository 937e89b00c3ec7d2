package relax

import (
	"sort"

	"github.com/sparsels/sparsels/internal/krylov"
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// Relaxation is the linear least-squares problem min_s ‖x − A s‖² behind
// sparsels.LowerBound: the coarse operator S = GᵀLG replaced by a free m×m matrix
// S(s) = Σ_u s_u E_u on the coarse pattern P, with A s = vec(Y S(s) B).
//
// P is stored in compressed rows (ptr, ind; rowOf gives the row of a slot).
// Unknown u is the sparse matrix E_u with entries coef[t] at the slots
// slot[t], t in uPtr[u]:uPtr[u+1]; its unknowns are grouped by the row of
// their first entry into the blocks blk[i]:blk[i+1] of the preconditioner.
type Relaxation struct {
	d          *Data
	m, r, c    int
	kind       Kind
	ptr, ind   []int
	rowOf      []int
	uPtr, slot []int
	coef       []float64
	blk        []int
	nullVec    []float64 // the vector c of S·c = 0 (kind NullVector)

	sv, sb, ysb, ytr, samp []float64 // scratch: S on P, S·B, Y·S·B, Yᵀ·R, samples
}

// CoarsePattern returns the structure of Hᵀ|L|H in compressed rows, H the
// 0/1 pattern of the n×m matrix G given by its compressed columns (colPtr,
// colRow) and rows (rowPtr, rowCol): the slots where GᵀLG can be nonzero.
func CoarsePattern(m int, colPtr, colRow, rowPtr, rowCol []int, l *sparsemat.CSR) (ptr, ind []int) {
	mark := make([]int, m)
	for b := range mark {
		mark[b] = -1
	}
	ptr = make([]int, m+1)
	var cols []int
	for a := 0; a < m; a++ {
		cols = cols[:0]
		for s := colPtr[a]; s < colPtr[a+1]; s++ {
			i := colRow[s]
			for t := l.Ptr[i]; t < l.Ptr[i+1]; t++ {
				j := l.Ind[t]
				for _, b := range rowCol[rowPtr[j]:rowPtr[j+1]] {
					if mark[b] != a {
						mark[b] = a
						cols = append(cols, b)
					}
				}
			}
		}
		sort.Ints(cols)
		ind = append(ind, cols...)
		ptr[a+1] = len(ind)
	}
	return ptr, ind
}

// New returns the relaxation of the given kind for the data d on the coarse
// pattern P = (ptr, ind) (see CoarsePattern); for NullVector, nv is the
// vector c with S·c = 0 (no zero entries) and every row of P with an
// off-diagonal entry holds its diagonal.
func New(d *Data, kind Kind, ptr, ind []int, nv []float64) *Relaxation {
	rx := &Relaxation{d: d, m: d.M, r: d.R, c: d.C, kind: kind, ptr: ptr, ind: ind, nullVec: nv}
	rx.rowOf = make([]int, len(ind))
	for a := 0; a < rx.m; a++ {
		for s := ptr[a]; s < ptr[a+1]; s++ {
			rx.rowOf[s] = a
		}
	}
	rx.uPtr = []int{0}
	rx.blk = []int{0}
	add := func(s int, v float64) {
		rx.slot = append(rx.slot, s)
		rx.coef = append(rx.coef, v)
	}
	for a := 0; a < rx.m; a++ {
		for s := ptr[a]; s < ptr[a+1]; s++ {
			b := ind[s]
			switch {
			case kind == General:
				add(s, 1)
			case b < a || (b == a && kind == NullVector):
				continue
			case b == a:
				add(s, 1)
			default:
				add(s, 1)
				add(rx.find(b, a), 1)
				if kind == NullVector {
					add(rx.find(a, a), -nv[b]/nv[a])
					add(rx.find(b, b), -nv[a]/nv[b])
				}
			}
			rx.uPtr = append(rx.uPtr, len(rx.slot))
		}
		rx.blk = append(rx.blk, len(rx.uPtr)-1)
	}
	rx.sv = make([]float64, len(ind))
	rx.samp = make([]float64, len(ind))
	rx.sb = make([]float64, rx.m*rx.c)
	rx.ytr = make([]float64, rx.m*rx.c)
	rx.ysb = make([]float64, rx.r*rx.c)
	return rx
}

// find returns the slot of (a, b) in P, or −1.
func (rx *Relaxation) find(a, b int) int {
	lo, hi := rx.ptr[a], rx.ptr[a+1]
	s := lo + sort.SearchInts(rx.ind[lo:hi], b)
	if s < hi && rx.ind[s] == b {
		return s
	}
	return -1
}

// Unknowns returns the number of unknowns s.
func (rx *Relaxation) Unknowns() int { return len(rx.uPtr) - 1 }

// MatrixValues stores the values of S(s) on the slots of P into dst.
func (rx *Relaxation) MatrixValues(dst, s []float64) {
	vec.Zero(dst)
	for u, su := range s {
		for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
			dst[rx.slot[t]] += rx.coef[t] * su
		}
	}
}

// apply stores dst = A s = vec(Y S(s) B), r×c row-major.
func (rx *Relaxation) apply(dst, s []float64) {
	rx.MatrixValues(rx.sv, s)
	sparsemat.GatherMul(rx.sb, rx.ptr, rx.ind, rx.sv, rx.d.B, rx.c, 0, rx.m)
	rx.d.Y.Mul(dst, rx.sb, rx.c)
}

// adjoint stores dst = Aᵀ v: the samples of Yᵀ V Bᵀ on P combined by the
// coefficients of each unknown.
func (rx *Relaxation) adjoint(dst, v []float64) {
	c := rx.c
	rx.d.Y.MulT(rx.ytr, v, c)
	b := rx.d.B
	for a := 0; a < rx.m; a++ {
		ya := rx.ytr[a*c : a*c+c]
		for s := rx.ptr[a]; s < rx.ptr[a+1]; s++ {
			j := rx.ind[s]
			rx.samp[s] = vec.Dot(ya, b[j*c:j*c+c])
		}
	}
	rx.combine(dst, rx.samp)
}

// gramQ returns a function for Q = YᵀY entries.
func (rx *Relaxation) gramQ() func(i, k int) float64 {
	return rx.d.Y.ColDot
}

// gramR returns a function for R = BBᵀ entries.
func (rx *Relaxation) gramR() func(j, l int) float64 {
	b, c := rx.d.B, rx.c
	return func(j, l int) float64 { return vec.Dot(b[j*c:j*c+c], b[l*c:l*c+c]) }
}

// shiftedPreconditioner returns the row-block Jacobi preconditioner of
// alpha·AᵀA + rho·MᵀM, where MᵀM is the Frobenius Gram matrix of the E_u:
// one block per row of P, entry (u, v) Σ coef·coef'·(alpha·Q[i,k]·R[j,l] +
// rho·[(i,j) = (k,l)]) over the entries (i,j) of E_u and (k,l) of E_v, with
// Q = YᵀY and R = BBᵀ. A singular block is shifted (see
// krylov.BlockJacobi.Factor): a preconditioner need only be positive
// definite.
func (rx *Relaxation) shiftedPreconditioner(alpha, rho float64) *krylov.BlockJacobi {
	q, rr := rx.gramQ(), rx.gramR()
	bj := krylov.NewBlockJacobi(rx.blk, 1)
	bj.Factor(0, 0, func(_, i int, f []float64) {
		lo, hi := rx.blk[i], rx.blk[i+1]
		k := hi - lo
		for u := lo; u < hi; u++ {
			for v := u; v < hi; v++ {
				var sum, fro float64
				for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
					s1 := rx.slot[t]
					ii, jj := rx.rowOf[s1], rx.ind[s1]
					for w := rx.uPtr[v]; w < rx.uPtr[v+1]; w++ {
						s2 := rx.slot[w]
						cc := rx.coef[t] * rx.coef[w]
						sum += cc * q(ii, rx.rowOf[s2]) * rr(jj, rx.ind[s2])
						if s1 == s2 {
							fro += cc
						}
					}
				}
				x := alpha*sum + rho*fro
				f[(u-lo)*k+v-lo], f[(v-lo)*k+u-lo] = x, x
			}
		}
	})
	return bj
}

// meanNormalDiag returns the mean diagonal entry of AᵀA.
func (rx *Relaxation) meanNormalDiag() float64 {
	q, rr := rx.gramQ(), rx.gramR()
	var sum float64
	for u := 0; u < rx.Unknowns(); u++ {
		for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
			s1 := rx.slot[t]
			for w := rx.uPtr[u]; w < rx.uPtr[u+1]; w++ {
				s2 := rx.slot[w]
				sum += rx.coef[t] * rx.coef[w] * q(rx.rowOf[s1], rx.rowOf[s2]) * rr(rx.ind[s1], rx.ind[s2])
			}
		}
	}
	return sum / float64(max(rx.Unknowns(), 1))
}

// combine stores dst_u = Σ coef·v[slot] over the entries of E_u: the
// inner products ⟨E_u, V⟩ for the matrix V given by its values v on P.
func (rx *Relaxation) combine(dst, v []float64) {
	for u := range dst {
		var sum float64
		for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
			sum += rx.coef[t] * v[rx.slot[t]]
		}
		dst[u] = sum
	}
}

// pcgShifted improves s for (2AᵀA + rho·MᵀM) s = rhs by at most maxIter
// preconditioned CG steps from s, stopping when the residual is below tol
// times the right-hand side's norm.
func (rx *Relaxation) pcgShifted(s, rhs []float64, rho float64, pc boundPreconditioner, maxIter int, tol float64) {
	q := make([]float64, len(rx.d.X))
	op := func(dst, v []float64) {
		rx.apply(q, v)
		rx.adjoint(dst, q)
		rx.MatrixValues(rx.samp, v)
		for u := range dst {
			var sum float64
			for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
				sum += rx.coef[t] * rx.samp[rx.slot[t]]
			}
			dst[u] = 2*dst[u] + rho*sum
		}
	}
	krylov.PCG(op, pc.Apply, rhs, s, true, tol, maxIter, krylov.NewWork(len(s)))
}
