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
// package.

// errStopLBFGS ends gonum's run from the recorder.
var errStopLBFGS = errors.New("sparsels: stop")

// lbfgsRecorder records gonum's major iterations into the solver's history
// and stops the run on cancellation, time limit or callback request.
type lbfgsRecorder struct {
	sv     *solver
	ns     *NullSpace
	scale  float64 // the factor applied to E for gonum
	last   float64
	cbErr  error
	status Status
	iter   int
}

func (r *lbfgsRecorder) Init() error { return nil }

func (r *lbfgsRecorder) Record(loc *optimize.Location, op optimize.Operation, st *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	sv := r.sv
	r.iter++
	// gonum sees E and its gradient multiplied by r.scale (see lbfgs).
	f := loc.F / r.scale
	sv.e = f
	sv.g = r.ns.G(sv.g, loc.X)
	var gn float64
	full := sv.cs.ToFull(nil, loc.Gradient)
	for _, v := range full {
		gn = math.Max(gn, math.Abs(v))
	}
	gn /= r.scale
	sv.gnorm = gn
	rec := IterationRecord{Iteration: r.iter, Energy: f, GradientNorm: gn, Accepted: true}
	if r.last > 0 {
		rec.RelDecrease = (r.last - f) / r.last
	}
	r.last = f
	if err := sv.record(rec); err != nil {
		r.cbErr = err
		return errStopLBFGS
	}
	if s, ok := sv.interrupted(); ok {
		r.status = s
		return errStopLBFGS
	}
	return nil
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
	// to a "non-descent direction"), so without it LBFGS stopped at once
	// and reported convergence on problems whose entries are merely small
	// or large, such as X and Y around 1e-20. A power of two changes no
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
	rec := &lbfgsRecorder{sv: sv, ns: ns, scale: scale, last: sv.e}
	settings := &optimize.Settings{
		MajorIterations: set.MaxIterations,
		Converger: &optimize.FunctionConverge{
			Relative:   math.Max(set.FunctionTol, 0),
			Iterations: 20,
		},
		GradientThreshold: math.Max(sv.gradientThreshold(), 0) * scale,
		Recorder:          rec,
	}
	// NaN disables gonum's own absolute gradient threshold (1e-12 by
	// default); GradientThreshold above is the relative test of Settings.
	_, err := optimize.Minimize(prob, xi0, settings, &optimize.LBFGS{GradStopThreshold: math.NaN()})
	switch {
	case rec.cbErr != nil:
		return sv.callbackStop(rec.cbErr)
	case rec.status != NotTerminated:
		return sv.finish(rec.status, "", nil)
	case err != nil && !errors.Is(err, errStopLBFGS):
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
	if r := len(res.History); r >= set.MaxIterations {
		return sv.finish(IterationLimit, fmt.Sprintf("%d iterations", set.MaxIterations), nil)
	}
	if sv.gnorm <= math.Max(sv.gradientThreshold(), 0) {
		return sv.finish(GradientConvergence, "", nil)
	}
	return sv.finish(FunctionConvergence, "gonum LBFGS converged", nil)
}
