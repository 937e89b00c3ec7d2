package sparsels

import (
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/krylov"
)

// curvature is the matrix of a local model.
type curvature int

const (
	// gaussNewtonCurvature: the model's matrix is JᵀJ (+τ), the
	// Gauss-Newton matrix (LevenbergMarquardt, GaussNewtonLineSearch).
	gaussNewtonCurvature curvature = iota
	// hessianCurvature: the model's matrix is ½∇²E (+τ), the exact
	// Hessian, and its preconditioner adds bounds of the second-order
	// term's row blocks (NewtonTrustRegion, QuasiNewton).
	hessianCurvature
)

// localModel is the quadratic model of E around the iterate shared by
// LevenbergMarquardt, GaussNewtonLineSearch, NewtonTrustRegion and
// QuasiNewton: the operators at the iterate and at the trial point, Moré's
// scaling, the preconditioner or the dense matrices, and the scratch
// vectors, all in the constraints' null-space coordinates ξ. Its curvature
// and linear solver are fixed when it is made; the methods keep their own
// state (radius, damping, curvature pairs) in their own types.
type localModel struct {
	sv        *solver
	linear    LinearSolver // LinearDense or LinearCG
	curvature curvature
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

// newLocalModel allocates the local model of curvature cv solved by
// linear (LinearDense or LinearCG) and evaluates the start: sv.e, sv.grad
// and the projected gradient.
func (sv *solver) newLocalModel(cv curvature, linear LinearSolver) *localModel {
	p, set := sv.p, sv.set
	t0 := time.Now()
	md := &localModel{
		sv: sv, linear: linear, curvature: cv, tau: set.Lambda,
		op: p.JacobianOperator(sv.g), trial: p.JacobianOperator(sv.g),
		scale: make([]float64, sv.nnz), shift: make([]float64, sv.nnz),
		rowBound: make([]float64, p.n),
		xf:       make([]float64, sv.nnz), yf: make([]float64, sv.nnz),
		xi: make([]float64, sv.dim), b: make([]float64, sv.dim),
		step: make([]float64, sv.nnz), gt: make([]float64, sv.nnz),
		cgw:     krylov.NewWork(sv.dim),
		bp:      newBlockPrecond(sv.cs, set.CG.Preconditioner, p.maxThreads()),
		fc:      forcing{fixed: set.CG.Forcing},
		probe:   lineProbe{p: p},
		threads: p.maxThreads(),
	}
	md.cgw.Stop = func() bool { _, stop := sv.interrupted(); return stop }
	sv.grad = make([]float64, sv.nnz)
	sv.e = md.op.Energy() + sv.tikhonov(sv.g, nil)
	md.op.Gradient(sv.grad)
	sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	sv.res.FuncEvals++
	sv.res.GradEvals++
	sv.res.Times.Evaluate += time.Since(t0)
	return md
}

// linearize updates Moré's scaling and the preconditioner blocks (LinearCG)
// or the dense reduced matrix (LinearDense) at the iterate, the linear
// solve's tolerance and the right-hand side. done reports the end of the
// run (the next dense factorization would outlast the time limit).
func (md *localModel) linearize() (r *Result, done bool, err error) {
	sv, p, cs := md.sv, md.sv.p, md.sv.cs
	res := sv.res
	t := time.Now()
	if md.linear == LinearCG {
		md.blocks = p.GaussNewtonBlocks(md.blocks, sv.g)
		for a := 0; a < p.n; a++ {
			idx := p.pat.RowIndices(a)
			blk, sz := md.blocks.Block(a), len(idx)
			for i, k := range idx {
				md.scale[k] = math.Max(md.scale[k], blk[i*sz+i])
			}
		}
	} else {
		if r, done, err := md.checkDenseTime(); done {
			return r, true, err
		}
		d := &md.dense
		p.GaussNewton(&d.gn, sv.g)
		for k := range md.scale {
			md.scale[k] = math.Max(md.scale[k], d.gn.At(k, k))
		}
		if md.curvature == hessianCurvature {
			p.Hessian(&d.hs, sv.g)
			d.hs.ScaleSym(0.5, &d.hs)
			cs.reduceSym(&d.hr, &d.hs, &d.hz)
		} else {
			cs.reduceSym(&d.hr, &d.gn, &d.hz)
		}
		for i := 0; i < sv.dim; i++ {
			d.hr.SetSym(i, i, d.hr.At(i, i)+md.tau)
		}
	}
	floorScale(md.scale)
	res.Times.Precondition += time.Since(t)
	md.eta = md.fc.next(sv.gnorm)
	for i := range md.b {
		md.b[i] = -0.5 * sv.rgrad[i]
	}
	return nil, false, nil
}

// refreshPreconditioner sets the block-Jacobi preconditioner of the
// Hessian model (LinearCG) at the iterate: the Gauss-Newton row blocks plus
// weight times the bounds of the second-order term's row blocks, plus τ and
// 10⁻⁶·D, which make it positive definite. The shift of the model is τ
// afterwards.
func (md *localModel) refreshPreconditioner(weight float64) {
	sv, p := md.sv, md.sv.p
	tp := time.Now()
	md.op.secondOrderRowBounds(md.rowBound)
	for k := range md.shift {
		md.shift[k] = md.tau + weight*md.rowBound[p.pat.i[k]] + 1e-6*md.scale[k]
	}
	md.bp.update(md.blocks, md.shift)
	for k := range md.shift {
		md.shift[k] = md.tau
	}
	sv.res.Times.Precondition += time.Since(tp)
}

// tryPoint evaluates the total energy at g + alpha·step, projected onto the
// constraints, into the trial operator.
func (md *localModel) tryPoint(alpha float64) float64 {
	sv := md.sv
	for k := range md.gt {
		md.gt[k] = sv.g[k] + alpha*md.step[k]
	}
	sv.cs.projectRows(md.gt)
	t := time.Now()
	md.trial.SetPoint(md.gt)
	sv.res.FuncEvals++
	sv.res.Times.Evaluate += time.Since(t)
	return md.trial.Energy() + sv.tikhonov(md.gt, nil)
}

// accept moves to the last trial point, whose energy is e.
func (md *localModel) accept(e float64) {
	sv := md.sv
	md.op, md.trial = md.trial, md.op
	copy(sv.g, md.gt)
	sv.e = e
	t := time.Now()
	md.op.Gradient(sv.grad)
	sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	sv.res.GradEvals++
	sv.res.Times.Evaluate += time.Since(t)
}

// applyGN stores the reduced (JᵀJ + diag(shift))·x.
func (md *localModel) applyGN(dst, x []float64) {
	cs := md.sv.cs
	cs.toFull(md.xf, x, md.threads)
	md.op.GaussNewtonMulVecTo(md.yf, md.xf)
	for k := range md.yf {
		md.yf[k] += md.shift[k] * md.xf[k]
	}
	cs.toReduced(dst, md.yf, md.threads)
}

// applyHess stores the reduced (½∇²E + τ)·x.
func (md *localModel) applyHess(dst, x []float64) {
	cs := md.sv.cs
	cs.toFull(md.xf, x, md.threads)
	md.op.HessianMulVecTo(md.yf, md.xf)
	for k := range md.yf {
		md.yf[k] = 0.5*md.yf[k] + md.tau*md.xf[k]
	}
	cs.toReduced(dst, md.yf, md.threads)
}

// lineQuartic returns E(g + t·step)/ω² as a quartic in t (Tikhonov
// included) and ω² (see lineProbe.along).
func (md *localModel) lineQuartic() (quartic, float64) {
	sv := md.sv
	q, w2 := md.probe.along(md.op, md.step)
	if lam := sv.set.Lambda; lam > 0 {
		var gd, dd, gg float64
		for k, d := range md.step {
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

// exactStep takes the step along the direction md.step to the global
// minimizer t of the exact quartic E(g + t·md.step), leaving the quartic's
// split in md.probe, t in rec.Damping and the step's norm in rec.StepNorm.
// The step is accepted when it decreases E. When t is not positive and
// finite no step is taken: rec.StepNorm is 0, or the direction's norm when
// that is not finite (endIteration reports it).
func (md *localModel) exactStep(rec *IterationRecord) stepOutcome {
	sv := md.sv
	t0 := time.Now()
	q, w2 := md.lineQuartic()
	sv.res.Times.Evaluate += time.Since(t0)
	t, eq := q.argmin()
	rec.Damping = t
	out := stepOutcome{negligible: sv.negligible((q[0] - eq) * w2), exact: true}
	dn := norm2(md.step)
	if !(t > 0) || math.IsInf(t, 0) {
		rec.StepNorm = 0
		if !finite(dn) {
			rec.StepNorm = dn
		}
		return out
	}
	rec.StepNorm = t * dn
	if e := md.tryPoint(t); finite(e) && e < sv.e {
		out.accepted, out.energy = true, e
	}
	return out
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
