package coarsen

import (
	"context"
	"fmt"
	"math"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/eigs"
)

// NullTol is the relative size below which an eigenvalue counts as zero:
// λ ≤ NullTol·scale, where scale bounds the largest eigenvalue of the pencil
// (see EigenvalueErrors). The constant vector of a Laplacian, one per
// connected component, has such an eigenvalue.
const NullTol = 1e-8

// SpuriousOverlap is the overlap below which a coarse eigenvector counts as
// spurious: it is the i-th coarse eigenvector, i among the first ⌈0.9k⌉, and
// every entry of row i of the functional map C has magnitude below
// SpuriousOverlap, so it matches no fine eigenvector.
const SpuriousOverlap = 0.5

// Quality holds the published measures of how well the coarse pencil
// (Lc, Mc) keeps the k lowest eigenpairs of the fine pencil (L, M), and two
// counts of spurious coarse eigenpairs.
type Quality struct {
	// FineValues and CoarseValues are the k smallest eigenvalues of (L, M)
	// and of (Lc, Mc), ascending.
	FineValues, CoarseValues []float64
	// CoarseVectors is the m×k matrix Φc of Mc-orthonormal eigenvectors of
	// (Lc, Mc).
	CoarseVectors *mat.Dense
	// EigenvalueErrors[i] is the relative error |λc_i − λ_i|/λ_i, or the
	// error relative to the scale for a zero λ_i (see EigenvalueErrors).
	EigenvalueErrors []float64
	// MeanEigenvalueError and MaxEigenvalueError summarize EigenvalueErrors
	// over the non-zero fine eigenvalues.
	MeanEigenvalueError, MaxEigenvalueError float64
	// FunctionalMap is the k×k matrix C = Φcᵀ Mc P Φ.
	FunctionalMap *mat.Dense
	// OffDiagonalEnergy is ‖C − diag(C)‖²_F / ‖C‖²_F: 0 for a perfectly
	// diagonal map, the paper's main figure of merit.
	OffDiagonalEnergy float64
	// Spurious counts the coarse eigenvectors among the first ⌈0.9k⌉ that
	// match no fine eigenvector (see SpuriousOverlap).
	Spurious int
	// Unmatched counts the coarse eigenvectors among the first ⌈0.9k⌉
	// whose overlap with the fine eigenvectors of nearby index, the norm of
	// C[i, i−2..i+2], is below SpuriousOverlap (UnmatchedRows). Unlike
	// Spurious it does not count a coarse eigenvector that mixes up to three
	// fine ones of nearly equal eigenvalue, which shapes with symmetries have.
	Unmatched int
	// Excess is the number of coarse eigenvalues below Sigma minus the
	// number of fine ones: a count of spurious low modes that does not
	// depend on eigenvectors. Sigma lies in the widest relative gap of the
	// upper half of the k fine eigenvalues, so that errors of the coarse
	// eigenvalues smaller than the gap do not change the counts.
	Excess int
	Sigma  float64
}

// Defects returns the number of spurious coarse eigenpairs that the monitor
// ranks by: the larger of Unmatched and a positive Excess, two counts of the
// same defect (a spurious low mode adds a coarse eigenvalue below Sigma and
// a coarse eigenvector that matches no fine one near its index).
func (q *Quality) Defects() int { return max(q.Unmatched, q.Excess, 0) }

// Measure computes the quality of the coarse pencil (Lc, diag(mc)) against
// the fine eigenpairs (values, vectors) of (L, M), the n×k matrix vectors
// holding M-orthonormal eigenvectors by ascending eigenvalue; roots[c] is the
// fine vertex of coarse vertex c (the injection P). It computes the smallest
// eigenpairs of (Lc, Mc) with eigs.Smallest and settings s (nil for the
// defaults): the k that are compared and a few more, up to m−1, to count the
// coarse eigenvalues below Quality.Sigma. scale bounds the largest eigenvalue
// of (L, M) and sets which eigenvalues count as zero (see EigenvalueErrors);
// Scale computes one. k must be below m; pass the first m−1 fine eigenpairs
// otherwise.
//
// Measure returns the error of eigs.Smallest, which wraps ctx.Err() when ctx
// is done, or an error if k ≥ m. It panics if Lc is not m×m with m = len(mc)
// = len(roots), a root is out of range, or len(values) differs from the
// columns of vectors.
func Measure(ctx context.Context, values []float64, vectors *mat.Dense, Lc *sparse.CSR, mc []float64, roots []int, scale float64, s *eigs.Settings) (*Quality, error) {
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
	kc := min(m-1, k+max(2, k/10))
	cv, phic, err := eigs.Smallest(ctx, Lc, mc, kc, s)
	if err != nil {
		return nil, fmt.Errorf("coarsen: coarse eigenpairs: %w", err)
	}
	q := &Quality{FineValues: values, CoarseValues: cv[:k], CoarseVectors: phic.Slice(0, m, 0, k).(*mat.Dense)}
	q.EigenvalueErrors, q.MeanEigenvalueError, q.MaxEigenvalueError = EigenvalueErrors(nil, values, q.CoarseValues, scale)
	q.FunctionalMap = FunctionalMap(nil, q.CoarseVectors, mc, vectors, roots)
	q.OffDiagonalEnergy = OffDiagonalEnergy(q.FunctionalMap)
	q.Spurious = SpuriousRows(q.FunctionalMap)
	q.Unmatched = UnmatchedRows(q.FunctionalMap)
	q.Sigma, q.Excess = excess(values, cv)
	return q, nil
}

