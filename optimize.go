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
// problems. Start them at ξ = 0, which is the projected g0.
func (ns *NullSpace) Optimize(p *Problem) optimize.Problem {
	if p.pat != ns.cs.pat {
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
	sv.e = loc.F
	sv.g = r.ns.G(sv.g, loc.X)
	var gn float64
	full := sv.cs.ToFull(nil, loc.Gradient)
	for _, v := range full {
		gn = math.Max(gn, math.Abs(v))
	}
	sv.gnorm = gn
	rec := IterationRecord{Iteration: r.iter, Energy: loc.F, GradientNorm: gn, Accepted: true}
	if r.last > 0 {
		rec.RelDecrease = (r.last - loc.F) / r.last
	}
	r.last = loc.F
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
	prob := optimize.Problem{
		Func: func(xi []float64) float64 {
			t := time.Now()
			g := ns.G(gfull, xi)
			e := p.Energy(g) + sv.tikhonov(g, nil)
			res.FuncEvals++
			res.Times.Evaluate += time.Since(t)
			return e
		},
		Grad: func(grad, xi []float64) {
			t := time.Now()
			g := ns.G(gfull, xi)
			p.Gradient(gradFull, g)
			sv.tikhonov(g, gradFull)
			sv.cs.ToReduced(grad, gradFull)
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
	rec := &lbfgsRecorder{sv: sv, ns: ns, last: sv.e}
	settings := &optimize.Settings{
		MajorIterations: set.MaxIterations,
		Converger: &optimize.FunctionConverge{
			Relative:   math.Max(set.FunctionTol, 0),
			Iterations: 20,
		},
		GradientThreshold: math.Max(set.GradientTol, 0) * sv.gnorm,
		Recorder:          rec,
	}
	_, err := optimize.Minimize(prob, xi0, settings, &optimize.LBFGS{})
	switch {
	case rec.cbErr != nil:
		return sv.callbackStop(rec.cbErr)
	case rec.status != NotTerminated:
		return sv.finish(rec.status, "", nil)
	case err != nil && !errors.Is(err, errStopLBFGS):
		if !finite(sv.e) {
			return sv.finish(NumericalFailure, err.Error(), fmt.Errorf("%w: %v", ErrNotFinite, err))
		}
		// gonum reports a failed line search as an error: the best iterate
		// is kept and the run counts as converged as far as LBFGS can go.
		return sv.finish(FunctionConvergence, "gonum LBFGS: "+err.Error(), nil)
	}
	if r := len(res.History); r >= set.MaxIterations {
		return sv.finish(IterationLimit, fmt.Sprintf("%d iterations", set.MaxIterations), nil)
	}
	if sv.gnorm <= set.GradientTol*math.Abs(settings.GradientThreshold/math.Max(set.GradientTol, 1e-300)) {
		return sv.finish(GradientConvergence, "", nil)
	}
	return sv.finish(FunctionConvergence, "gonum LBFGS converged", nil)
}
