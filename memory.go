package sparsels

import (
	"github.com/sparsels/sparsels/internal/bytesize"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// EstimateMemory returns an estimate, in bytes, of the memory that
// NewProblem and Solve with the settings set (nil means the defaults)
// allocate together for a problem with G n×m holding nnz entries, L n×n
// holding nnzL stored entries, Y r×m holding nnzY stored entries (r·m when
// dense) and X r×c. It is computed in floating point, so huge dimensions
// cannot overflow it, and it is meant to be compared with a budget before
// anything is allocated. It panics if set.Method is not a Method.
//
// The estimate is meant as an upper bound of the live heap, checked after
// a collection at every iteration (TestMemoryEstimate); peak resident
// memory is lower (pages that are allocated but never written are not
// resident). It assumes the direct form, which needs more than the Gram
// form. It counts, per row of G, the index arrays of the Problem (pattern,
// L and Lᵀ, permutations) and the solver's blocks of n×c floats and
// n-sized vectors; the dense operands (X, B, and Y twice); per entry of G
// and of L, their index arrays and the solver's vectors of nnz values; the
// curvature pairs of QuasiNewton; and the 4·nnz² values of the dense linear
// path when Solve would choose it. Auto and LinearAuto are resolved by the
// rules Solve applies (Method.Resolve, Settings.Linear), with the free
// values of set.Constraints if given and rows of G equally full.
func EstimateMemory(n, m, r, c, nnz, nnzL, nnzY int, set *Settings) float64 {
	s := set.withDefaults()
	dim := nnz
	if s.Constraints != nil {
		dim = s.Constraints.Dim()
	}
	return estimateMemory(n, m, r, c, nnz, nnzL, nnzY, &s, evenShape(n, nnz, dim, nnzL, c))
}

// memorySpec is a method's share of EstimateMemory: blocks of n×c floats
// and bytes per row of G, and bytes per entry of G.
type memorySpec struct {
	blocks, perRow, perNNZ float64
	// rowSquares counts the vectors of Σ_a p_a² floats (p_a the entries of
	// row a), estimated as nnz²/n, that the method keeps besides the
	// local model's: block-Jacobi factors.
	rowSquares float64
}

var (
	// secondOrderMemory: workspaces of four n×c blocks, one for each of the
	// solver's two Jacobian operators (current and trial point) and one in
	// the Problem's pool, which evaluations, the operators' products and the
	// line probe borrow in turn, plus two blocks of margin; constraints,
	// preconditioner and row norms per row; 30 vectors of nnz values.
	secondOrderMemory = memorySpec{blocks: 14, perRow: 64, perNNZ: 30 * 8}
	// quasiNewtonMemory adds the curvature pairs.
	quasiNewtonMemory = memorySpec{blocks: 14, perRow: 64, perNNZ: 30*8 + 2*qnMemory*8}
	// hybridMemory adds the Gauss-Newton steps' block-Jacobi
	// preconditioner: its factors and their inverses, and two offsets per
	// row.
	hybridMemory = memorySpec{blocks: 14, perRow: 64 + 16, perNNZ: 30*8 + 2*qnMemory*8, rowSquares: 2}
	// firstOrderMemory: NAdam's and LBFGS's evaluations only.
	firstOrderMemory = memorySpec{blocks: 5.5, perRow: 32, perNNZ: 30 * 8}
)

// estimateMemory is EstimateMemory with defaulted settings s on a problem
// of shape sh.
func estimateMemory(n, m, r, c, nnz, nnzL, nnzY int, s *Settings, sh costShape) float64 {
	meth := s.Method
	if meth == Auto {
		meth = autoMethod(sh.dim)
	}
	if !meth.valid() {
		panic("sparsels: EstimateMemory: unknown method " + meth.String())
	}
	spec := meth.spec()
	N, C := float64(n), float64(c)
	bytes := 48*N + 8*(float64(r)*C+float64(m)*C) + 16*float64(nnzY) + 48*(float64(nnz)+float64(nnzL))
	mem := spec.memory
	bytes += mem.blocks*8*N*C + mem.perRow*N + mem.perNNZ*float64(nnz)
	if n > 0 {
		bytes += mem.rowSquares * 8 * float64(nnz) * float64(nnz) / N
	}
	if spec.linear == linearSystems && s.resolveLinear(spec.curvature, sh) == LinearDense {
		bytes += denseBytes(nnz)
	}
	return bytes
}

// memoryEstimate is EstimateMemory for the problem p, with its pattern's
// rows.
func (p *Problem) memoryEstimate(set *Settings) float64 {
	nnzY := p.r * p.m
	if p.y.Kind == sparsemat.Sparse {
		nnzY = len(p.y.Sp.Ind)
	} else if p.y.Kind != sparsemat.Dense {
		nnzY = min(p.r, p.m)
	}
	s := set.withDefaults()
	return estimateMemory(p.n, p.m, p.r, p.c, p.pat.NNZ(), p.l.NNZ(), nnzY, &s, p.costShape(s.Constraints))
}

// memoryError returns the error, wrapping ErrMemoryLimit, for a problem
// whose estimated memory need exceeds limit, or nil: Solve calls it before
// allocating.
func (p *Problem) memoryError(set *Settings, limit int64) error {
	need := p.memoryEstimate(set)
	if need <= float64(limit) {
		return nil
	}
	n, m, r, c := p.Dims()
	return invalidf(ErrMemoryLimit, "sparsels: Solve: the problem (G %d×%d with %d entries, X %d×%d) needs about %s for NewProblem and Solve, over MemoryLimit (%s)",
		n, m, p.pat.NNZ(), r, c, bytesize.Format(need), bytesize.Format(float64(limit)))
}
