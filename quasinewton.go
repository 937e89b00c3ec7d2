package sparsels

import (
	"time"

	"github.com/sparsels/sparsels/internal/vec"
)

// quasiNewton is QuasiNewton: limited-memory BFGS in the constraints'
// null-space coordinates whose initial inverse Hessian M⁻¹ is the
// block-Jacobi inverse of the Gauss-Newton row blocks plus qnBoundWeight
// times a bound on the second-order term's row blocks (the preconditioner
// of NewtonTrustRegion), refreshed at intervals that grow with the run
// (qnRefreshEvery) and scaled by sᵀy/yᵀM⁻¹y. The unit step is taken when it
// decreases E enough; otherwise E is minimized exactly along the direction:
// f is quadratic in g, so E along a line is a quartic whose global
// minimizer over t > 0 costs a J·x product and one residual evaluation
// (quartic.go).
type quasiNewton struct {
	sv       *solver
	md       *localModel // operator, preconditioner and scaling
	s, y     [][]float64 // curvature pairs, oldest first
	rho      []float64
	alpha    []float64
	gamma    float64
	dxi      []float64
	q, rgOld []float64
}

const (
	qnMemory  = 10 // curvature pairs kept
	qnRefresh = 10 // fewest iterations between preconditioner updates
	// qnBoundWeight scales the second-order row bounds in the initial
	// inverse Hessian: the Gershgorin bounds overestimate the curvature
	// they stand for, and a weight below 1 did best (BENCHMARKS.md,
	// section "Solver design choices").
	qnBoundWeight = 0.3
)

// qnRefreshEvery returns the interval between preconditioner updates at
// iteration iter: a tenth of the iterations so far, from qnRefresh up to 200.
// Late in a run the iterate moves little and an update (the Gauss-Newton
// row blocks and the second-order bounds, about two gradients) buys little
// (BENCHMARKS.md, section "Solver design choices").
func qnRefreshEvery(iter int) int {
	return min(max(iter/10, qnRefresh), 200)
}

// quasiNewton runs QuasiNewton on the Hessian's local model, matrix-free:
// it uses the model's preconditioner, and solves no linear system.
func (sv *solver) quasiNewton() (*Result, error) {
	md := sv.newLocalModel(hessianCurvature, LinearCG)
	if r, done, err := sv.startCheck(); done {
		return r, err
	}
	qn := newQuasiNewton(sv, md)
	refreshed := 0 // iteration of the last preconditioner update
	for iter := 1; ; iter++ {
		if r, done, err := sv.limitReached(iter); done {
			return r, err
		}
		if iter == 1 || iter-refreshed >= qnRefreshEvery(iter) {
			if r, done, err := md.linearize(); done {
				return r, err
			}
			md.refreshPreconditioner(qnBoundWeight)
			refreshed = iter
		}
		rec := IterationRecord{Iteration: iter}
		out := qn.iterate(&rec)
		eOld := sv.e
		if out.accepted {
			copy(qn.rgOld, sv.rgrad)
			md.accept(out.energy)
			qn.update(rec.Damping)
		}
		if r, done, err := sv.endIteration(iter, &rec, out, eOld); done {
			return r, err
		}
		if !out.accepted {
			if len(qn.s) == 0 {
				return sv.finish(NumericalFailure, "no decrease along the preconditioned gradient", nil)
			}
			qn.reset()
		}
	}
}

// newQuasiNewton returns the quasi-Newton state of sv on the model md, with
// no curvature pairs.
func newQuasiNewton(sv *solver, md *localModel) *quasiNewton {
	return &quasiNewton{
		sv: sv, md: md, gamma: 1, alpha: make([]float64, qnMemory),
		dxi: make([]float64, sv.dim),
		q:   make([]float64, sv.dim), rgOld: make([]float64, sv.dim),
	}
}

// iterate computes the quasi-Newton direction and the step along it: the
// unit step when it decreases E enough (Armijo, 10⁻⁴), as it usually does
// with the scaled, preconditioned initial matrix; otherwise the global
// minimizer of the quartic E along the direction.
func (qn *quasiNewton) iterate(rec *IterationRecord) stepOutcome {
	sv, md := qn.sv, qn.md
	t0 := time.Now()
	qn.direction()
	sv.cs.ToFull(md.step, qn.dxi)
	sv.res.Times.LinearSolve += time.Since(t0)
	rec.Damping, rec.StepNorm = 1, norm2(md.step)
	if e := md.tryPoint(1); finite(e) && e <= sv.e+1e-4*vec.Dot(sv.grad, md.step) {
		return stepOutcome{accepted: true, energy: e, negligible: sv.negligible(sv.e - e)}
	}
	return md.exactStep(rec)
}

// direction stores −H·∇ (reduced) into dxi by the two-loop recursion, or
// the preconditioned steepest descent direction if that is not a descent
// direction.
func (qn *quasiNewton) direction() {
	sv, bp := qn.sv, qn.md.bp
	copy(qn.q, sv.rgrad)
	for i := len(qn.s) - 1; i >= 0; i-- {
		qn.alpha[i] = qn.rho[i] * vec.Dot(qn.s[i], qn.q)
		axpy(qn.q, -qn.alpha[i], qn.y[i])
	}
	bp.apply(qn.dxi, qn.q)
	for i := range qn.dxi {
		qn.dxi[i] *= qn.gamma
	}
	for i := range qn.s {
		beta := qn.rho[i] * vec.Dot(qn.y[i], qn.dxi)
		axpy(qn.dxi, qn.alpha[i]-beta, qn.s[i])
	}
	for i := range qn.dxi {
		qn.dxi[i] = -qn.dxi[i]
	}
	if !(vec.Dot(sv.rgrad, qn.dxi) < 0) {
		qn.reset()
		bp.apply(qn.dxi, sv.rgrad)
		for i := range qn.dxi {
			qn.dxi[i] = -qn.dxi[i]
		}
	}
}

// update stores the curvature pair of the step t·dxi just taken, if its
// curvature sᵀy is positive.
func (qn *quasiNewton) update(t float64) {
	sv := qn.sv
	var s, y []float64
	if len(qn.s) == qnMemory {
		s, y = qn.s[0], qn.y[0]
		qn.s, qn.y, qn.rho = qn.s[1:], qn.y[1:], qn.rho[1:]
	} else {
		s, y = make([]float64, sv.dim), make([]float64, sv.dim)
	}
	for i := range s {
		s[i] = t * qn.dxi[i]
		y[i] = sv.rgrad[i] - qn.rgOld[i]
	}
	sy := vec.Dot(s, y)
	if !(sy > 1e-12*norm2(s)*norm2(y)) {
		return
	}
	qn.s, qn.y, qn.rho = append(qn.s, s), append(qn.y, y), append(qn.rho, 1/sy)
	qn.md.bp.apply(qn.q, y)
	if yMy := vec.Dot(y, qn.q); yMy > 0 {
		qn.gamma = sy / yMy
	}
}

// reset forgets the curvature pairs.
func (qn *quasiNewton) reset() {
	qn.s, qn.y, qn.rho = qn.s[:0], qn.y[:0], qn.rho[:0]
	qn.gamma = 1
}
