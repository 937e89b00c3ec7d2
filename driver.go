package sparsels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
)

// The driver: the state every method of Solve shares, the bookkeeping of the
// history and the end of every iteration (limits, callback, non-finite
// values and the termination tests of termination.go). The methods are
// listed in the table of method.go; each lives in its own file (lm.go,
// gaussnewton.go, newton.go, quasinewton.go, nadam.go, lbfgs.go), and LM,
// Gauss-Newton, Newton and QuasiNewton share one local model
// (localmodel.go).

// solver is the state shared by the methods of Solve.
type solver struct {
	ctx      context.Context
	p        *Problem
	set      Settings
	cs       *Constraints
	start    time.Time
	deadline time.Time
	res      *Result
	spec     *methodSpec // the table entry of set.Method
	nnz, dim int

	g      []float64 // current (best) iterate, feasible
	e      float64   // total energy at g
	grad   []float64 // gradient of the total energy at g
	rgrad  []float64 // Zᵀ grad
	gnorm  float64   // ‖Z Zᵀ grad‖_∞
	gnorm0 float64   // gnorm at the start
	gscale float64   // the problem's intrinsic gradient scale (gradientScale)
	xnorm  float64   // ‖X‖_F
	pgBuf  []float64
}

// newSolver returns the solver of the resolved, defaulted settings set
// under the constraints cs (not nil), started now at g0 projected onto cs.
func newSolver(ctx context.Context, p *Problem, set Settings, cs *Constraints, g0 []float64) *solver {
	sv := &solver{
		ctx: ctx, p: p, set: set, cs: cs, start: time.Now(),
		res: &Result{Method: set.Method}, spec: set.Method.spec(),
		nnz: p.pat.NNZ(), dim: cs.Dim(),
	}
	if set.TimeLimit > 0 {
		sv.deadline = sv.start.Add(set.TimeLimit)
	}
	sv.g = cs.Project(nil, g0)
	sv.gscale = p.gradientScale()
	sv.xnorm = floats.Norm(p.x, 2)
	return sv
}

// tikhonov returns Lambda·‖g − Ref‖² and, if grad is not nil, adds its
// gradient to grad.
func (sv *solver) tikhonov(g, grad []float64) float64 {
	lam := sv.set.Lambda
	if lam == 0 {
		return 0
	}
	var s float64
	for k, v := range g {
		d := v
		if sv.set.Ref != nil {
			d -= sv.set.Ref[k]
		}
		s += d * d
		if grad != nil {
			grad[k] += 2 * lam * d
		}
	}
	return lam * s
}

// setGradient stores the projected gradient quantities for sv.grad.
func (sv *solver) setGradient() {
	if sv.rgrad == nil {
		sv.rgrad = make([]float64, sv.dim)
		sv.pgBuf = make([]float64, sv.nnz)
	}
	sv.cs.ToReduced(sv.rgrad, sv.grad)
	sv.cs.ToFull(sv.pgBuf, sv.rgrad)
	// A plain comparison rather than math.Max, whose NaN and signed-zero
	// handling is measurable here (BENCHMARKS.md, section "Solver design
	// choices"); a NaN ends the scan.
	sv.gnorm = 0
	for _, v := range sv.pgBuf {
		if a := math.Abs(v); a > sv.gnorm {
			sv.gnorm = a
		} else if a != a {
			sv.gnorm = math.NaN()
			break
		}
	}
}

// interrupted reports whether the context or the time limit ends the run.
func (sv *solver) interrupted() (Status, bool) {
	if sv.ctx.Err() != nil {
		return Canceled, true
	}
	if !sv.deadline.IsZero() && !time.Now().Before(sv.deadline) {
		return TimeLimit, true
	}
	return NotTerminated, false
}

// remaining returns the time left before the time limit, or +Inf.
func (sv *solver) remaining() time.Duration {
	if sv.deadline.IsZero() {
		return time.Duration(math.MaxInt64)
	}
	return time.Until(sv.deadline)
}

// record appends rec to the history and runs the callback.
func (sv *solver) record(rec IterationRecord) error {
	rec.Elapsed = time.Since(sv.start)
	sv.res.History = append(sv.res.History, rec)
	if sv.set.Callback != nil {
		rec.G = sv.g
		return sv.set.Callback(rec)
	}
	return nil
}

