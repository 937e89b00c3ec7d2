package sparsels

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// Termination tests shared by the methods of Solve.
//
// A convergence status must be earned: the gradient test compares the
// projected gradient with a scale that does not vanish with g, the function
// test refuses a window whose decreases are still growing (a run leaving
// the flat region around G = 0 makes tiny but accelerating progress), and
// no test accepts an iterate that has not left that flat region.

// gradientScale returns σ = 2‖X‖_F^{3/2}(‖Y‖_F‖L‖_F‖B‖_F)^{1/2}, the size of
// ∇E at the natural scale of G, where ‖Y GᵀLG B‖ is about ‖X‖. It scales with
// the data as the gradient does (E ∝ ‖X‖², g ∝ (‖X‖/‖Y‖‖L‖‖B‖)^{1/2}) and does
// not depend on g, so a gradient test against it can neither pass near the
// flat point G = 0 nor be out of reach from a huge start. It is 0 when X = 0
// or a factor vanishes, and +Inf if it overflows.
func (p *Problem) gradientScale() float64 {
	nx := floats.Norm(p.x, 2)
	nb := floats.Norm(p.b, 2)
	nl := floats.Norm(p.l.Val, 2)
	var ny float64
	switch p.y.Kind {
	case sparsemat.Diag:
		ny = floats.Norm(p.y.Diag, 2)
	case sparsemat.Sparse:
		ny = floats.Norm(p.y.Sp.Val, 2)
	default:
		ny = floats.Norm(p.y.Dn, 2)
	}
	return 2 * nx * math.Sqrt(nx) * math.Sqrt(ny) * math.Sqrt(nl) * math.Sqrt(nb)
}

// gradientThreshold returns GradientTol·min(‖∇E(g0)‖, σ): the gradient test
// never gets looser than relative to the start, and a start far from the
// natural scale (g0 tiny or huge) does not set the bar.
func (sv *solver) gradientThreshold() float64 {
	s := sv.gnorm0
	if sv.gscale > 0 && sv.gscale < s {
		s = sv.gscale
	}
	return sv.set.GradientTol * s
}

// convergence returns the convergence status earned after an iteration
// whose outcome is out, if any; tiny reports a nonzero step at most StepTol
// relative. The FunctionTol test runs over the method's ftolWindow, and not
// for a method whose window is 0 (it judges its progress itself). A tiny step cut short by the trust radius or the damping is no
// sign of convergence; an exact line minimization that finds no decrease
// above the energy's rounding error is.
func (sv *solver) convergence(out stepOutcome, tiny bool) (Status, string, bool) {
	set := sv.set
	accepted, negligible, limited := out.accepted, out.negligible, out.limited
	h := sv.res.History
	w := sv.spec.ftolWindow
	var st Status
	var reason string
	switch {
	case accepted && set.GradientTol >= 0 && sv.gnorm <= sv.gradientThreshold():
		st, reason = GradientConvergence, fmt.Sprintf("projected gradient %.3g ≤ GradientTol %.3g × %.3g", sv.gnorm, set.GradientTol, sv.gradientThreshold()/set.GradientTol)
	case accepted && set.FunctionTol >= 0 && w > 0 && !accelerating(h, w):
		d := relDecreaseOver(h, w)
		if !(d <= set.FunctionTol) {
			return 0, "", false
		}
		st, reason = FunctionConvergence, fmt.Sprintf("relative decrease %.3g over the last %d accepted steps ≤ FunctionTol %.3g", d, w, set.FunctionTol)
	case tiny && !limited && set.StepTol >= 0 && (accepted || negligible):
		st, reason = StepConvergence, fmt.Sprintf("relative step %.3g ≤ StepTol %.3g", h[len(h)-1].StepNorm/(floats.Norm(sv.g, 2)+set.StepTol), set.StepTol)
	case !accepted && negligible && out.exact:
		st, reason = FunctionConvergence, "no decrease along the direction above the energy's rounding error"
	default:
		return 0, "", false
	}
	if sv.atFlatStart() {
		return StationaryStart, "the iterate has not left the flat region around the stationary point G = 0 (‖Y GᵀLG B‖ ≤ 1e-6·‖X‖): start from a larger G", true
	}
	return st, reason, true
}

// negligible reports whether a predicted decrease of E is at the level of
// the energy's rounding error, about 10⁻¹⁵·(E + √E·‖X‖_F) + 10⁻³⁰‖X‖²_F: the
// residual f = X − Y GᵀLG B is a difference of terms as large as X. A NaN
// prediction is not negligible: it comes from a failed model, not from a
// converged one.
func (sv *solver) negligible(pred float64) bool {
	e := math.Abs(sv.e)
	x := sv.xnorm
	return !math.IsNaN(pred) && !(pred > 10*(1e-15*(e+math.Sqrt(e)*x)+1e-30*x*x))
}

// atFlatStart reports whether g is still in the flat region around G = 0,
// where J(0) = 0 and every test of progress is at rounding level: the model
// Y GᵀLG B is at most 1e-6 of X. With a Tikhonov term G = 0 may be a true
// minimum, so the test is off then.
func (sv *solver) atFlatStart() bool {
	p := sv.p
	if sv.set.Lambda > 0 || p.r == 0 || p.c == 0 {
		return false
	}
	ws := p.getWorkspace()
	defer p.putWorkspace(ws)
	p.forward(ws, sv.g)
	var model, x float64
	for i, f := range ws.f {
		d := p.x[i] - f
		model += d * d
		x += p.x[i] * p.x[i]
	}
	return x > 0 && model <= 1e-12*x
}

// ftolWindow is the number of accepted steps over which the relative energy
// decrease is compared with FunctionTol (methodSpec.ftolWindow): a single
// heavily damped or shortened step says little about convergence.
const ftolWindow = 5

// relDecreaseOver returns the relative decrease of the energy over the last w
// accepted steps recorded in h (+Inf while fewer than w steps were accepted).
func relDecreaseOver(h []IterationRecord, w int) float64 {
	if len(h) == 0 {
		return math.Inf(1)
	}
	after := h[len(h)-1].Energy
	seen := 0
	for i := len(h) - 1; i >= 0; i-- {
		if !h[i].Accepted {
			continue
		}
		seen++
		if seen == w {
			// The energy before the w-th last accepted step.
			before := h[i].Energy / (1 - h[i].RelDecrease)
			if h[i].RelDecrease >= 1 || before == 0 {
				return 0
			}
			return (before - after) / before
		}
	}
	return math.Inf(1)
}

// accelerating reports whether the decreases of the last w accepted steps
// in h are growing: the last more than twice the first. Such a run is
// leaving a flat region, not converging.
func accelerating(h []IterationRecord, w int) bool {
	var first, last float64
	seen := 0
	for i := len(h) - 1; i >= 0 && seen < w; i-- {
		if !h[i].Accepted {
			continue
		}
		if seen == 0 {
			last = h[i].RelDecrease
		}
		first = h[i].RelDecrease
		seen++
	}
	return seen == w && last > 2*first && last > 0
}
