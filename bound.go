package sparsels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparsels/sparsels/internal/relax"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// BoundKind is the relaxation LowerBound minimizes over: the set of m×m
// matrices S that contains every coarse operator GᵀLG of the problem.
type BoundKind int

const (
	// BoundGeneral relaxes S to any matrix on the coarse pattern P (the
	// structure of Hᵀ|L|H, H the 0/1 pattern of G). It is used when L is
	// not symmetric.
	BoundGeneral BoundKind = iota
	// BoundSymmetric relaxes S to the symmetric matrices on P. It is used
	// when L is symmetric and the constraints imply nothing on S.
	BoundSymmetric
	// BoundNullVector relaxes S to the symmetric matrices on P with
	// S·c = 0. It is used when L is symmetric and the constraints are a
	// single equation per row, G·c = d, with L·d = 0 (the partition of unity
	// G·1 = 1 with L·1 = 0 of spectral coarsening gives S·1 = 0).
	BoundNullVector
)

func (k BoundKind) String() string {
	switch k {
	case BoundGeneral:
		return "general"
	case BoundSymmetric:
		return "symmetric"
	case BoundNullVector:
		return "symmetric, S·c = 0"
	}
	return fmt.Sprintf("BoundKind(%d)", int(k))
}

// BoundSettings are the options of LowerBound. The zero value, or a nil
// *BoundSettings, means the defaults; negative values are refused.
type BoundSettings struct {
	// Tolerance is the target of the estimated error of the relaxation's
	// computed minimum relative to that minimum. The default is 1e-10.
	Tolerance float64
	// MaxIterations caps the preconditioned CGLS iterations. The default
	// is 20000.
	MaxIterations int
	// PSD also estimates the minimum over the positive semidefinite part of
	// the relaxation by ADMM (see LowerBound). It needs dense m×m storage
	// and eigendecompositions.
	PSD bool
	// PSDIterations caps the ADMM iterations. The default is 300.
	PSDIterations int
}

// Bound is the result of LowerBound.
type Bound struct {
	// Value is the lower bound on E over every G on the pattern meeting
	// the constraints: max(0, Plain). See LowerBound and docs/lowerbound.md
	// for the sense in which it is certified.
	Value float64
	// Plain is Relaxed − ErrorEstimate, the certified-in-that-sense lower
	// bound on the relaxation's minimum. It may be negative.
	Plain float64
	// Relaxed is φ at the computed minimizer S, evaluated directly; it is
	// an upper bound on the relaxation's minimum.
	Relaxed float64
	// ErrorEstimate is the a-posteriori estimate of Relaxed − min φ
	// subtracted from Relaxed, including a rounding allowance.
	ErrorEstimate float64
	// Converged reports whether CGLS stopped on its convergence test (the
	// delayed estimate below Tolerance times φ or the rounding level, a
	// vanishing preconditioned gradient, or stagnation) rather than at
	// MaxIterations or a cancellation.
	Converged bool
	// Iterations is the number of CGLS iterations.
	Iterations int
	// Unknowns is the number of free entries of S in the relaxation, and
	// PatternSize the number of entries of the coarse pattern P.
	Unknowns, PatternSize int
	// Kind is the relaxation used.
	Kind BoundKind
	// Notes explains the choice of Kind: which structure of S was or was
	// not used.
	Notes string
	// Time is the wall time of the plain bound.
	Time time.Duration

	// PSD is, when BoundSettings.PSD is set, an estimate of the minimum of
	// φ over the relaxation with S ⪰ 0, never below Plain; otherwise NaN.
	// It is NOT certified (see docs/lowerbound.md) and Value never uses it.
	PSD float64
	// PSDResidual is ADMM's final primal residual ‖S − T‖_F / max(‖S‖_F, 1)
	// (S on the pattern, T its positive semidefinite copy); NaN when PSD is
	// not computed.
	PSDResidual float64
	// PSDIterations is the number of ADMM iterations, and PSDTime their
	// wall time.
	PSDIterations int
	PSDTime       time.Duration
}

