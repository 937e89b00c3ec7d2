package sparsels

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Status is why Solve stopped.
type Status int

const (
	// NotTerminated is the zero Status.
	NotTerminated Status = iota
	// FunctionConvergence: the accepted steps of the method's window
	// decreased E by at most FunctionTol relative (see Settings), or no
	// decrease above the energy's rounding error was found along an exact
	// line search.
	FunctionConvergence
	// GradientConvergence: the projected gradient fell to GradientTol times
	// the smaller of its initial norm and the problem's gradient scale (see
	// Settings), or is exactly zero at the start.
	GradientConvergence
	// StepConvergence: a step not limited by the trust radius or the
	// damping was at most StepTol relative (see Settings).
	StepConvergence
	// StationaryStart: the gradient and the Jacobian vanish at the start (for
	// example g0 = 0), so no descent direction exists there. This is not
	// convergence: start elsewhere.
	StationaryStart
	// IterationLimit: MaxIterations iterations ran.
	IterationLimit
	// TimeLimit: Settings.TimeLimit elapsed.
	TimeLimit
	// Canceled: the context was done.
	Canceled
	// UserStop: the callback returned ErrStop.
	UserStop
	// NumericalFailure: a NaN or infinity appeared, or no step could be found
	// that decreases E (the damping or radius hit its limit).
	NumericalFailure
)

var statusNames = [...]string{
	"not terminated", "function tolerance reached", "gradient tolerance reached",
	"step tolerance reached", "stationary start", "iteration limit", "time limit",
	"canceled", "stopped by callback", "numerical failure",
}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Converged reports whether s is one of the convergence statuses.
func (s Status) Converged() bool {
	return s == FunctionConvergence || s == GradientConvergence || s == StepConvergence
}

// IterationRecord describes one iteration of Solve.
type IterationRecord struct {
	Iteration    int
	Energy       float64 // E after the iteration (the best so far)
	RelDecrease  float64 // (E_before − E_after)/E_before; 0 for a rejected step
	GradientNorm float64 // infinity norm of the projected gradient after the iteration
	StepNorm     float64 // Euclidean norm of the trial step
	Damping      float64 // LM: damping 1/μ; Newton: trust radius; GN and QuasiNewton: step length; NAdam: learning rate; LBFGS: 0
	CGIterations int     // linear-solver iterations spent in this iteration
	Accepted     bool
	Elapsed      time.Duration // since the start of Solve
	// G is the best iterate after the iteration, in the pattern's order. It
	// is set only in the record passed to Settings.Callback (nil in
	// Result.History) and is valid only during the call: the callback must
	// neither modify nor retain it (copy what it keeps).
	G []float64
}

// PhaseTimes splits the wall time of Solve.
type PhaseTimes struct {
	Evaluate     time.Duration // energies, gradients and re-linearizations
	Precondition time.Duration // preconditioner and dense matrix assembly
	LinearSolve  time.Duration // CG and factorizations
	Bound        time.Duration // LowerBound (Settings.Bound)
	Total        time.Duration
}

// Result is the outcome of Solve.
type Result struct {
	G             []float64 // best iterate, in the pattern's order
	Energy        float64   // E(G), including a Tikhonov term
	InitialEnergy float64   // E at the (projected) start
	GradientNorm  float64   // infinity norm of the projected gradient at G
	Status        Status
	Reason        string // Status with details

	Method           Method
	Linear           LinearSolver // the linear solver LM, Gauss-Newton or Newton used (after LinearAuto); LinearAuto for the methods that solve no linear system
	Iterations       int
	FuncEvals        int     // energy evaluations
	GradEvals        int     // gradient evaluations (linearizations)
	LinearIterations int     // CG iterations (or factorizations for the dense path)
	Violation        float64 // relative constraint violation at G (0 without constraints)
	Times            PhaseTimes
	History          []IterationRecord

	// Bound is the lower bound on E over every feasible G when
	// Settings.Bound was set (see LowerBound), else nil.
	Bound *Bound
}

// Gap returns the optimality gap E − Bound.Value at G and its relative
// size (E − Bound.Value)/E, or NaNs when no bound was computed. No feasible
// G has an energy below E − gap; a relative gap of 10⁻³ means G is within
// 0.1% of optimal, or the relaxation behind the bound is that loose.
func (r *Result) Gap() (gap, relative float64) {
	if r.Bound == nil {
		return math.NaN(), math.NaN()
	}
	gap = r.Energy - r.Bound.Value
	relative = gap / r.Energy
	if r.Energy == 0 {
		relative = 0
	}
	return gap, relative
}

// String returns a one-paragraph report of r.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", r.Method)
	if r.Method.solvesLinearSystems() {
		fmt.Fprintf(&b, " (%s)", r.Linear)
	}
	fmt.Fprintf(&b, ": %s. %d iterations in %v. Energy %.6g -> %.6g", r.Reason, r.Iterations, r.Times.Total.Round(time.Microsecond), r.InitialEnergy, r.Energy)
	if r.InitialEnergy > 0 {
		fmt.Fprintf(&b, " (ratio %.3g)", r.Energy/r.InitialEnergy)
	}
	if r.Bound != nil {
		gap, rel := r.Gap()
		fmt.Fprintf(&b, ", lower bound %.6g (gap %.3g, %.3g relative)", r.Bound.Value, gap, rel)
	}
	fmt.Fprintf(&b, ", projected gradient %.3g, constraint violation %.2g. %d energy and %d gradient evaluations, %d linear iterations; time: evaluate %v, precondition %v, linear solve %v.",
		r.GradientNorm, r.Violation, r.FuncEvals, r.GradEvals, r.LinearIterations,
		r.Times.Evaluate.Round(time.Microsecond), r.Times.Precondition.Round(time.Microsecond), r.Times.LinearSolve.Round(time.Microsecond))
	return b.String()
}

// solvesLinearSystems reports whether m solves linear systems, so that
// Result.Linear says which solver it used.
func (m Method) solvesLinearSystems() bool {
	return m.valid() && m.spec().linear == linearSystems
}
