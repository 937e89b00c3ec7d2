package sparsels

import (
	"math"

	"github.com/sparsels/sparsels/internal/vec"
)

// hybrid is HybridGaussNewton: Gauss-Newton steps while the Gauss-Newton
// model describes E, QuasiNewton's structured secant steps while it does
// not, the choice made at every step from what the last step measured.
//
// A Gauss-Newton step is the minimum-norm solution of the linearized
// problem, (JᵀJ)ξ = −½Zᵀ∇E by CG preconditioned by the Gauss-Newton row
// blocks (as GaussNewtonLineSearch), followed by the global minimizer of E
// along it. f is quadratic in g, so E(g + t·d) = ‖f + t·J·d + t²·Q(d, d)‖²
// is an exact quartic, and its t² coefficient splits into the Gauss-Newton
// curvature ‖J·d‖² and the second-order curvature 2⟨f, Q(d, d)⟩ that the
// Gauss-Newton model leaves out. Their ratio, the second-order share, says
// how well the Gauss-Newton model predicted the step, at no extra cost: it
// tends to zero on zero-residual problems, where Gauss-Newton converges
// quadratically, and it is of order one on large-residual problems such as
// spectral coarsening, where the second-order term is indefinite and
// Gauss-Newton steps are poor (NL2SOL's choice between the Gauss-Newton and
// the augmented model, made on the exact quartic rather than on two
// predictions).
//
// While the share stays at most hybridShare, the next step is Gauss-Newton
// again. Otherwise the method takes QuasiNewton steps: limited-memory BFGS
// whose initial inverse Hessian is the block-Jacobi inverse of the
// Gauss-Newton row blocks plus a bound on the second-order term's row
// blocks, a secant model of the whole Hessian with the Gauss-Newton
// structure in its initial matrix. It returns to a Gauss-Newton trial when
// the share it predicts has fallen to hybridShare: the second-order term is
// linear in f, so the share measured along the last Gauss-Newton step,
// scaled by √(E/E₀) with E₀ the energy where it was measured, predicts the
// share now. On a zero-residual problem E falls to zero and the trials come
// back as soon as the residual has shrunk enough; on a large-residual one E
// levels off at its minimum and they do not come back, at no cost in
// products. A wait before a trial, which doubles after every trial that
// ends within hybridEpisode Gauss-Newton steps, bounds the share of a run
// spent on trials when the prediction is wrong. Every step, of either kind,
// adds its curvature pair to the secant memory.
type hybrid struct {
	sv     *solver
	md     *localModel
	qn     *quasiNewton
	gnBP   *blockPrecond // the Gauss-Newton steps' preconditioner
	gnMode bool          // the next step is a Gauss-Newton step
	wait   int           // secant steps before a Gauss-Newton trial may be called for
	pause  int           // the wait after the next failed trial
	// failShare and failE are the share and the energy of the last
	// Gauss-Newton step that ended a run of them.
	failShare, failE float64
	// episode counts the Gauss-Newton steps since the last secant step
	// that kept the Gauss-Newton mode.
	episode int
	// gnFailed: the last Gauss-Newton trial gave no decrease at the current
	// iterate.
	gnFailed bool
}

const (
	// hybridShare is the largest second-order share |2⟨f, Q(d, d)⟩|/‖J·d‖²
	// along a Gauss-Newton step for which the next step is Gauss-Newton too.
	hybridShare = 0.5
	// hybridEpisode is the fewest Gauss-Newton steps in a row, each kept
	// by its share, after which the wait starts again from hybridPause;
	// after shorter runs it keeps doubling.
	hybridEpisode = 3
	// hybridPause is the first wait, in secant steps, after a failed
	// Gauss-Newton trial.
	hybridPause = 10
	// hybridShift is the shift of the Gauss-Newton steps' matrix, relative
	// to Moré's scaling: negligible, it only keeps the preconditioner
	// definite (see GaussNewtonLineSearch).
	hybridShift = 1e-10
)