// LowerBound returns a lower bound on E(g) = ‖X − Y GᵀLG B‖²_F over every g
// on p's pattern that meets the constraints cs (nil means none), hence also
// on the energy with a Tikhonov term, which only adds to E.
//
// E depends on g only through S = GᵀLG; LowerBound minimizes the convex
// quadratic φ(S) = ‖X − Y S B‖²_F over a linear space that contains every
// such S (Bound.Kind: S on the coarse pattern of G and L, symmetric when L
// is, with S·c = 0 when cs is G·c = d with L·d = 0), by preconditioned CGLS.
// Bound.Value = max(0, φ(S_K) − ErrorEstimate) is a lower bound on that
// minimum, and so on E, in the sense of the standard a-posteriori
// certification of CG: it holds provided the CG error kept contracting at
// the observed rate and the smallest Ritz value is close to the smallest
// eigenvalue; it is not a proof (no interval arithmetic). A run stopped at
// MaxIterations gives a weaker bound, and one with too few iterations to
// estimate the error gives 0. With BoundSettings.PSD, Bound.PSD estimates
// the minimum over the positive semidefinite part of the relaxation by ADMM;
// that estimate is not certified and never enters Value.
//
// Each CGLS iteration costs about 2|P|·c multiply-adds plus two products
// with Y, P the coarse pattern. With a diagonal Y, AᵀA is factored by
// sparse Cholesky while its envelope stays below 2²⁵ entries; the PSD estimate
// needs an m×m dense eigendecomposition per ADMM iteration. The relaxation,
// the error estimate and the PSD estimate are explained in
// docs/lowerbound.md; running times are in BENCHMARKS.md, section "Lower
// bound: running times".
//
// A nil ctx means context.Background(). LowerBound returns an error if p is
// nil, if a BoundSettings field is negative or not finite, if cs was built
// on a pattern not Equal to p's, or if the context is cancelled (with the
// bound from the iterate reached so far).
func LowerBound(ctx context.Context, p *Problem, cs *Constraints, s *BoundSettings) (*Bound, error) {
	start := time.Now()
	if ctx == nil {
		ctx = context.Background()
	}
	if p == nil {
		return nil, errors.New("sparsels: LowerBound: nil problem")
	}
	set := BoundSettings{}
	if s != nil {
		set = *s
	}
	if math.IsNaN(set.Tolerance) || math.IsInf(set.Tolerance, 0) {
		return nil, fmt.Errorf("sparsels: BoundSettings.Tolerance = %v is not finite", set.Tolerance)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"Tolerance", set.Tolerance}, {"MaxIterations", float64(set.MaxIterations)},
		{"PSDIterations", float64(set.PSDIterations)},
	} {
		if err := checkNotNegative("BoundSettings."+f.name, f.v); err != nil {
			return nil, err
		}
	}
	if set.Tolerance <= 0 {
		set.Tolerance = 1e-10
	}
	if set.MaxIterations <= 0 {
		set.MaxIterations = 20000
	}
	if set.PSDIterations <= 0 {
		set.PSDIterations = 300
	}
	if err := cs.checkFor("LowerBound", p.pat); err != nil {
		return nil, err
	}
	ptr, ind := coarsePattern(p)
	kind, nv, notes := boundKind(p, cs, ptr, ind)
	rx := relax.New(relaxData(p), relaxKind[kind], ptr, ind, nv)
	res := relax.Result{Notes: notes, PSD: math.NaN(), PSDResidual: math.NaN()}
	rset := relax.Settings{Tolerance: set.Tolerance, MaxIterations: set.MaxIterations, PSDIterations: set.PSDIterations}
	bd := &Bound{Kind: kind, Unknowns: rx.Unknowns(), PatternSize: len(ind)}
	sol, err := rx.Solve(ctx, &res, &rset)
	elapsed := time.Since(start)
	if err == nil && set.PSD {
		if kind == BoundGeneral {
			res.Notes += "; no PSD estimate for a non-symmetric L"
		} else {
			err = rx.PSD(ctx, &res, sol, &rset)
		}
	}
	bd.fill(&res)
	bd.Time = elapsed
	return bd, err
}

