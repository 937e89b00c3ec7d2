// Package relax holds the convex relaxation behind sparsels.LowerBound: the
// coarse operator S = GᵀLG of E(g) = ‖X − Y GᵀLG B‖²_F replaced by a free
// m×m matrix on the coarse pattern of GᵀLG (symmetric, and with S·c = 0
// when the constraints allow), minimized by preconditioned CGLS with a
// certified estimate of the remaining error, and optionally over S ⪰ 0 by
// ADMM.
package relax

import (
	"time"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// Kind is the set of m×m matrices the relaxation minimizes over.
type Kind int

const (
	General    Kind = iota // S free on the coarse pattern
	Symmetric              // S symmetric on the coarse pattern
	NullVector             // S symmetric with S·c = 0
)

// Data is the problem the relaxation bounds: X r×c and B m×c row-major, Y
// r×m in the storage chosen for it.
type Data struct {
	M, R, C int
	X, B    []float64
	Y       *sparsemat.Operand
}

// Settings are the limits of Solve and PSD, all positive.
type Settings struct {
	Tolerance     float64 // target of the estimated error relative to φ
	MaxIterations int     // CGLS iterations
	PSDIterations int     // ADMM iterations
}

// Result is what Solve and PSD find, in the terms of sparsels.Bound: Solve
// sets Value = max(0, Plain), Plain = Relaxed − ErrorEstimate, Relaxed (φ
// at the last iterate), ErrorEstimate, Converged, Iterations and appends the
// preconditioner to Notes; PSD sets the PSD fields.
type Result struct {
	Value, Plain, Relaxed, ErrorEstimate float64
	Converged                            bool
	Iterations                           int
	Notes                                string

	PSD, PSDResidual float64
	PSDIterations    int
	PSDTime          time.Duration
}
