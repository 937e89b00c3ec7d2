package sparsels

import (
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/krylov"
)

// secondOrder is the state shared by the second-order methods
// (LevenbergMarquardt, GaussNewtonLineSearch, NewtonTrustRegion): the
// operators at the iterate and at the trial point, Moré's scaling, the
// preconditioner or the dense matrices, and the scratch vectors, all in the
// constraints' null-space coordinates ξ.
type secondOrder struct {
	sv        *solver
	linear    LinearSolver
	hessian   bool // the method's model uses ½∇²E (Newton), else JᵀJ
	op, trial *JacobianOperator
	tau       float64 // Tikhonov weight

	scale    []float64 // Moré's scaling D: running max of diag(JᵀJ)
	shift    []float64 // diagonal added to the model's matrix
	rowBound []float64 // bounds of the second-order term's row blocks
	xf, yf   []float64 // full-space scratch
	xi, b    []float64 // the step and the right-hand side −½Zᵀ∇E
	step, gt []float64 // the step and the trial point, full space
	cgw      *krylov.Work
	blocks   *BlockDiag
	bp       *blockPrecond
	fc       forcing
	eta      float64 // the linear solve's relative tolerance
	dense    denseModel
	probe    lineProbe
	threads  int

	// boundWeight multiplies the second-order row bounds in Newton's
	// preconditioner: 1 for NewtonTrustRegion, qnBoundWeight for QuasiNewton.
	boundWeight float64

	denseIters int // dense linearizations so far (checkDenseTime)
}

// denseModel holds the dense reduced matrices of LinearDense.
type denseModel struct {
	gn, hs, hr, dr, lm mat.SymDense
	hz                 mat.Dense
	eig                mat.EigenSym
	q                  mat.Dense
	w, c               []float64
	chol               mat.Cholesky
}

// stepper is one second-order method: how it computes and judges a step.
type stepper interface {
	// linearized is called after the shared linearization at a new point.
	linearized(so *secondOrder) error
	// iterate computes a step from so.b, evaluates the trial point(s) and
	// reports whether the step is accepted and the energy there. It fills
	// rec's CGIterations, StepNorm and Damping and sets so.step.
	iterate(so *secondOrder, rec *IterationRecord) (it stepOutcome, err error)
	// failed reports a method-specific end: the radius or the damping at
	// its limit.
	failed() (string, bool)
}

// stepOutcome is what an iteration of a stepper found.
type stepOutcome struct {
	accepted   bool
	energy     float64 // E at the trial point taken
	negligible bool    // the model predicts no decrease above rounding
	limited    bool    // the step was cut by the radius or the damping
	exact      bool    // the step minimized E exactly along its direction
}

// secondOrder runs a second-order method m.
func (sv *solver) secondOrder(m stepper) (*Result, error) {
	so, err := sv.newSecondOrder(m)
	if err != nil {
		return nil, err
	}
	if done, r, err := sv.startCheck(); done {
		return r, err
	}
	fresh := true
	for iter := 1; ; iter++ {
		if r, err, done := sv.limitReached(iter); done {
			return r, err
		}
		rec := IterationRecord{Iteration: iter}
		if fresh {
			if r, err, done := so.linearize(m); done {
				return r, err
			}
			fresh = false
		}
		out, err := m.iterate(so, &rec)
		if err != nil {
			return sv.finish(NumericalFailure, err.Error(), err)
		}
		if so.cgw.Stopped {
			// Cancelled or out of time inside the linear solve: keep the
			// best iterate, which is the current one.
			st, _ := sv.interrupted()
			if st == NotTerminated {
				st = Canceled
			}
			return sv.finish(st, "during the linear solve", nil)
		}
		eOld := sv.e
		if out.accepted {
			so.accept(out.energy)
			fresh = true
		}
		if r, err, done := sv.endIteration(iter, &rec, out, eOld); done {
			return r, err
		}
		if reason, ok := m.failed(); ok {
			return sv.finish(NumericalFailure, reason, nil)
		}
	}
}

// newSecondOrder evaluates the start and allocates the shared state.
func (sv *solver) newSecondOrder(m stepper) (*secondOrder, error) {
	p, set := sv.p, sv.set
	_, isNewton := m.(*newton)
	linear, err := sv.chooseLinear(isNewton)
	if err != nil {
		return nil, err
	}
	sv.res.Linear = linear
	t0 := time.Now()
	so := &secondOrder{
		sv: sv, linear: linear, hessian: isNewton, tau: set.Lambda,
		op: p.JacobianOperator(sv.g), trial: p.JacobianOperator(sv.g),
		scale: make([]float64, sv.nnz), shift: make([]float64, sv.nnz),
		rowBound: make([]float64, p.n),
		xf:       make([]float64, sv.nnz), yf: make([]float64, sv.nnz),
		xi: make([]float64, sv.dim), b: make([]float64, sv.dim),
		step: make([]float64, sv.nnz), gt: make([]float64, sv.nnz),
		cgw:     krylov.NewWork(sv.dim),
		bp:      newBlockPrecond(sv.cs, set.Preconditioner, p.maxThreads()),
		fc:      forcing{fixed: set.Forcing},
		probe:   lineProbe{p: p},
		threads: p.maxThreads(), boundWeight: 1,
	}
	so.cgw.Stop = func() bool { _, stop := sv.interrupted(); return stop }
	sv.grad = make([]float64, sv.nnz)
	sv.e = so.op.Energy() + sv.tikhonov(sv.g, nil)
	so.op.Gradient(sv.grad)
	sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	sv.res.FuncEvals++
	sv.res.GradEvals++
	sv.res.Times.Evaluate += time.Since(t0)
	return so, nil
}

