package sparsels

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
)

// NAdamSettings are the parameters of the method NAdam. The zero value
// gives the published defaults stated on each field.
type NAdamSettings struct {
	// LearningRate is the initial step size (default 0.02).
	LearningRate float64
	// Beta1 and Beta2 are the decay rates of the first and second moments,
	// below 1 (defaults 0.9 and 0.9).
	Beta1, Beta2 float64
	// Epsilon is absolute, as published (default 1e-8): with gradients far
	// below it NAdam's steps stall at lr·∇E/ε, and a run that does not
	// decrease E above its rounding error ends in NumericalFailure.
	Epsilon float64
	// StallPatience is the number of iterations without a new best energy
	// after which the learning rate is halved (default 20).
	StallPatience int
}

// validate checks n, the field NAdam of Settings.
func (n *NAdamSettings) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"LearningRate", n.LearningRate}, {"Beta1", n.Beta1}, {"Beta2", n.Beta2}, {"Epsilon", n.Epsilon},
	} {
		if err := checkFinite("Settings.NAdam."+f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"LearningRate", n.LearningRate}, {"Beta1", n.Beta1}, {"Beta2", n.Beta2}, {"Epsilon", n.Epsilon},
		{"StallPatience", float64(n.StallPatience)},
	} {
		if err := checkNotNegative("Settings.NAdam."+f.name, f.v); err != nil {
			return err
		}
	}
	if n.Beta1 >= 1 || n.Beta2 >= 1 {
		return invalidf(ErrSettings, "sparsels: Settings.NAdam.Beta1 = %v and Beta2 = %v must be below 1", n.Beta1, n.Beta2)
	}
	return nil
}

// withDefaults returns n with its defaults filled in.
func (n NAdamSettings) withDefaults() NAdamSettings {
	if n.LearningRate <= 0 {
		n.LearningRate = 0.02
	}
	if n.Beta1 <= 0 {
		n.Beta1 = 0.9
	}
	if n.Beta2 <= 0 {
		n.Beta2 = 0.9
	}
	if n.Epsilon <= 0 {
		n.Epsilon = 1e-8
	}
	if n.StallPatience <= 0 {
		n.StallPatience = 20
	}
	return n
}

// nadam runs NAdam as the published spectral-coarsening code does: Adam with
// Nesterov momentum on the full gradient, the iterate projected back onto the
// constraints after every step, and the learning rate halved after
// StallPatience iterations without a new best energy. The best iterate is
// returned. Its iterations end through the shared code of the driver; its
// FunctionTol test is the published one, over 100 iterations, and a
// learning rate that fell by 10¹⁰ ends the run.
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
	if r, done, err := sv.startCheck(); done {
		return r, err
	}
	lr := set.NAdam.LearningRate
	b1, b2, eps := set.NAdam.Beta1, set.NAdam.Beta2, set.NAdam.Epsilon
	// The moments are accumulated in units of 2^sExp, a power of two near
	// the magnitude of the gradient and of the moments, because g² overflows
	// above about 1e154 and underflows below about 1e-154. Since
	// m̂/(√v̂ + ε) = (m̂/s)/(√(v̂/s²) + ε/s), the iterates are the published
	// method's up to rounding, and identical while s = 1, which it stays
	// unless the gradient or the moments leave [2⁻²⁵⁶, 2²⁵⁶]. The unit is
	// updated every iteration, not only at the start: from a start near 0
	// the gradient can grow by hundreds of orders of magnitude, and with the
	// start's unit v would overflow and every later step be 0.
	sExp := 0
	mExp, vExp := math.MinInt32, math.MinInt32 // exponents of ‖m‖∞ and ‖v‖∞ in units of 2^sExp
	epsScaled := eps
	stall := 0
	prevBest := e
	for t := 1; ; t++ {
		if r, done, err := sv.limitReached(t); done {
			return r, err
		}
		if shift := nadamShift(grad, sExp, mExp, vExp); shift != 0 {
			sExp += shift
			for k := range m {
				m[k] = math.Ldexp(m[k], -shift)
				v[k] = math.Ldexp(v[k], -2*shift)
			}
			epsScaled = math.Ldexp(eps, -sExp)
		}
		b1t, b2t := math.Pow(b1, float64(t)), math.Pow(b2, float64(t))
		b1t1 := b1t * b1
		var mmax, vmax float64
		for k, gk := range grad {
			gk = math.Ldexp(gk, -sExp)
			m[k] = b1*m[k] + (1-b1)*gk
			v[k] = b2*v[k] + (1-b2)*gk*gk
			mmax, vmax = math.Max(mmax, math.Abs(m[k])), math.Max(vmax, v[k])
			mhat := b1*m[k]/(1-b1t1) + (1-b1)*gk/(1-b1t)
			vhat := v[k] / (1 - b2t)
			g[k] -= lr * mhat / (math.Sqrt(vhat) + epsScaled)
		}
		mExp, vExp = exponent(mmax), exponent(vmax)
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
		eOld := sv.e
		accepted := e < sv.e
		if accepted {
			copy(sv.g, g)
			copy(sv.grad, grad)
			sv.e = e
			sv.setGradient()
			stall = 0
		} else {
			stall++
			if stall >= set.NAdam.StallPatience {
				lr /= 2
				stall = 0
			}
		}
		// NAdam records no step norm: its steps are not compared with
		// StepTol, and its FunctionTol test is its own (below).
		if r, done, err := sv.endIteration(t, &rec, stepOutcome{accepted: accepted, energy: sv.e}, eOld); done {
			return r, err
		}
		// A run that never decreased E above its rounding error has not
		// converged: no step it tried decreases E, which is a numerical
		// failure (for example a learning rate unsuited to the problem).
		if lr < 1e-10*set.NAdam.LearningRate {
			if sv.negligible(res.InitialEnergy - sv.e) {
				return sv.finish(NumericalFailure, "the learning rate fell below 1e-10 of its start without any decrease of E", nil)
			}
			return sv.finish(FunctionConvergence, "the learning rate fell below 1e-10 of its start", nil)
		}
		// Over a window of iterations the best energy must keep decreasing.
		if t%100 == 0 {
			if sv.negligible(res.InitialEnergy - sv.e) {
				return sv.finish(NumericalFailure, fmt.Sprintf("no decrease of E above its rounding error in %d iterations", t), nil)
			}
			if (prevBest-sv.e)/prevBest <= set.FunctionTol {
				return sv.finish(FunctionConvergence, fmt.Sprintf("relative decrease over 100 iterations ≤ %.3g", set.FunctionTol), nil)
			}
			prevBest = sv.e
		}
	}
}

// nadamShift returns the change of the exponent sExp of NAdam's unit 2^sExp
// that brings the gradient and the moments (whose ‖m‖∞ and ‖v‖∞ have the
// exponents mExp and vExp in that unit) back near 1, or 0 while they lie
// within [2⁻²⁵⁶, 2²⁵⁶], so that neither g² nor v can overflow or underflow.
func nadamShift(grad []float64, sExp, mExp, vExp int) int {
	a := max(exponent(floats.Norm(grad, math.Inf(1)))-sExp, mExp, (vExp+1)/2)
	if a <= math.MinInt32/2 || (a >= -256 && a <= 256) {
		return 0 // all zero, or in range
	}
	return a
}

// exponent returns e with |x| = f·2^e, f in [½, 1), or math.MinInt32 for
// x = 0.
func exponent(x float64) int {
	if x == 0 || math.IsNaN(x) {
		return math.MinInt32
	}
	_, e := math.Frexp(x)
	return e
}
