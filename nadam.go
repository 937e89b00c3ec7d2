package sparsels

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
)

// nadam runs NAdam as the published spectral-coarsening code does: Adam with
// Nesterov momentum on the full gradient, the iterate projected back onto the
// constraints after every step, and the learning rate halved after
// StallPatience iterations without a new best energy. The best iterate is
// returned.
func (sv *solver) nadam() (*Result, error) {
	p, set, res := sv.p, sv.set, sv.res
	nnz := sv.nnz
	g := append([]float64(nil), sv.g...)
	grad := make([]float64, nnz)
	m := make([]float64, nnz)
	v := make([]float64, nnz)
	sv.grad = make([]float64, nnz)

	t0 := time.Now()
	e, _ := p.EnergyGradient(grad, g)
	e += sv.tikhonov(g, grad)
	res.FuncEvals++
	res.GradEvals++
	res.Times.Evaluate += time.Since(t0)
	sv.e = e
	copy(sv.grad, grad)
	sv.setGradient()
	if done, r, err := sv.startCheck(); done {
		return r, err
	}
	gnorm0 := sv.gnorm
	lr := set.LearningRate
	b1, b2, eps := set.Beta1, set.Beta2, set.Epsilon
	// The moments are accumulated for the gradient divided by a power of two
	// gs near its initial magnitude, because g² overflows above about 1e154
	// (v became +Inf and every step 0, so NAdam sat at the start and reported
	// function convergence on problems with entries around 1e150) and
	// underflows below about 1e-154. Since
	// m̂/(√v̂ + ε) = (m̂/gs)/(√(v̂/gs²) + ε/gs), the iterates are the published
	// method's up to rounding, and identical when gs = 1, which it is unless
	// the initial gradient lies outside [2⁻²⁵⁶, 2²⁵⁶].
	gs := 1.0
	if gmax := floats.Norm(grad, math.Inf(1)); gmax > 0x1p256 || gmax < 0x1p-256 {
		_, e := math.Frexp(gmax)
		gs = math.Ldexp(1, max(min(e, 1000), -1000))
	}
	epsScaled := eps / gs
	stall := 0
	prevBest := e
	for t := 1; ; t++ {
		if st, ok := sv.interrupted(); ok {
			return sv.finish(st, "", nil)
		}
		if t > set.MaxIterations {
			return sv.finish(IterationLimit, fmt.Sprintf("%d iterations", set.MaxIterations), nil)
		}
		b1t, b2t := math.Pow(b1, float64(t)), math.Pow(b2, float64(t))
		b1t1 := b1t * b1
		for k, gk := range grad {
			gk /= gs
			m[k] = b1*m[k] + (1-b1)*gk
			v[k] = b2*v[k] + (1-b2)*gk*gk
			mhat := b1*m[k]/(1-b1t1) + (1-b1)*gk/(1-b1t)
			vhat := v[k] / (1 - b2t)
			g[k] -= lr * mhat / (math.Sqrt(vhat) + epsScaled)
		}
		sv.cs.projectRows(g)

		ts := time.Now()
		e, _ = p.EnergyGradient(grad, g)
		e += sv.tikhonov(g, grad)
		res.FuncEvals++
		res.GradEvals++
		res.Times.Evaluate += time.Since(ts)
		if !finite(e) {
			return sv.finish(NumericalFailure, "non-finite energy", fmt.Errorf("%w: energy at iteration %d", ErrNotFinite, t))
		}
		rec := IterationRecord{Iteration: t, Damping: lr}
		if e < sv.e {
			rec.Accepted = true
			rec.RelDecrease = (sv.e - e) / sv.e
			copy(sv.g, g)
			copy(sv.grad, grad)
			sv.e = e
			sv.setGradient()
			stall = 0
		} else {
			stall++
			if stall >= set.StallPatience {
				lr /= 2
				stall = 0
			}
		}
		rec.Energy = sv.e
		rec.GradientNorm = sv.gnorm
		if err := sv.record(rec); err != nil {
			return sv.callbackStop(err)
		}
		if sv.gnorm <= set.GradientTol*gnorm0 {
			return sv.finish(GradientConvergence, "", nil)
		}
		// A run that never decreased E has not converged: no step it tried
		// decreases E, which is a numerical failure (for example a
		// learning rate or an Epsilon unsuited to the scale of the problem).
		if lr < 1e-10*set.LearningRate {
			if sv.e == res.InitialEnergy {
				return sv.finish(NumericalFailure, "the learning rate fell below 1e-10 of its start without any decrease of E", nil)
			}
			return sv.finish(FunctionConvergence, "the learning rate fell below 1e-10 of its start", nil)
		}
		// Over a window of iterations the best energy must keep decreasing.
		if t%100 == 0 {
			if sv.e == res.InitialEnergy {
				return sv.finish(NumericalFailure, fmt.Sprintf("no decrease of E in %d iterations", t), nil)
			}
			if (prevBest-sv.e)/prevBest <= set.FunctionTol {
				return sv.finish(FunctionConvergence, fmt.Sprintf("relative decrease over 100 iterations ≤ %.3g", set.FunctionTol), nil)
			}
			prevBest = sv.e
		}
	}
}
