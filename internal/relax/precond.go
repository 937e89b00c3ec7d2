package relax

import (
	"errors"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/cholesky"
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// boundPreconditioner applies M⁻¹ for a symmetric positive definite M.
type boundPreconditioner interface {
	Apply(dst, g []float64)
}

// normalCholesky is M = AᵀA + δI, assembled sparse and factored by the
// sparse Cholesky of package cholesky under a reverse Cuthill-McKee ordering.
type normalCholesky struct{ ch cholesky.Cholesky }

// Apply stores M⁻¹g into dst.
func (n *normalCholesky) Apply(dst, g []float64) { n.ch.SolveTo(dst, g) }

// maxDirectM bounds m for the sparse direct preconditioner, which keeps
// R = BBᵀ dense (m² floats).
const maxDirectM = 4096

// maxDirectFactor bounds the envelope of AᵀA under its ordering, which
// bounds the nonzeros of the Cholesky factor (2²⁵ entries: 512 MiB of
// values and row indices) before the direct preconditioner gives way to
// block Jacobi: large enough for the grid coarsening of examples/bench,
// where block Jacobi does not converge (BENCHMARKS.md, section "Lower
// bound: the direct preconditioner's size limit").
const maxDirectFactor = 1 << 25

// newPreconditioner returns the sparse Cholesky factor of AᵀA + δI when Y
// is diagonal (then AᵀA is sparse: unknowns couple only through a shared
// row of S), m is at most maxDirectM and the factor fits; δ is 1e-12 of
// the largest diagonal entry, raised by 100 until the factorization
// succeeds (at most 1e-4). Otherwise it returns the row-block Jacobi
// preconditioner. The second result names the choice.
func (rx *Relaxation) newPreconditioner() (boundPreconditioner, string) {
	if rx.d.Y.Kind == sparsemat.Diag && rx.m <= maxDirectM {
		if pc, err := rx.normalFactor(1, 0); err == nil {
			return pc, "sparse Cholesky of AᵀA + δI"
		}
	}
	return rx.shiftedPreconditioner(1, 0), "row-block Jacobi"
}

// normalFactor assembles alpha·AᵀA + rho·MᵀM (MᵀM the Frobenius Gram
// matrix of the E_u) for a diagonal Y and factors it with a shift.
func (rx *Relaxation) normalFactor(alpha, rho float64) (*normalCholesky, error) {
	a, maxDiag := rx.assembleNormal(alpha, rho)
	if maxDiag == 0 {
		return nil, errors.New("zero normal matrix")
	}
	nu := rx.Unknowns()
	raw := a.RawMatrix()
	val := raw.Data
	diag := make([]int, nu) // the diagonal is the last entry of each row
	for v := 0; v < nu; v++ {
		diag[v] = raw.Indptr[v+1] - 1
	}
	// Reverse Cuthill-McKee: on coarsening problems it gives less fill than
	// minimum degree (whose cost also grows with the ~4k̄ neighbours per
	// unknown); the envelope bounds the factor's size before anything is
	// allocated.
	perm, err := cholesky.ReverseCuthillMcKee(a)
	if err != nil {
		return nil, err
	}
	if env, _, err := cholesky.Envelope(a, perm); err != nil || env+nu > maxDirectFactor {
		return nil, errors.New("factor too large")
	}
	nc := new(normalCholesky)
	for shift := boundShift * maxDiag; shift <= 1e-2*maxDiag; shift *= 100 {
		for v := 0; v < nu; v++ {
			val[diag[v]] += shift
		}
		err = nc.ch.Factorize(a, perm)
		for v := 0; v < nu; v++ {
			val[diag[v]] -= shift
		}
		if err == nil {
			return nc, nil
		}
	}
	return nil, err
}

// assembleNormal returns the lower triangle of alpha·AᵀA + rho·MᵀM for a
// diagonal Y in compressed rows with ascending columns (so each row ends
// with its diagonal), and its largest diagonal entry.
func (rx *Relaxation) assembleNormal(alpha, rho float64) (*sparse.CSR, float64) {
	m, c := rx.m, rx.c
	b := rx.d.B
	r := make([]float64, m*m) // R = BBᵀ
	for j := 0; j < m; j++ {
		for l := 0; l <= j; l++ {
			v := vec.Dot(b[j*c:j*c+c], b[l*c:l*c+c])
			r[j*m+l], r[l*m+j] = v, v
		}
	}
	q := rx.d.Y.Diag
	// The entries of every E_u by row of S.
	type ent struct {
		u, col int
		coef   float64
	}
	byRow := make([][]ent, m)
	for u := 0; u < rx.Unknowns(); u++ {
		for t := rx.uPtr[u]; t < rx.uPtr[u+1]; t++ {
			s := rx.slot[t]
			i := rx.rowOf[s]
			byRow[i] = append(byRow[i], ent{u, rx.ind[s], rx.coef[t]})
		}
	}
	// N_uv = Σ_i q_i² Σ coef·coef'·R[j, l] over entries (i, j) of E_u and
	// (i, l) of E_v, accumulated per column u in a map of the lower
	// triangle.
	nu := rx.Unknowns()
	cols := make([]map[int]float64, nu)
	for u := range cols {
		cols[u] = map[int]float64{}
	}
	for i, es := range byRow {
		qi := q[i] * q[i]
		for _, e1 := range es {
			for _, e2 := range es {
				if e2.u < e1.u {
					continue
				}
				v := alpha * qi * r[e1.col*m+e2.col]
				if e1.col == e2.col {
					v += rho
				}
				cols[e1.u][e2.u] += v * e1.coef * e2.coef
			}
		}
	}
	var maxDiag float64
	for u := range cols {
		maxDiag = max(maxDiag, cols[u][u])
	}
	// Lower triangle in CSR: row v holds columns u ≤ v.
	ptr := make([]int, nu+1)
	for u := range cols {
		for v := range cols[u] {
			ptr[v+1]++
		}
	}
	for v := 0; v < nu; v++ {
		ptr[v+1] += ptr[v]
	}
	ind := make([]int, ptr[nu])
	val := make([]float64, ptr[nu])
	next := append([]int(nil), ptr[:nu]...)
	for u := range cols {
		for v, x := range cols[u] {
			ind[next[v]] = u
			val[next[v]] = x
			next[v]++
		}
	}
	for v := 0; v < nu; v++ {
		lo, hi := ptr[v], ptr[v+1]
		sparsemat.SortSlots(ind[lo:hi], val[lo:hi])
	}
	return sparse.NewCSR(nu, nu, ptr, ind, val), maxDiag
}

// boundShift is the first relative shift δ of the direct preconditioner.
const boundShift = 1e-12
