package sparsels

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sparsels/sparsels/internal/vec"
)

// Solve minimizes E(g) = ‖X − Y Gᵀ L G B‖²_F (plus s.Lambda·‖g − s.Ref‖²)
// over the values g of G on p's pattern, starting from g0, subject to
// s.Constraints if given. A nil s means default Settings.
//
// The start is first projected onto the constraints. Every accepted step
// decreases the energy and stays in the constraints' null space (the iterate
// is re-projected after each step to remove rounding drift), so Result.G is
// the best iterate found. A start where the gradient and the Jacobian both
// vanish (g0 = 0 is one) returns status StationaryStart.
//
// Solve returns an error for invalid arguments, naming the culprit: a nil p
// or non-finite values in g0 or Settings.Ref (wrapping ErrInput), wrong
// lengths or constraints for another pattern (ErrShape), negative or
// out-of-range Settings (ErrSettings), a problem whose estimated memory
// exceeds an explicit Settings.MemoryLimit (ErrMemoryLimit); when the
// energy or gradient becomes NaN or infinite at an accepted point (wrapping
// ErrNotFinite), when ctx is done (ctx.Err(), status Canceled), and when the
// callback returns an error other than ErrStop. Whenever the Result is not
// nil it holds the best iterate found so far; iteration and time limits are
// not errors: check Result.Status.
func Solve(ctx context.Context, p *Problem, g0 []float64, s *Settings) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if p == nil {
		return nil, invalidf(ErrInput, "sparsels: Solve: nil problem")
	}
	if s != nil {
		if err := s.validate(); err != nil {
			return nil, err
		}
	}
	set := s.withDefaults()
	if err := checkSolveArgs(p, g0, &set); err != nil {
		return nil, err
	}
	if err := set.Constraints.checkFor("Solve", p.pat); err != nil {
		return nil, invalid(ErrShape, err)
	}
	cs := set.Constraints
	if cs == nil {
		cs = unconstrained(p.pat)
	}
	if !set.Method.valid() {
		return nil, invalidf(ErrSettings, "sparsels: Solve: unknown method %v", set.Method)
	}
	set.Method = set.Method.Resolve(p, set.Constraints)
	set.defaultIterations()
	if s != nil && s.MemoryLimit > 0 {
		// An explicit budget covers everything Solve allocates.
		if err := p.memoryError(&set, set.MemoryLimit); err != nil {
			return nil, err
		}
	}
	sv := newSolver(ctx, p, set, cs, g0)
	r, err := sv.spec.run(sv)
	if set.Bound && r != nil && err == nil {
		t := time.Now()
		bd, berr := LowerBound(ctx, p, set.Constraints, nil)
		r.Times.Bound = time.Since(t)
		r.Times.Total += r.Times.Bound
		if berr != nil {
			return r, fmt.Errorf("sparsels: Solve: lower bound: %w", berr)
		}
		r.Bound = bd
	}
	return r, err
}

// checkSolveArgs validates the arguments of Solve that do not depend on the
// method, other than the fields Settings.validate checks.
func checkSolveArgs(p *Problem, g0 []float64, set *Settings) error {
	nnz := p.pat.NNZ()
	if len(g0) != nnz {
		return invalidf(ErrShape, "sparsels: Solve: g0 has length %d, pattern has %d nonzeros", len(g0), nnz)
	}
	if k := vec.FirstNonFinite(g0); k >= 0 {
		return invalidf(ErrInput, "sparsels: Solve: g0[%d] = %v is not finite", k, g0[k])
	}
	if set.Lambda < 0 || math.IsNaN(set.Lambda) || math.IsInf(set.Lambda, 0) {
		return invalidf(ErrSettings, "sparsels: Solve: Lambda = %v, want a finite value ≥ 0", set.Lambda)
	}
	if set.Ref != nil {
		if len(set.Ref) != nnz {
			return invalidf(ErrShape, "sparsels: Solve: Ref has length %d, pattern has %d nonzeros", len(set.Ref), nnz)
		}
		if k := vec.FirstNonFinite(set.Ref); k >= 0 {
			return invalidf(ErrInput, "sparsels: Solve: Ref[%d] = %v is not finite", k, set.Ref[k])
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