// Scale returns max_i 2·Σ_j |L_ij| / mass_i, a bound on the largest
// eigenvalue of L u = λ M u (Gershgorin), for EigenvalueErrors and Measure.
// It panics if L is not n×n with n = len(mass).
func Scale(L *sparse.CSR, mass []float64) float64 {
	indptr, _, data := rawCSR(L, len(mass))
	var s float64
	for i, w := range mass {
		var r float64
		for _, v := range data[indptr[i]:indptr[i+1]] {
			r += math.Abs(v)
		}
		s = math.Max(s, 2*r/w)
	}
	return s
}

// SpuriousRows returns the number of rows i < ⌈0.9k⌉ of the k×k functional
// map C whose entries are all below SpuriousOverlap in magnitude: coarse
// eigenvectors that match no fine one. The last tenth is left out because a
// coarse eigenvector there may match a fine one beyond k.
func SpuriousRows(C *mat.Dense) int {
	return rowsBelow(C, func(row []float64, _ int) float64 {
		var big float64
		for _, v := range row {
			big = math.Max(big, math.Abs(v))
		}
		return big
	})
}

// UnmatchedRows returns the number of rows i < ⌈0.9k⌉ of the k×k
// functional map C whose entries C[i, j], |j − i| ≤ 2, have a norm below
// SpuriousOverlap: coarse eigenvectors that match no fine eigenvector of
// nearby index, not even as a mix of up to three.
func UnmatchedRows(C *mat.Dense) int {
	return rowsBelow(C, func(row []float64, i int) float64 {
		var s float64
		for _, v := range row[max(i-2, 0):min(i+3, len(row))] {
			s += v * v
		}
		return math.Sqrt(s)
	})
}

// rowsBelow counts the rows i < ⌈0.9k⌉ of the k×k matrix C whose overlap
// overlap(C[i, :], i) is below SpuriousOverlap.
func rowsBelow(C *mat.Dense, overlap func(row []float64, i int) float64) int {
	k, _ := C.Dims()
	var cnt int
	for i := range (9*k + 9) / 10 {
		if overlap(C.RawRowView(i), i) < SpuriousOverlap {
			cnt++
		}
	}
	return cnt
}

// excess places sigma in the widest relative gap λ_{j+1}/λ_j of the fine
// eigenvalues with k/2 ≤ j+1 < k and returns it with the number of coarse
// eigenvalues below it minus the number of fine ones (j+1). A count that
// reaches the end of coarse is a lower bound. It returns 0, 0 for fewer than
// two positive fine eigenvalues in that range.
func excess(fine, coarse []float64) (sigma float64, extra int) {
	k := len(fine)
	best, below := 1.0, 0
	for j := max(k/2, 1) - 1; j+1 < k; j++ {
		if fine[j] > 0 && fine[j+1]/fine[j] > best {
			best, below = fine[j+1]/fine[j], j+1
		}
	}
	if below == 0 {
		return 0, 0
	}
	sigma = math.Sqrt(fine[below-1] * fine[below])
	cnt := 0
	for _, v := range coarse {
		if v < sigma {
			cnt++
		}
	}
	return sigma, cnt - below
}

// EigenvalueErrors stores in dst the errors of the coarse eigenvalues
// against the fine ones, both ascending,
//
//	dst[i] = |coarse[i] − fine[i]| / fine[i],
//
// except that for a fine eigenvalue that counts as zero, fine[i] ≤
// NullTol·scale, the error is taken relative to scale instead (a relative
// error of zero is undefined): dst[i] = |coarse[i] − fine[i]| / scale. scale
// should bound the largest eigenvalue of the fine pencil (Scale computes
// one); scale ≤ 0 means the largest |fine[i]|. mean and worst are the mean
// and the largest dst[i] over the non-zero fine eigenvalues, or over all of
// them if every one is zero. If dst is nil a new slice is allocated.
// EigenvalueErrors panics if the lengths differ.
func EigenvalueErrors(dst, fine, coarse []float64, scale float64) (errs []float64, mean, worst float64) {
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
	if !(scale > 0) {
		scale = 0
		for _, f := range fine {
			scale = math.Max(scale, math.Abs(f))
		}
	}
	var cnt int
	var zmean, zworst float64
	for i, f := range fine {
		d := math.Abs(coarse[i] - f)
		if f <= NullTol*scale {
			dst[i] = d
			if scale > 0 {
				dst[i] = d / scale
			}
			zmean += dst[i]
			zworst = math.Max(zworst, dst[i])
			continue
		}
		dst[i] = d / f
		mean += dst[i]
		worst = math.Max(worst, dst[i])
		cnt++
	}
	if cnt == 0 {
		return dst, zmean / float64(k), zworst
	}
	return dst, mean / float64(cnt), worst
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
