package sparsels

import (
	"fmt"
	"math"
	"time"
)

// LinearSolver chooses how the second-order methods solve their linear
// systems.
type LinearSolver int

const (
	// LinearAuto uses LinearDense when nnz is at most 2000, the nnz×nnz
	// matrices fit in Settings.MemoryLimit and a dense iteration's
	// predicted floating-point operations (assembly, reduction to the null
	// space and a Cholesky factorization, or an eigendecomposition for
	// NewtonTrustRegion) are below 20 times those of a matrix-free
	// iteration with CG.MaxIterations products; LinearCG otherwise. In practice that is a few dozen nonzeros, beyond which
	// matrix-free CG is faster (BENCHMARKS.md, section "Solver design
	// choices"). The dense factorizations cannot be interrupted; Solve does
	// not start one whose predicted time exceeds what is left of TimeLimit.
	// QuasiNewton is always matrix-free.
	LinearAuto LinearSolver = iota
	// LinearDense assembles the reduced normal matrix (or Hessian) from the
	// Gram form and factorizes it. Memory O(nnz²).
	LinearDense
	// LinearCG is matrix-free preconditioned conjugate gradients with the
	// block-Jacobi preconditioner (the exact JᵀJ block of each row of G) and
	// an Eisenstat-Walker forcing sequence. Memory O(nnz(G) + nnz(L) +
	// (r + n)·c).
	LinearCG
)

var linearNames = [...]string{"auto", "dense", "cg"}

func (l LinearSolver) String() string {
	if l >= 0 && int(l) < len(linearNames) {
		return linearNames[l]
	}
	return fmt.Sprintf("LinearSolver(%d)", int(l))
}

// ParseLinearSolver returns the linear solver named auto, dense or cg. An
// unknown name is an error wrapping ErrSettings.
func ParseLinearSolver(s string) (LinearSolver, error) {
	for i, n := range linearNames {
		if s == n {
			return LinearSolver(i), nil
		}
	}
	return 0, invalidf(ErrSettings, "sparsels: unknown linear solver %q (want auto, dense or cg)", s)
}

// Preconditioner chooses the preconditioner of LinearCG.
type Preconditioner int

const (
	// BlockJacobi inverts the exact diagonal blocks of JᵀJ that couple the
	// nonzeros of each row of G (restricted to the constraints' null space).
	BlockJacobi Preconditioner = iota
	// Jacobi inverts the diagonal of JᵀJ only.
	Jacobi
	// NoPreconditioner runs plain CG.
	NoPreconditioner
)

// CGSettings configure the matrix-free linear algebra: the conjugate
// gradients of LinearCG (and NewtonTrustRegion's Steihaug-Toint CG) and the
// preconditioner, which QuasiNewton uses too. The zero value gives the
// defaults stated on each field.
type CGSettings struct {
	// Forcing > 0 fixes the relative tolerance of CG, below 1; the default
	// is the Eisenstat-Walker sequence (choice 2, γ = 0.9, α = 2) capped at
	// 0.5.
	Forcing float64
	// MaxIterations bounds CG per outer iteration (default 25: on large
	// coarsening problems a few inexact steps cost less time than one
	// accurate one). LinearAuto's cost model counts this many products.
	MaxIterations int
	// Preconditioner defaults to BlockJacobi.
	Preconditioner Preconditioner
}

// validate checks c, the field CG of Settings.
func (c *CGSettings) validate() error {
	switch c.Preconditioner {
	case BlockJacobi, Jacobi, NoPreconditioner:
	default:
		return invalidf(ErrSettings, "sparsels: Settings.CG.Preconditioner = %d is not a preconditioner", int(c.Preconditioner))
	}
	if err := checkFinite("Settings.CG.Forcing", c.Forcing); err != nil {
		return err
	}
	if err := checkNotNegative("Settings.CG.Forcing", c.Forcing); err != nil {
		return err
	}
	if err := checkNotNegative("Settings.CG.MaxIterations", float64(c.MaxIterations)); err != nil {
		return err
	}
	if c.Forcing >= 1 {
		return invalidf(ErrSettings, "sparsels: Settings.CG.Forcing = %v must be below 1", c.Forcing)
	}
	return nil
}

// withDefaults returns c with its defaults filled in.
func (c CGSettings) withDefaults() CGSettings {
	if c.MaxIterations <= 0 {
		c.MaxIterations = 25
	}
	return c
}