// finish fills the result with the current iterate and the status.
func (sv *solver) finish(st Status, reason string, err error) (*Result, error) {
	r := sv.res
	r.G = sv.g
	r.Energy = sv.e
	r.GradientNorm = sv.gnorm
	r.Status = st
	r.Reason = st.String()
	if reason != "" {
		r.Reason += ": " + reason
	}
	r.Iterations = len(r.History)
	r.LinearIterations = 0
	for _, h := range r.History {
		r.LinearIterations += h.CGIterations
	}
	if sv.set.Constraints != nil {
		r.Violation = sv.set.Constraints.Violation(sv.g)
	}
	r.Times.Total = time.Since(sv.start)
	if st == Canceled && err == nil {
		err = sv.ctx.Err()
	}
	return r, err
}

// limitReached ends the run before iteration iter at the time or
// iteration limit, naming the setting to raise, or when the context is
// done.
func (sv *solver) limitReached(iter int) (r *Result, done bool, err error) {
	if st, ok := sv.interrupted(); ok {
		reason := ""
		if st == TimeLimit {
			reason = fmt.Sprintf("Settings.TimeLimit = %v elapsed; raise it to continue", sv.set.TimeLimit)
		}
		r, err = sv.finish(st, reason, nil)
		return r, true, err
	}
	if iter > sv.set.MaxIterations {
		r, err = sv.finish(IterationLimit, fmt.Sprintf("Settings.MaxIterations = %d; raise it to continue", sv.set.MaxIterations), nil)
		return r, true, err
	}
	return nil, false, nil
}

// endIteration completes rec for an iteration that started at energy eOld
// and ended as out (sv already moved if out.accepted), records it and runs
// the callback, and applies the shared termination tests. done reports the
// end of the run, with its result.
func (sv *solver) endIteration(iter int, rec *IterationRecord, out stepOutcome, eOld float64) (r *Result, done bool, err error) {
	if out.accepted {
		rec.RelDecrease = (eOld - sv.e) / eOld
	}
	rec.Accepted = out.accepted
	rec.Energy = sv.e
	rec.GradientNorm = sv.gnorm
	if err := sv.record(*rec); err != nil {
		r, err = sv.callbackStop(err)
		return r, true, err
	}
	if out.accepted && !finite(sv.gnorm) {
		r, err = sv.finish(NumericalFailure, "non-finite gradient", fmt.Errorf("%w: gradient at iteration %d", ErrNotFinite, iter))
		return r, true, err
	}
	if !finite(rec.StepNorm) {
		// The step was never a number: a NaN or an overflow in the linear
		// solve, the preconditioner or the line search. The iterate did not
		// move, and no test of progress can be trusted.
		r, err = sv.finish(NumericalFailure, fmt.Sprintf("non-finite step (norm %v) at iteration %d", rec.StepNorm, iter), nil)
		return r, true, err
	}
	// A zero step is no step (a failed linear solve or line search), and
	// says nothing about convergence.
	tiny := rec.StepNorm > 0 && rec.StepNorm <= sv.set.StepTol*(norm2(sv.g)+sv.set.StepTol)
	if st, reason, ok := sv.convergence(out, tiny); ok {
		r, err = sv.finish(st, reason, nil)
		return r, true, err
	}
	return nil, false, nil
}

// callbackStop turns a callback error into the end of the run.
func (sv *solver) callbackStop(err error) (*Result, error) {
	if errors.Is(err, ErrStop) {
		return sv.finish(UserStop, "", nil)
	}
	return sv.finish(UserStop, err.Error(), err)
}

// startCheck evaluates the start and reports a start that ends the run at
// once: non-finite energy, or a vanishing gradient.
func (sv *solver) startCheck() (r *Result, done bool, err error) {
	sv.res.InitialEnergy = sv.e
	sv.gnorm0 = sv.gnorm
	if !finite(sv.e) || !finite(sv.gnorm) {
		r, err = sv.finish(NumericalFailure, "at the start", fmt.Errorf("%w at the start (energy %v)", ErrNotFinite, sv.e))
		return r, true, err
	}
	if sv.gnorm == 0 {
		diag := sv.p.GaussNewtonDiag(nil, sv.g)
		for _, d := range diag {
			if d != 0 {
				r, err = sv.finish(GradientConvergence, "the projected gradient is zero at the start", nil)
				return r, true, err
			}
		}
		r, err = sv.finish(StationaryStart, "the gradient and the Jacobian vanish at the start; start from a nonzero G", nil)
		return r, true, err
	}
	return nil, false, nil
}
