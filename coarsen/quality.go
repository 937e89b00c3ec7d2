package coarsen

import (
	"context"
	"fmt"
	"math"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/eigs"
)

// NullTol is the relative size below which EigenvalueErrors treats a fine
// eigenvalue as zero: λ_i ≤ NullTol·λ_{k−1} (the constant vector of a
// Laplacian, one per connected component).
const NullTol = 1e-8

// Quality holds the published measures of how well the coarse pencil
// (Lc, Mc) keeps the k lowest eigenpairs of the fine pencil (L, M).
type Quality struct {
	// FineValues and CoarseValues are the k smallest eigenvalues of (L, M)
	// and of (Lc, Mc), ascending.
	FineValues, CoarseValues []float64
	// CoarseVectors is the m×k matrix Φc of Mc-orthonormal eigenvectors of
	// (Lc, Mc).
	CoarseVectors *mat.Dense
	// EigenvalueErrors[i] is the relative error |λc_i − λ_i|/λ_i (see
	// EigenvalueErrors for zero λ_i).
	EigenvalueErrors []float64
	// MeanEigenvalueError and MaxEigenvalueError summarize EigenvalueErrors
	// over the non-zero fine eigenvalues.
	MeanEigenvalueError, MaxEigenvalueError float64
	// FunctionalMap is the k×k matrix C = Φcᵀ Mc P Φ.
	FunctionalMap *mat.Dense
	// OffDiagonalEnergy is ‖C − diag(C)‖²_F / ‖C‖²_F: 0 for a perfectly
	// diagonal map, the paper's main figure of merit.
	OffDiagonalEnergy float64
}

// Measure computes the quality of the coarse pencil (Lc, diag(mc)) against
// the fine eigenpairs (values, vectors) of (L, M), the n×k matrix vectors
// holding M-orthonormal eigenvectors by ascending eigenvalue; roots[c] is the
// fine vertex of coarse vertex c (the injection P). It computes the k smallest
// eigenpairs of (Lc, Mc) with eigs.Smallest and settings s (nil for the
// defaults), then the eigenvalue errors and the functional map. k must be
// below m; pass the first m−1 fine eigenpairs otherwise.
//
// Measure returns the error of eigs.Smallest, or an error if k ≥ m. It panics
// if Lc is not m×m with m = len(mc) = len(roots), a root is out of range, or
// len(values) differs from the columns of vectors.
func Measure(values []float64, vectors *mat.Dense, Lc *sparse.CSR, mc []float64, roots []int, s *eigs.Settings) (*Quality, error) {
	n, k := vectors.Dims()
	m := len(mc)
	if r, c := Lc.Dims(); r != m || c != m || len(roots) != m {
		panic(fmt.Sprintf("coarsen: Lc is %d×%d with %d masses and %d roots", r, c, m, len(roots)))
	}
	if len(values) != k {
		panic(fmt.Sprintf("coarsen: %d eigenvalues for %d eigenvectors", len(values), k))
	}
	for c, r := range roots {
		if uint(r) >= uint(n) {
			panic(fmt.Sprintf("coarsen: root %d of coarse vertex %d out of range [0, %d)", r, c, n))
		}
	}
	if k >= m {
		return nil, fmt.Errorf("coarsen: cannot measure %d eigenpairs on %d coarse vertices (want k < m)", k, m)
	}
	cv, phic, err := eigs.Smallest(context.Background(), Lc, mc, k, s)
	if err != nil {
		return nil, fmt.Errorf("coarsen: coarse eigenpairs: %w", err)
	}
	q := &Quality{FineValues: values, CoarseValues: cv, CoarseVectors: phic}
	q.EigenvalueErrors, q.MeanEigenvalueError, q.MaxEigenvalueError = EigenvalueErrors(nil, values, cv)
	q.FunctionalMap = FunctionalMap(nil, phic, mc, vectors, roots)
	q.OffDiagonalEnergy = OffDiagonalEnergy(q.FunctionalMap)
	return q, nil
}