// hybridGaussNewton runs HybridGaussNewton, matrix-free.
func (sv *solver) hybridGaussNewton() (*Result, error) {
	if sv.set.Linear == LinearDense {
		return nil, invalidf(ErrSettings, "sparsels: Solve: HybridGaussNewton is matrix-free; Settings.Linear = LinearDense is not available to it")
	}
	sv.res.Linear = LinearCG
	md := sv.newLocalModel(hessianCurvature, LinearCG)
	if r, done, err := sv.startCheck(); done {
		return r, err
	}
	h := newHybrid(sv, md)
	refreshed := 0 // iteration of the secant preconditioner's last update; 0 for never
	for iter := 1; ; iter++ {
		if r, done, err := sv.limitReached(iter); done {
			return r, err
		}
		rec := IterationRecord{Iteration: iter}
		var out stepOutcome
		gn := h.gnMode
		if gn {
			if r, done, err := md.linearize(); done {
				return r, err
			}
			var share float64
			out, share = h.gnStep(&rec)
			if md.cgw.Stopped {
				st, _ := sv.interrupted()
				if st == NotTerminated {
					st = Canceled
				}
				return sv.finish(st, "during the linear solve", nil)
			}
			h.judge(out.accepted, share)
		} else {
			if refreshed == 0 || iter-refreshed >= qnRefreshEvery(iter) {
				if r, done, err := md.linearize(); done {
					return r, err
				}
				md.refreshPreconditioner(qnBoundWeight)
				refreshed = iter
			}
			out = h.qn.iterate(&rec)
		}
		eOld := sv.e
		if out.accepted {
			copy(h.qn.rgOld, sv.rgrad)
			md.accept(out.energy)
			h.qn.update(rec.Damping)
			h.gnFailed = false
			if !gn {
				h.secantStepDone()
			}
		}
		if r, done, err := sv.endIteration(iter, &rec, out, eOld); done {
			return r, err
		}
		if !out.accepted && !gn {
			switch {
			case len(h.qn.s) > 0:
				h.qn.reset()
			case !h.gnFailed:
				// No decrease along the preconditioned gradient: the
				// Gauss-Newton direction may still descend.
				h.gnMode = true
			default:
				return sv.finish(NumericalFailure, "no decrease along the Gauss-Newton direction or the preconditioned gradient", nil)
			}
		}
	}
}

// newHybrid returns the state of a HybridGaussNewton run on the local
// model md, whose first step is a Gauss-Newton step.
func newHybrid(sv *solver, md *localModel) *hybrid {
	return &hybrid{
		sv: sv, md: md, qn: newQuasiNewton(sv, md),
		gnBP:   newBlockPrecond(sv.cs, sv.set.CG.Preconditioner, sv.p.maxThreads()),
		gnMode: true, pause: hybridPause,
	}
}

// judge chooses the kind of the step after a Gauss-Newton step that was
// accepted or not and whose second-order share was share.
func (h *hybrid) judge(accepted bool, share float64) {
	if accepted && share <= hybridShare {
		h.episode++
		return
	}
	if h.episode >= hybridEpisode {
		h.pause = hybridPause
	}
	h.episode = 0
	h.failShare, h.failE = share, h.sv.e
	h.gnFailed = !accepted
	h.gnMode = false
	h.wait = h.pause
	h.pause = min(2*h.pause, 1<<20)
}

// secantStepDone counts down the wait after an accepted secant step and,
// once it is over, calls for a Gauss-Newton trial when the predicted share,
// failShare·√(E/failE), is at most hybridShare.
func (h *hybrid) secantStepDone() {
	if h.wait > 0 {
		h.wait--
		return
	}
	if h.failShare*math.Sqrt(h.sv.e/h.failE) <= hybridShare {
		h.gnMode = true
	}
}

// gnStep takes a Gauss-Newton step from the linearized model: the
// minimum-norm solution of (JᵀJ + hybridShift·D)ξ = md.b by CG
// preconditioned by the Gauss-Newton row blocks, then the global minimizer
// of the exact quartic E along it. It returns the outcome and the
// second-order share of the curvature along the direction, |2⟨f, Q(d, d)⟩|
// over ‖J·d‖², +Inf when there was no descent direction. The step direction
// is left in h.qn.dxi and the step length in rec.Damping for the secant
// update.
func (h *hybrid) gnStep(rec *IterationRecord) (out stepOutcome, share float64) {
	sv, md := h.sv, h.md
	secantBP := md.bp
	md.bp = h.gnBP
	_, ok := md.dampedGN(hybridShift, rec)
	md.bp = secantBP
	if !ok || !(vec.Dot(sv.rgrad, md.xi) < 0) {
		// No step, or not a descent direction (an inexact solve).
		rec.StepNorm = 0
		return stepOutcome{}, math.Inf(1)
	}
	copy(h.qn.dxi, md.xi)
	out = md.exactStep(rec)
	share = math.Inf(1)
	if jj := md.probe.gnCurv; jj > 0 {
		share = math.Abs(md.probe.soCurv) / jj
	}
	return out, share
}
