package sparsels

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Optimize returns E as a gonum optimize.Problem over the values g: Func is
// Energy, Grad is Gradient and Hess is Hessian (dense nnz×nnz, for small
// problems), so that gonum's LBFGS, CG, BFGS and Newton methods run on it.
// The functions are safe for concurrent use.
func (p *Problem) Optimize() optimize.Problem {
	return optimize.Problem{
		Func: p.Energy,
		Grad: func(grad, g []float64) { p.Gradient(grad, g) },
		Hess: func(h *mat.SymDense, g []float64) { p.Hessian(h, g) },
	}
}

// NullSpace parametrizes the values that satisfy Constraints by their
// null-space coordinates ξ: g(ξ) = g0 + Zξ, with g0 a feasible point and Z
// the constraints' orthonormal, block-diagonal null-space basis.
type NullSpace struct {
	cs *Constraints
	g0 []float64
}

// NewNullSpace returns the parametrization around g0 projected onto cs. It
// panics if len(g0) is not the pattern's NNZ.
func NewNullSpace(cs *Constraints, g0 []float64) *NullSpace {
	return &NullSpace{cs: cs, g0: cs.Project(nil, g0)}
}

// Dim returns the number of coordinates ξ.
func (ns *NullSpace) Dim() int { return ns.cs.Dim() }

// G stores g(ξ) = g0 + Zξ into dst and returns it; a nil dst is allocated.
func (ns *NullSpace) G(dst, xi []float64) []float64 {
	dst = ns.cs.ToFull(dst, xi)
	for k, v := range ns.g0 {
		dst[k] += v
	}
	return dst
}

// Optimize returns E(g(ξ)) as a gonum optimize.Problem over ξ, with
// gradient Zᵀ∇E and Hessian Zᵀ∇²E Z, for gonum's methods on constrained
// problems. Start them at ξ = 0, which is the projected g0. It panics if
// p's pattern is not Equal to the constraints' pattern.
func (ns *NullSpace) Optimize(p *Problem) optimize.Problem {
	if !p.pat.Equal(ns.cs.pat) {
		panic("sparsels: NullSpace.Optimize: problem and constraints have different patterns")
	}
	return optimize.Problem{
		Func: func(xi []float64) float64 { return p.Energy(ns.G(nil, xi)) },
		Grad: func(grad, xi []float64) {
			ns.cs.ToReduced(grad, p.Gradient(nil, ns.G(nil, xi)))
		},
		Hess: func(h *mat.SymDense, xi []float64) {
			var full mat.SymDense
			var hz mat.Dense
			p.Hessian(&full, ns.G(nil, xi))
			ns.cs.reduceSym(h, &full, &hz)
		},
	}
}

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
	if done, r, err := sv.startCheck(); done {
		return r, err
	}
	gnorm0 := sv.gnorm
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
		GradientThreshold: math.Max(set.GradientTol, 0) * sv.gnorm * scale,
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
	if sv.gnorm <= math.Max(set.GradientTol, 0)*gnorm0 {
		return sv.finish(GradientConvergence, "", nil)
	}
	return sv.finish(FunctionConvergence, "gonum LBFGS converged", nil)
}