// EigenvalueErrors stores in dst the relative errors of the coarse
// eigenvalues against the fine ones, both ascending,
//
//	dst[i] = |coarse[i] − fine[i]| / fine[i],
//
// except that for a fine eigenvalue in the null space, fine[i] ≤
// NullTol·fine[k−1], the error is taken relative to fine[k−1] instead (a
// relative error of zero is undefined). mean and worst are the mean and the
// largest dst[i] over the other eigenvalues (0 if there are none). If dst is
// nil a new slice is allocated. EigenvalueErrors panics if the lengths
// differ.
func EigenvalueErrors(dst, fine, coarse []float64) (errs []float64, mean, worst float64) {
	k := len(fine)
	if len(coarse) != k {
		panic(fmt.Sprintf("coarsen: %d fine and %d coarse eigenvalues", k, len(coarse)))
	}
	if dst == nil {
		dst = make([]float64, k)
	}
	if len(dst) != k {
		panic(fmt.Sprintf("coarsen: len(dst) = %d, want %d", len(dst), k))
	}
	if k == 0 {
		return dst, 0, 0
	}
	top := math.Abs(fine[k-1])
	var cnt int
	for i, f := range fine {
		d := math.Abs(coarse[i] - f)
		if f <= NullTol*top {
			dst[i] = d / top
			if top == 0 {
				dst[i] = d
			}
			continue
		}
		dst[i] = d / f
		mean += dst[i]
		worst = math.Max(worst, dst[i])
		cnt++
	}
	if cnt > 0 {
		mean /= float64(cnt)
	}
	return dst, mean, worst
}

// FunctionalMap computes the k×k functional map C = Φcᵀ Mc P Φ between the
// fine eigenvectors Φ (n×k) and the coarse eigenvectors Φc (m×k, columns
// Mc-orthonormal), Mc = diag(mc) and P the m×n injection P(c, roots[c]) = 1:
//
//	C[i, j] = Σ_c Φc[c, i] mc[c] Φ[roots[c], j].
//
// C[i, j] is the coordinate of the transferred fine eigenvector j on the
// coarse eigenvector i; a coarsening that keeps the spectrum gives a
// diagonal C up to signs (and rotations within repeated eigenvalues).
// Changing the sign of an eigenvector changes the sign of a row or column of
// C only.
//
// If dst is nil a new matrix is allocated; otherwise it must be k×k.
// FunctionalMap panics if the shapes do not agree or a root is out of range.
func FunctionalMap(dst *mat.Dense, coarseVectors *mat.Dense, mc []float64, fineVectors *mat.Dense, roots []int) *mat.Dense {
	m, k := coarseVectors.Dims()
	n, kf := fineVectors.Dims()
	if len(mc) != m || len(roots) != m || kf != k {
		panic(fmt.Sprintf("coarsen: Φc is %d×%d, Φ is %d×%d, %d masses, %d roots", m, k, n, kf, len(mc), len(roots)))
	}
	pb := mat.NewDense(m, k, nil)
	for c, r := range roots {
		if uint(r) >= uint(n) {
			panic(fmt.Sprintf("coarsen: root %d of coarse vertex %d out of range [0, %d)", r, c, n))
		}
		row := pb.RawRowView(c)
		copy(row, fineVectors.RawRowView(r))
		for j := range row {
			row[j] *= mc[c]
		}
	}
	if dst == nil {
		dst = mat.NewDense(k, k, nil)
	} else if r, c := dst.Dims(); r != k || c != k {
		panic(fmt.Sprintf("coarsen: dst is %d×%d, want %d×%d", r, c, k, k))
	}
	dst.Mul(coarseVectors.T(), pb)
	return dst
}

// OffDiagonalEnergy returns ‖C − diag(C)‖²_F / ‖C‖²_F for a square C, the
// share of C's energy off its diagonal: 0 when C is diagonal, and the same
// for any change of sign of C's rows and columns. It returns 0 for C = 0 and
// panics if C is not square.
func OffDiagonalEnergy(C mat.Matrix) float64 {
	r, c := C.Dims()
	if r != c {
		panic(fmt.Sprintf("coarsen: C is %d×%d, not square", r, c))
	}
	var off, all float64
	for i := range r {
		for j := range c {
			v := C.At(i, j)
			all += v * v
			if i != j {
				off += v * v
			}
		}
	}
	if all == 0 {
		return 0
	}
	return off / all
}