// linearize updates Moré's scaling and the preconditioner blocks (LinearCG)
// or the dense reduced matrix (LinearDense) at the iterate, then lets the
// method finish its own set-up.
func (so *secondOrder) linearize(m stepper) (*Result, error, bool) {
	sv, p, cs := so.sv, so.sv.p, so.sv.cs
	res := sv.res
	t := time.Now()
	if so.linear == LinearCG {
		so.blocks = p.GaussNewtonBlocks(so.blocks, sv.g)
		for a := 0; a < p.n; a++ {
			idx := p.pat.RowIndices(a)
			blk, sz := so.blocks.Block(a), len(idx)
			for i, k := range idx {
				so.scale[k] = math.Max(so.scale[k], blk[i*sz+i])
			}
		}
	} else {
		if r, err, done := so.checkDenseTime(); done {
			return r, err, true
		}
		d := &so.dense
		p.GaussNewton(&d.gn, sv.g)
		for k := range so.scale {
			so.scale[k] = math.Max(so.scale[k], d.gn.At(k, k))
		}
		if so.hessian {
			p.Hessian(&d.hs, sv.g)
			d.hs.ScaleSym(0.5, &d.hs)
			cs.reduceSym(&d.hr, &d.hs, &d.hz)
		} else {
			cs.reduceSym(&d.hr, &d.gn, &d.hz)
		}
		for i := 0; i < sv.dim; i++ {
			d.hr.SetSym(i, i, d.hr.At(i, i)+so.tau)
		}
	}
	floorScale(so.scale)
	res.Times.Precondition += time.Since(t)
	so.eta = so.fc.next(sv.gnorm)
	for i := range so.b {
		so.b[i] = -0.5 * sv.rgrad[i]
	}
	if err := m.linearized(so); err != nil {
		r, err := sv.finish(NumericalFailure, err.Error(), err)
		return r, err, true
	}
	return nil, nil, false
}

// tryPoint evaluates the total energy at g + alpha·step, projected onto the
// constraints, into the trial operator.
func (so *secondOrder) tryPoint(alpha float64) float64 {
	sv := so.sv
	for k := range so.gt {
		so.gt[k] = sv.g[k] + alpha*so.step[k]
	}
	sv.cs.projectRows(so.gt)
	t := time.Now()
	so.trial.SetPoint(so.gt)
	sv.res.FuncEvals++
	sv.res.Times.Evaluate += time.Since(t)
	return so.trial.Energy() + sv.tikhonov(so.gt, nil)
}

// accept moves to the last trial point, whose energy is e.
func (so *secondOrder) accept(e float64) {
	sv := so.sv
	so.op, so.trial = so.trial, so.op
	copy(sv.g, so.gt)
	sv.e = e
	t := time.Now()
	so.op.Gradient(sv.grad)
	sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	sv.res.GradEvals++
	sv.res.Times.Evaluate += time.Since(t)
}

// applyGN stores the reduced (JᵀJ + diag(shift))·x.
func (so *secondOrder) applyGN(dst, x []float64) {
	cs := so.sv.cs
	cs.toFull(so.xf, x, so.threads)
	so.op.GaussNewtonMulVecTo(so.yf, so.xf)
	for k := range so.yf {
		so.yf[k] += so.shift[k] * so.xf[k]
	}
	cs.toReduced(dst, so.yf, so.threads)
}

// applyHess stores the reduced (½∇²E + τ)·x.
func (so *secondOrder) applyHess(dst, x []float64) {
	cs := so.sv.cs
	cs.toFull(so.xf, x, so.threads)
	so.op.HessianMulVecTo(so.yf, so.xf)
	for k := range so.yf {
		so.yf[k] = 0.5*so.yf[k] + so.tau*so.xf[k]
	}
	cs.toReduced(dst, so.yf, so.threads)
}

// lineQuartic returns E(g + t·step)/ω² as a quartic in t (Tikhonov
// included) and ω² (see lineProbe.along).
func (so *secondOrder) lineQuartic() (quartic, float64) {
	sv := so.sv
	q, w2 := so.probe.along(so.op, so.step)
	if lam := sv.set.Lambda; lam > 0 {
		var gd, dd, gg float64
		for k, d := range so.step {
			v := sv.g[k]
			if sv.set.Ref != nil {
				v -= sv.set.Ref[k]
			}
			gg += v * v
			gd += v * d
			dd += d * d
		}
		q[0] += lam * gg / w2
		q[1] += 2 * lam * gd / w2
		q[2] += lam * dd / w2
	}
	return q, w2
}

// errFactorization reports a failed dense factorization.
var errFactorization = errors.New("sparsels: Solve: the dense factorization failed")

// floorScale keeps Moré's scaling positive and of the problem's scale:
// entries below 1e-3 times the mean are raised to it (a column of J that
// vanishes, such as those of rows of G whose neighbourhood lies in one
// cluster at G = Kᵀ, would otherwise be left undamped).
func floorScale(d []float64) {
	var sum float64
	for _, v := range d {
		sum += v
	}
	lo := 1e-3 * sum / float64(max(len(d), 1))
	if !(lo > 0) || math.IsInf(lo, 0) {
		lo = 1
	}
	for k, v := range d {
		if v < lo {
			d[k] = lo
		}
	}
}
