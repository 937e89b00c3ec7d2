package sparsels

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/optimize"
)

// LBFGS: gonum's optimize.LBFGS run on E in the constraints' null-space
// coordinates through NullSpace, for comparison with the methods of this
// package. Its iterations end through the shared code of the driver, like
// every other method's; its function test is gonum's.

// errStopLBFGS ends gonum's run from the recorder.
var errStopLBFGS = errors.New("sparsels: stop")

// lbfgsFunctionWindow is the number of iterations without a relative
// decrease above FunctionTol after which LBFGS stops (gonum's
// optimize.FunctionConverge).
const lbfgsFunctionWindow = 20

// lbfgsRecorder ends each of gonum's major iterations as the other methods
// end theirs: it records the iteration and applies the limits, the
// callback and the shared termination tests (sv.endIteration), then gonum's
// function test, and stops gonum's run when one of them ends it.
type lbfgsRecorder struct {
	sv      *solver
	ns      *NullSpace
	scale   float64 // the factor applied to E for gonum
	fc      optimize.FunctionConverge
	started bool // the start, gonum's first major iteration, was seen
	iter    int

	// The end of the run, once done.
	done bool
	res  *Result
	err  error
}

func (r *lbfgsRecorder) Init() error { return nil }

func (r *lbfgsRecorder) Record(loc *optimize.Location, op optimize.Operation, st *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	if !r.started {
		// gonum reports the start as a major iteration: it sets the
		// reference of the function test and is no iteration.
		r.started = true
		r.fc.Converged(loc)
		return nil
	}
	sv := r.sv
	r.iter++
	eOld := sv.e
	// gonum sees E and its gradient multiplied by r.scale (see lbfgs).
	sv.e = loc.F / r.scale
	sv.g = r.ns.G(sv.g, loc.X)
	var gn float64
	full := sv.cs.ToFull(nil, loc.Gradient)
	for _, v := range full {
		gn = math.Max(gn, math.Abs(v))
	}
	sv.gnorm = gn / r.scale
	rec := IterationRecord{Iteration: r.iter}
	if res, done, err := sv.endIteration(r.iter, &rec, stepOutcome{accepted: true, energy: sv.e}, eOld); done {
		return r.end(res, err)
	}
	if r.fc.Converged(loc) == optimize.FunctionConvergence {
		return r.end(sv.finish(FunctionConvergence, fmt.Sprintf("relative decrease ≤ FunctionTol %.3g in %d iterations", sv.set.FunctionTol, lbfgsFunctionWindow), nil))
	}
	if res, done, err := sv.limitReached(r.iter + 1); done {
		return r.end(res, err)
	}
	return nil
}

// end stores the end of the run and stops gonum's.
func (r *lbfgsRecorder) end(res *Result, err error) error {
	r.done, r.res, r.err = true, res, err
	return errStopLBFGS
}

// lbfgs runs gonum's LBFGS in the null-space coordinates.
func (sv *solver) lbfgs() (*Result, error) {
	p, set := sv.p, sv.set
	ns := &NullSpace{cs: sv.cs, g0: append([]float64(nil), sv.g...)}
	res := sv.res
	gfull := make([]float64, sv.nnz)
	gradFull := make([]float64, sv.nnz)
	// gonum minimizes scale·E, with scale a power of two that brings the
	// initial energy near 1. gonum's line search and its LBFGS stopping
	// test have absolute thresholds (a gradient norm below 1e-12 counts as
	// converged, and products of gradient entries around 1e-150 underflow
	// to a "non-descent direction"), so without it LBFGS would stop at once
	// and report convergence on problems whose entries are merely small or
	// large, such as X and Y around 1e-20. A power of two changes no
	// rounding, so the run is otherwise unaffected.
	scale := 1.0
	prob := optimize.Problem{
		Func: func(xi []float64) float64 {
			t := time.Now()
			g := ns.G(gfull, xi)
			e := p.Energy(g) + sv.tikhonov(g, nil)
			res.FuncEvals++
			res.Times.Evaluate += time.Since(t)
			return scale * e
		},
		Grad: func(grad, xi []float64) {
			t := time.Now()
			g := ns.G(gfull, xi)
			p.Gradient(gradFull, g)
			sv.tikhonov(g, gradFull)
			sv.cs.ToReduced(grad, gradFull)
			for i := range grad {
				grad[i] *= scale
			}
			res.GradEvals++
			res.Times.Evaluate += time.Since(t)
		},
	}
	xi0 := make([]float64, sv.dim)
	sv.grad = make([]float64, sv.nnz)
	sv.e, _ = p.EnergyGradient(sv.grad, sv.g)
	sv.e += sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	if r, done, err := sv.startCheck(); done {
		return r, err
	}
	if sv.e > 0 {
		_, e := math.Frexp(sv.e)
		scale = math.Ldexp(1, max(min(-e, 1000), -1000))
	}
	rec := &lbfgsRecorder{sv: sv, ns: ns, scale: scale}
	rec.fc = optimize.FunctionConverge{Relative: math.Max(set.FunctionTol, 0), Iterations: lbfgsFunctionWindow}
	rec.fc.Init(sv.dim)
	if r, done, err := sv.limitReached(1); done {
		return r, err
	}
	// The recorder ends the run: gonum's own limits and tests are off (NaN
	// disables its gradient thresholds, 0 its iteration limit, and
	// NeverTerminate its function test).
	settings := &optimize.Settings{
		GradientThreshold: math.NaN(),
		Converger:         optimize.NeverTerminate{},
		Recorder:          rec,
	}
	_, err := optimize.Minimize(prob, xi0, settings, &optimize.LBFGS{GradStopThreshold: math.NaN()})
	switch {
	case rec.done:
		return rec.res, rec.err
	case err != nil:
		if !finite(sv.e) {
			return sv.finish(NumericalFailure, err.Error(), fmt.Errorf("%w: %v", ErrNotFinite, err))
		}
		// gonum reports a failed line search as an error. After some
		// decrease the best iterate is kept and the run counts as converged
		// as far as LBFGS can go; without any decrease no step was found
		// that decreases E, which is a numerical failure, not convergence.
		if !(sv.e < res.InitialEnergy) {
			return sv.finish(NumericalFailure, "gonum LBFGS found no decrease: "+err.Error(), nil)
		}
		return sv.finish(FunctionConvergence, "gonum LBFGS: "+err.Error(), nil)
	}
	return sv.finish(FunctionConvergence, "gonum LBFGS converged", nil)
}