// Settings configure Solve: the run-wide choices, limits and tolerances,
// with the parameters of particular methods grouped in NAdam and CG. The
// zero value, and a nil *Settings, give the defaults stated on each field.
// Solve refuses, with an error wrapping ErrSettings and naming the field, a
// value that is not finite or out of range, and a negative value in any
// numeric field other than the tolerances FunctionTol, GradientTol and
// StepTol (where a negative value disables the test) and Lambda (refused
// too).
type Settings struct {
	Method Method       // default Auto
	Linear LinearSolver // default LinearAuto

	// Constraints, if not nil, are row-wise linear equality constraints
	// G·C = D kept at every iterate.
	Constraints *Constraints

	// Lambda > 0 adds the Tikhonov term Lambda·‖g − Ref‖² to E. A nil Ref
	// means g_ref = 0.
	Lambda float64
	Ref    []float64

	// Termination. The run stops when the relative energy decrease over the
	// last 5 accepted steps is at most FunctionTol (default 1e-10; negative
	// disables) and those decreases are not growing (NAdam: over each 100
	// iterations, as published; LBFGS: no decrease above FunctionTol
	// relative in 20 iterations, gonum's test); when the infinity norm of
	// the gradient projected onto the constraints is at most GradientTol
	// (default 1e-10; negative disables) times the smaller of its value at
	// the start and the problem's intrinsic gradient scale
	// 2‖X‖^{3/2}(‖Y‖‖L‖‖B‖)^{1/2} (Frobenius norms; a start far from the
	// natural scale of G does not set the bar); or when a nonzero step's
	// norm is at most StepTol·(‖g‖ + StepTol) (default 1e-12; negative
	// disables), the step was not cut short by the trust radius or the
	// damping, and it was accepted or its predicted decrease is at the
	// energy's rounding level. No convergence status is returned while G is
	// still in the flat region around G = 0 (StationaryStart instead).
	//
	// MaxIterations bounds the outer iterations: default 1000 for
	// LevenbergMarquardt, GaussNewtonLineSearch and NewtonTrustRegion, 20000
	// for QuasiNewton and LBFGS, whose iterations cost about one gradient, and
	// 5000 for NAdam (the published code stops at 1000 iterations at most,
	// or earlier by its stall rule; the limit here is higher so that NAdam's
	// tail can be compared). The defaults converge small and zero-residual
	// problems many times over; a large coarsening problem keeps improving
	// slowly for much longer, so bound such runs by TimeLimit. TimeLimit > 0
	// bounds the wall time; Solve also stops when its context is done.
	FunctionTol   float64
	GradientTol   float64
	StepTol       float64
	MaxIterations int
	TimeLimit     time.Duration

	// Bound, if true, makes Solve compute LowerBound for the problem and
	// the constraints after the run and report it in Result.Bound, with the
	// optimality gap in Result.Gap. It can take longer than the run
	// (BENCHMARKS.md, section "Solver tail").
	Bound bool

	// Callback, if not nil, is called after every iteration. Returning
	// ErrStop ends the run with status UserStop; any other error ends it and
	// is returned by Solve.
	Callback func(IterationRecord) error

	// Linear algebra. MemoryLimit bounds the dense matrices (default 2 GiB);
	// when set explicitly it bounds everything NewProblem and Solve allocate
	// (EstimateMemory). Solve refuses, wrapping ErrMemoryLimit, a problem
	// over an explicit MemoryLimit and LinearDense with matrices over it,
	// before allocating. CG configures the matrix-free path.
	MemoryLimit int64
	CG          CGSettings

	// InitialRadius is the first trust-region radius μ of LevenbergMarquardt
	// (damping 1/μ, default 1e4, at most 1e16: a smaller damping is lost to
	// rounding) and of NewtonTrustRegion (default: the length of the Cauchy
	// step along the preconditioned gradient with LinearCG, of the Newton
	// step — or a gradient-scaled guess when the Hessian is indefinite —
	// with LinearDense).
	InitialRadius float64

	// NAdam holds the parameters of the method NAdam.
	NAdam NAdamSettings
}

// validate reports settings that are out of range or not finite, naming
// the field, as errors wrapping ErrSettings. It checks the settings as
// given, before withDefaults: a negative value where only zero means the
// default is an error, not the default.
func (s *Settings) validate() error {
	switch s.Linear {
	case LinearAuto, LinearDense, LinearCG:
	default:
		return invalidf(ErrSettings, "sparsels: Settings.Linear = %v is not a linear solver", s.Linear)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"FunctionTol", s.FunctionTol}, {"GradientTol", s.GradientTol}, {"StepTol", s.StepTol},
		{"InitialRadius", s.InitialRadius},
	} {
		if err := checkFinite("Settings."+f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"MaxIterations", float64(s.MaxIterations)}, {"TimeLimit", float64(s.TimeLimit)},
		{"MemoryLimit", float64(s.MemoryLimit)},
		{"InitialRadius", s.InitialRadius},
	} {
		if err := checkNotNegative("Settings."+f.name, f.v); err != nil {
			return err
		}
	}
	if err := s.CG.validate(); err != nil {
		return err
	}
	return s.NAdam.validate()
}

// checkFinite returns an error wrapping ErrSettings and naming the field
// name if v is NaN or infinite.
func checkFinite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalidf(ErrSettings, "sparsels: %s = %v is not finite", name, v)
	}
	return nil
}

// checkNotNegative returns an error wrapping ErrSettings and naming the
// field name if v is negative, for the settings whose zero value means the
// default and which have no meaning below zero.
func checkNotNegative(name string, v float64) error {
	if v < 0 {
		return invalidf(ErrSettings, "sparsels: %s = %v is negative (0 means the default)", name, v)
	}
	return nil
}

func (s *Settings) withDefaults() Settings {
	var d Settings
	if s != nil {
		d = *s
	}
	if d.FunctionTol == 0 {
		d.FunctionTol = 1e-10
	}
	if d.GradientTol == 0 {
		d.GradientTol = 1e-10
	}
	if d.StepTol == 0 {
		d.StepTol = 1e-12
	}
	if d.MemoryLimit <= 0 {
		d.MemoryLimit = 2 << 30
	}
	d.CG = d.CG.withDefaults()
	d.NAdam = d.NAdam.withDefaults()
	return d
}

// defaultIterations sets MaxIterations, if not given, to the default of
// the resolved method s.Method.
func (s *Settings) defaultIterations() {
	if s.MaxIterations <= 0 {
		s.MaxIterations = s.Method.spec().maxIterations
	}
}