// fill copies the relaxation's results into bd.
func (bd *Bound) fill(r *relax.Result) {
	bd.Value, bd.Plain, bd.Relaxed, bd.ErrorEstimate = r.Value, r.Plain, r.Relaxed, r.ErrorEstimate
	bd.Converged, bd.Iterations, bd.Notes = r.Converged, r.Iterations, r.Notes
	bd.PSD, bd.PSDResidual, bd.PSDIterations, bd.PSDTime = r.PSD, r.PSDResidual, r.PSDIterations, r.PSDTime
}

// relaxKind maps each BoundKind to the relaxation's kind.
var relaxKind = [...]relax.Kind{BoundGeneral: relax.General, BoundSymmetric: relax.Symmetric, BoundNullVector: relax.NullVector}

// relaxData returns the data of p that the relaxation reads.
func relaxData(p *Problem) *relax.Data {
	return &relax.Data{M: p.m, R: p.r, C: p.c, X: p.x, B: p.b, Y: p.y}
}

// coarsePattern returns the coarse pattern of p's relaxation (see
// relax.CoarsePattern).
func coarsePattern(p *Problem) (ptr, ind []int) {
	pat := p.pat
	return relax.CoarsePattern(p.m, pat.colPtr, pat.colRow, pat.rowPtr, pat.rowCol, p.l)
}

// boundKind chooses the relaxation for p with the constraints cs on the
// coarse pattern (ptr, ind), and returns the null vector c for
// BoundNullVector and a note on the choice.
func boundKind(p *Problem, cs *Constraints, ptr, ind []int) (BoundKind, []float64, string) {
	if p.lt != p.l {
		return BoundGeneral, nil, "L is not symmetric: S free on the coarse pattern"
	}
	switch {
	case cs == nil:
		return BoundSymmetric, nil, "symmetric L, no constraints: S symmetric on the coarse pattern"
	case cs.s != 1:
		return BoundSymmetric, nil, fmt.Sprintf("symmetric L; constraints with %d equations per row are not used", cs.s)
	}
	if i, ok := annihilates(p.l, cs.d); !ok {
		return BoundSymmetric, nil, fmt.Sprintf("symmetric L; constraints G·c = d not used: (L·d)[%d] is not zero", i)
	}
	nv := cs.c
	for a := 0; a+1 < len(ptr); a++ {
		if ptr[a+1] == ptr[a] {
			continue
		}
		if nv[a] == 0 {
			return BoundSymmetric, nil, fmt.Sprintf("symmetric L; S·c = 0 not used: c[%d] = 0", a)
		}
		diag := false
		for s := ptr[a]; s < ptr[a+1]; s++ {
			diag = diag || ind[s] == a
		}
		if !diag {
			return BoundSymmetric, nil, fmt.Sprintf("symmetric L; S·c = 0 not used: the coarse pattern lacks the diagonal entry (%d, %d)", a, a)
		}
	}
	return BoundNullVector, nv, "symmetric L, G·c = d with L·d = 0: S symmetric on the coarse pattern with S·c = 0"
}

// annihilates reports whether L·d = 0 to 1e-12 of each row's terms, and
// otherwise the first row where it fails.
func annihilates(l *sparsemat.CSR, d []float64) (int, bool) {
	for i := 0; i < l.Rows; i++ {
		var sum, mag float64
		for s := l.Ptr[i]; s < l.Ptr[i+1]; s++ {
			t := l.Val[s] * d[l.Ind[s]]
			sum += t
			mag += math.Abs(t)
		}
		if math.Abs(sum) > 1e-12*mag {
			return i, false
		}
	}
	return -1, true
}
