package sparsels

import (
	"fmt"

	"github.com/sparsels/sparsels/internal/bytesize"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// EstimateMemory returns an estimate, in bytes, of the memory that
// NewProblem and Solve with the settings set (nil means the defaults)
// allocate together for a problem with G n×m holding nnz entries, L n×n
// holding nnzL stored entries, Y r×m holding nnzY stored entries (r·m when
// dense) and X r×c. It is computed in floating point, so huge dimensions
// cannot overflow it, and it is meant to be compared with a budget before
// anything is allocated.
//
// The estimate is an upper bound of the live heap, measured after a
// collection at every iteration (TestMemoryEstimate), on problems with n
// from 5·10⁴ to 10⁶ rows and c from 1 to 8; peak resident memory, measured
// with /usr/bin/time, is lower (pages that are allocated but never written
// are not resident). It assumes the direct form, which needs more than the
// Gram form. Per row of G it counts 48 bytes of index arrays for the
// Problem (pattern, L and Lᵀ, permutations) and, for the solver, blocks of
// n×c floats: 21 for the second-order methods (workspaces of four blocks
// held by the solver, its Jacobian operators and concurrent evaluations)
// and 5.5 for NAdam and LBFGS, plus 64 and 32 bytes per row of n-sized
// vectors (constraints, preconditioner, row norms). To that it adds the
// dense operands (X, B, and Y twice), 48 bytes per entry of G and of L, 30
// vectors of nnz values, and the 4·nnz² values of the dense linear path
// when Solve would choose it (see Settings.Linear).
func EstimateMemory(n, m, r, c, nnz, nnzL, nnzY int, set *Settings) float64 {
	s := set.withDefaults()
	N, C := float64(n), float64(c)
	bytes := 48*N + 8*(float64(r)*C+float64(m)*C) + 16*float64(nnzY) + 48*(float64(nnz)+float64(nnzL))
	var blocks, perRow float64
	switch s.Method {
	case Auto, NewtonTrustRegion, GaussNewtonLineSearch, LevenbergMarquardt, QuasiNewton:
		blocks, perRow = 21, 64
	default: // NAdam, LBFGS
		blocks, perRow = 5.5, 32
	}
	bytes += blocks*8*N*C + perRow*N + 30*8*float64(nnz)
	if s.Method == QuasiNewton || s.Method == Auto && nnz > autoNewtonMax {
		bytes += 2 * qnMemory * 8 * float64(nnz) // curvature pairs
	}
	if s.Method != NAdam && s.Method != LBFGS && s.Method != QuasiNewton {
		if d := denseLinearBytes(nnz, &s); d > 0 {
			bytes += d
		}
	}
	return bytes
}

// denseLinearBytes returns the bytes of the dense linear path, 4·nnz²
// float64 values, if Solve with the defaulted settings s would take it, and
// 0 otherwise; it follows the rule of Settings.Linear (LinearAuto: at most
// DenseMaxNNZ nonzeros, a quarter of it for NewtonTrustRegion, and within
// MemoryLimit).
func denseLinearBytes(nnz int, s *Settings) float64 {
	d := 4 * 8 * float64(nnz) * float64(nnz)
	switch s.Linear {
	case LinearDense:
		return d
	case LinearAuto:
		limit := s.DenseMaxNNZ
		if s.Method == Auto || s.Method == NewtonTrustRegion {
			limit /= 4
		}
		if nnz <= limit && d <= float64(s.MemoryLimit) {
			return d
		}
	}
	return 0
}

// memoryEstimate is EstimateMemory for the problem p.
func (p *Problem) memoryEstimate(set *Settings) float64 {
	nnzY := p.r * p.m
	if p.y.Kind == sparsemat.Sparse {
		nnzY = len(p.y.Sp.Ind)
	} else if p.y.Kind != sparsemat.Dense {
		nnzY = min(p.r, p.m)
	}
	return EstimateMemory(p.n, p.m, p.r, p.c, p.pat.NNZ(), p.l.NNZ(), nnzY, set)
}

// memoryError returns the error for a problem whose estimated memory need
// exceeds limit, or nil: Solve should call it before allocating, as
//
//	if err := p.memoryError(set, set.MemoryLimit); err != nil { return nil, err }
func (p *Problem) memoryError(set *Settings, limit int64) error {
	need := p.memoryEstimate(set)
	if need <= float64(limit) {
		return nil
	}
	n, m, r, c := p.Dims()
	return fmt.Errorf("sparsels: Solve: the problem (G %d×%d with %d entries, X %d×%d) needs about %s for NewProblem and Solve, over MemoryLimit (%s)",
		n, m, p.pat.NNZ(), r, c, bytesize.Format(need), bytesize.Format(float64(limit)))
}
