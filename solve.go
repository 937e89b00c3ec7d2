package sparsels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Solve minimizes E(g) = ‖X − Y Gᵀ L G B‖²_F (plus s.Lambda·‖g − s.Ref‖²)
// over the values g of G on p's pattern, starting from g0, subject to
// s.Constraints if given. A nil s means default Settings.
//
// The start is first projected onto the constraints. Every accepted step
// decreases the energy and stays in the constraints' null space (the iterate
// is re-projected after each step to remove rounding drift), so Result.G is
// the best iterate found. A start where the gradient and the Jacobian both
// vanish (g0 = 0 is one) returns status StationaryStart.
//
// Solve returns an error for invalid arguments (wrong lengths, non-finite
// values, constraints for another pattern, infeasible constraints), when the
// energy or gradient becomes NaN or infinite at an accepted point (wrapping
// ErrNotFinite), when ctx is done (ctx.Err(), status Canceled), and when the
// callback returns an error other than ErrStop. Whenever the Result is not
// nil it holds the best iterate found so far; iteration and time limits are
// not errors: check Result.Status.
func Solve(ctx context.Context, p *Problem, g0 []float64, s *Settings) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if p == nil {
		return nil, errors.New("sparsels: Solve: nil problem")
	}
	set := s.withDefaults()
	nnz := p.pat.NNZ()
	if len(g0) != nnz {
		return nil, fmt.Errorf("sparsels: Solve: g0 has length %d, pattern has %d nonzeros", len(g0), nnz)
	}
	if k := firstNonFinite(g0); k >= 0 {
		return nil, fmt.Errorf("sparsels: Solve: g0[%d] = %v is not finite", k, g0[k])
	}
	if set.Lambda < 0 || math.IsNaN(set.Lambda) || math.IsInf(set.Lambda, 0) {
		return nil, fmt.Errorf("sparsels: Solve: Lambda = %v, want a finite value ≥ 0", set.Lambda)
	}
	if set.Ref != nil {
		if len(set.Ref) != nnz {
			return nil, fmt.Errorf("sparsels: Solve: Ref has length %d, pattern has %d nonzeros", len(set.Ref), nnz)
		}
		if k := firstNonFinite(set.Ref); k >= 0 {
			return nil, fmt.Errorf("sparsels: Solve: Ref[%d] = %v is not finite", k, set.Ref[k])
		}
	}
	if err := set.validate(); err != nil {
		return nil, err
	}
	cs := set.Constraints
	if cs == nil {
		cs = unconstrained(p.pat)
	} else if cs.pat != p.pat {
		return nil, errors.New("sparsels: Solve: constraints were built for another pattern")
	}
	switch set.Method {
	case Auto:
		set.Method = NewtonTrustRegion
	case LevenbergMarquardt, GaussNewtonLineSearch, NewtonTrustRegion, NAdam, LBFGS:
	default:
		return nil, fmt.Errorf("sparsels: Solve: unknown method %v", set.Method)
	}
	sv := &solver{
		ctx: ctx, p: p, set: set, cs: cs, start: time.Now(),
		res: &Result{Method: set.Method},
		nnz: nnz, dim: cs.Dim(),
	}
	if set.TimeLimit > 0 {
		sv.deadline = sv.start.Add(set.TimeLimit)
	}
	sv.g = cs.Project(nil, g0)
	switch set.Method {
	case NAdam:
		return sv.nadam()
	case LBFGS:
		return sv.lbfgs()
	}
	return sv.secondOrder()
}

func firstNonFinite(x []float64) int {
	for k, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return k
		}
	}
	return -1
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// solver is the state shared by the methods of Solve.
type solver struct {
	ctx      context.Context
	p        *Problem
	set      Settings
	cs       *Constraints
	start    time.Time
	deadline time.Time
	res      *Result
	nnz, dim int

	g     []float64 // current (best) iterate, feasible
	e     float64   // total energy at g
	grad  []float64 // gradient of the total energy at g
	rgrad []float64 // Zᵀ grad
	gnorm float64   // ‖Z Zᵀ grad‖_∞
	pgBuf []float64
}

// tikhonov returns Lambda·‖g − Ref‖² and, if grad is not nil, adds its
// gradient to grad.
func (sv *solver) tikhonov(g, grad []float64) float64 {
	lam := sv.set.Lambda
	if lam == 0 {
		return 0
	}
	var s float64
	for k, v := range g {
		d := v
		if sv.set.Ref != nil {
			d -= sv.set.Ref[k]
		}
		s += d * d
		if grad != nil {
			grad[k] += 2 * lam * d
		}
	}
	return lam * s
}

// setGradient stores the projected gradient quantities for sv.grad.
func (sv *solver) setGradient() {
	if sv.rgrad == nil {
		sv.rgrad = make([]float64, sv.dim)
		sv.pgBuf = make([]float64, sv.nnz)
	}
	sv.cs.ToReduced(sv.rgrad, sv.grad)
	sv.cs.ToFull(sv.pgBuf, sv.rgrad)
	sv.gnorm = 0
	for _, v := range sv.pgBuf {
		sv.gnorm = math.Max(sv.gnorm, math.Abs(v))
	}
	if math.IsNaN(sv.gnorm) {
		sv.gnorm = math.NaN()
	}
}

// interrupted reports whether the context or the time limit ends the run.
func (sv *solver) interrupted() (Status, bool) {
	if sv.ctx.Err() != nil {
		return Canceled, true
	}
	if !sv.deadline.IsZero() && !time.Now().Before(sv.deadline) {
		return TimeLimit, true
	}
	return NotTerminated, false
}

// record appends rec to the history and runs the callback.
func (sv *solver) record(rec IterationRecord) error {
	rec.Elapsed = time.Since(sv.start)
	sv.res.History = append(sv.res.History, rec)
	if sv.set.Callback != nil {
		return sv.set.Callback(rec)
	}
	return nil
}

// finish fills the result with the current iterate and the status.
func (sv *solver) finish(st Status, reason string, err error) (*Result, error) {
	r := sv.res
	r.G = sv.g
	r.Energy = sv.e
	r.GradientNorm = sv.gnorm
	r.Status = st
	r.Reason = st.String()
	if reason != "" {
		r.Reason += ": " + reason
	}
	r.Iterations = len(r.History)
	r.LinearIterations = 0
	for _, h := range r.History {
		r.LinearIterations += h.CGIterations
	}
	if sv.set.Constraints != nil {
		r.Violation = sv.set.Constraints.Violation(sv.g)
	}
	r.Times.Total = time.Since(sv.start)
	if st == Canceled && err == nil {
		err = sv.ctx.Err()
	}
	return r, err
}

// callbackStop turns a callback error into the end of the run.
func (sv *solver) callbackStop(err error) (*Result, error) {
	if errors.Is(err, ErrStop) {
		return sv.finish(UserStop, "", nil)
	}
	return sv.finish(UserStop, err.Error(), err)
}

// startCheck evaluates the start and reports a start that ends the run at
// once: non-finite energy, or a vanishing gradient.
func (sv *solver) startCheck() (done bool, r *Result, err error) {
	sv.res.InitialEnergy = sv.e
	if !finite(sv.e) || !finite(sv.gnorm) {
		r, err = sv.finish(NumericalFailure, "at the start", fmt.Errorf("%w at the start (energy %v)", ErrNotFinite, sv.e))
		return true, r, err
	}
	if sv.gnorm == 0 {
		diag := sv.p.GaussNewtonDiag(nil, sv.g)
		for _, d := range diag {
			if d != 0 {
				r, err = sv.finish(GradientConvergence, "the projected gradient is zero at the start", nil)
				return true, r, err
			}
		}
		r, err = sv.finish(StationaryStart, "the gradient and the Jacobian vanish at the start; start from a nonzero G", nil)
		return true, r, err
	}
	return false, nil, nil
}

// secondOrder runs LevenbergMarquardt, GaussNewtonLineSearch or
// NewtonTrustRegion.
func (sv *solver) secondOrder() (*Result, error) {
	p, set, cs := sv.p, sv.set, sv.cs
	res := sv.res
	linear := set.Linear
	if linear == LinearAuto {
		linear = LinearCG
		nnz := int64(sv.nnz)
		limit := set.DenseMaxNNZ
		if set.Method == NewtonTrustRegion {
			// The eigendecomposition costs about 30 times a Cholesky.
			limit /= 4
		}
		if sv.nnz <= limit && 4*nnz*nnz*8 <= set.MemoryLimit {
			linear = LinearDense
		}
	}
	if linear == LinearDense {
		nnz := int64(sv.nnz)
		if nnz > 0 && 4*nnz*nnz*8 > set.MemoryLimit {
			return nil, fmt.Errorf("sparsels: Solve: the dense linear solver needs about %d MiB for nnz = %d, over MemoryLimit (%d MiB)", 4*nnz*nnz*8>>20, nnz, set.MemoryLimit>>20)
		}
	}
	res.Linear = linear

	t0 := time.Now()
	op := p.JacobianOperator(sv.g)
	trial := p.JacobianOperator(sv.g)
	sv.grad = make([]float64, sv.nnz)
	sv.e = op.Energy() + sv.tikhonov(sv.g, nil)
	op.Gradient(sv.grad)
	sv.tikhonov(sv.g, sv.grad)
	sv.setGradient()
	res.FuncEvals++
	res.GradEvals++
	res.Times.Evaluate += time.Since(t0)
	if done, r, err := sv.startCheck(); done {
		return r, err
	}
	gnorm0 := sv.gnorm

	nnz, dim := sv.nnz, sv.dim
	tau := set.Lambda
	method := set.Method
	scale := make([]float64, nnz) // Moré's scaling D: running max of diag(JᵀJ)
	shift := make([]float64, nnz)
	rowBound := make([]float64, p.n)
	xf, yf := make([]float64, nnz), make([]float64, nnz)
	xi, b := make([]float64, dim), make([]float64, dim)
	step, gt := make([]float64, nnz), make([]float64, nnz)
	cgw := newCGWork(dim)
	cgw.stop = func() bool { _, stop := sv.interrupted(); return stop }
	var blocks *BlockDiag
	bp := newBlockPrecond(cs, set.Preconditioner, p.maxThreads())
	var gnMat, hsMat, hr, dr, lmMat mat.SymDense
	eigC := make([]float64, dim)
	var hz mat.Dense
	var eig mat.EigenSym
	var eigQ mat.Dense
	var eigW []float64
	var chol mat.Cholesky
	fc := forcing{fixed: set.Forcing}

	mu := set.InitialRadius // LM radius: damping 1/μ
	if mu <= 0 {
		mu = 1e4
	}
	nu := 2.0
	delta := set.InitialRadius // Newton radius
	fresh := true
	var eta float64

	// applyGN stores the reduced (JᵀJ + diag(shift))·x.
	threads := p.maxThreads()
	applyGN := func(dst, x []float64) {
		cs.toFull(xf, x, threads)
		op.GaussNewtonMulVecTo(yf, xf)
		for k := range yf {
			yf[k] += shift[k] * xf[k]
		}
		cs.toReduced(dst, yf, threads)
	}
	// applyHess stores the reduced (½∇²E + τ)·x.
	applyHess := func(dst, x []float64) {
		cs.toFull(xf, x, threads)
		op.HessianMulVecTo(yf, xf)
		for k := range yf {
			yf[k] = 0.5*yf[k] + tau*xf[k]
		}
		cs.toReduced(dst, yf, threads)
	}

	for iter := 1; ; iter++ {
		if st, ok := sv.interrupted(); ok {
			return sv.finish(st, "", nil)
		}
		if iter > set.MaxIterations {
			return sv.finish(IterationLimit, fmt.Sprintf("%d iterations", set.MaxIterations), nil)
		}
		rec := IterationRecord{Iteration: iter}

		// Linearization at a new point: preconditioner blocks or dense
		// matrices, and Moré's scaling.
		if fresh {
			t := time.Now()
			if linear == LinearCG {
				blocks = p.GaussNewtonBlocks(blocks, sv.g)
				for a := 0; a < p.n; a++ {
					idx := p.pat.RowIndices(a)
					blk, sz := blocks.Block(a), len(idx)
					for i, k := range idx {
						scale[k] = math.Max(scale[k], blk[i*sz+i])
					}
				}
			} else {
				p.GaussNewton(&gnMat, sv.g)
				for k := 0; k < nnz; k++ {
					scale[k] = math.Max(scale[k], gnMat.At(k, k))
				}
				if method == NewtonTrustRegion {
					p.Hessian(&hsMat, sv.g)
					hsMat.ScaleSym(0.5, &hsMat)
					cs.reduceSym(&hr, &hsMat, &hz)
				} else {
					cs.reduceSym(&hr, &gnMat, &hz)
				}
				for i := 0; i < dim; i++ {
					hr.SetSym(i, i, hr.At(i, i)+tau)
				}
			}
			floorScale(scale)
			res.Times.Precondition += time.Since(t)
			eta = fc.next(sv.gnorm)
			for i := range b {
				b[i] = -0.5 * sv.rgrad[i]
			}
			if method == NewtonTrustRegion && linear == LinearDense {
				t := time.Now()
				if !eig.Factorize(&hr, true) {
					return sv.finish(NumericalFailure, "eigendecomposition failed", errors.New("sparsels: Solve: eigendecomposition of the Hessian failed"))
				}
				eigW = eig.Values(eigW)
				eig.VectorsTo(&eigQ)
				res.Times.LinearSolve += time.Since(t)
			}
			if method == NewtonTrustRegion && linear == LinearCG {
				// Preconditioner: the Gauss-Newton row blocks plus a bound on
				// the second-order term's row blocks, positive definite.
				tp := time.Now()
				op.secondOrderRowBounds(rowBound)
				for k := range shift {
					shift[k] = tau + rowBound[p.pat.i[k]] + 1e-6*scale[k]
				}
				bp.update(blocks, shift)
				for k := range shift {
					shift[k] = tau
				}
				res.Times.Precondition += time.Since(tp)
			}
			fresh = false
		}

		// The step, in reduced coordinates xi, and the model decrease pred.
		var pred float64 // predicted decrease of E
		boundary := false
		t := time.Now()
		switch method {
		case LevenbergMarquardt, GaussNewtonLineSearch:
			// Damping (1/μ)·min(1, ‖∇E‖/‖∇E₀‖)·D: the radius μ follows the gain
			// ratio, and the gradient factor (Fan and Yuan's choice) lets the
			// damping vanish as the iterates converge, which keeps LM's local
			// convergence quadratic on zero-residual problems.
			damp := math.Min(1, sv.gnorm/gnorm0) / mu
			if method == GaussNewtonLineSearch {
				damp = 1e-10
			}
			for k := range shift {
				shift[k] = tau + damp*scale[k]
			}
			var xAx float64
			if linear == LinearCG {
				tp := time.Now()
				bp.update(blocks, shift)
				res.Times.Precondition += time.Since(tp)
				rec.CGIterations = pcg(applyGN, bp.apply, b, xi, eta, set.MaxCGIterations, cgw)
				xAx = dot(xi, b) - dot(xi, cgw.r)
			} else {
				// hr already holds τ: add the reduced damping damp·D only.
				for k := range xf {
					xf[k] = damp * scale[k]
				}
				cs.reduceDiag(&dr, xf)
				lmMat.AddSym(&hr, &dr)
				rec.CGIterations = 1
				if !chol.Factorize(&lmMat) {
					zero(xi)
				} else {
					// A mat.ConditionError only warns of ill-conditioning: the
					// solution is still the best available step.
					xv := mat.NewVecDense(dim, xi)
					if err := chol.SolveVecTo(xv, mat.NewVecDense(dim, b)); err != nil {
						var ce mat.Condition
						if !errors.As(err, &ce) {
							zero(xi)
						}
					}
					xAx = dot(xi, b)
				}
			}
			cs.ToFull(step, xi)
			var dD float64
			for k, v := range step {
				dD += (shift[k] - tau) * v * v
			}
			// E(g+δ) ≈ E + gradᵀδ + δᵀ(JᵀJ+τ)δ.
			pred = -(dot(sv.rgrad, xi) + xAx - dD)
		case NewtonTrustRegion:
			if linear == LinearCG {
				if delta <= 0 {
					// First radius: the length of the Cauchy step along the
					// preconditioned gradient.
					bp.apply(cgw.z, b)
					applyHess(cgw.q, cgw.z)
					dn := bp.normM(cgw.z)
					delta = dn
					if kappa := dot(cgw.z, cgw.q); kappa > 0 {
						delta = dot(b, cgw.z) / kappa * dn
					}
					if !(delta > 0) || math.IsInf(delta, 0) {
						delta = 1
					}
				}
				it, bd, _ := steihaug(applyHess, bp.apply, b, xi, delta, eta, set.MaxCGIterations, cgw)
				rec.CGIterations += it
				boundary = bd
				var xAx float64
				if bd {
					applyHess(cgw.q, xi)
					xAx = dot(xi, cgw.q)
				} else {
					xAx = dot(xi, b) - dot(xi, cgw.r)
				}
				pred = -(dot(sv.rgrad, xi) + xAx)
			} else {
				c := eigC[:dim]
				mat.NewVecDense(dim, c).MulVec(eigQ.T(), mat.NewVecDense(dim, b))
				if delta <= 0 {
					// First radius: the Newton step's length if H is positive
					// definite, else a gradient-scaled guess.
					if dim > 0 && eigW[0] > 0 {
						var s float64
						for i, w := range eigW {
							s += (c[i] / w) * (c[i] / w)
						}
						delta = math.Sqrt(s)
					} else {
						delta = floats.Norm(b, 2) / math.Max(math.Abs(eigW[dim-1]), math.SmallestNonzeroFloat64)
					}
					if !(delta > 0) || math.IsInf(delta, 0) {
						delta = 1
					}
				}
				boundary = trustRegionEigen(xi, eigW, &eigQ, c, delta)
				xv := mat.NewVecDense(dim, xi)
				xAx := mat.Inner(xv, &hr, xv)
				rec.CGIterations = 1
				pred = -(dot(sv.rgrad, xi) + xAx)
			}
			cs.ToFull(step, xi)
		}
		res.Times.LinearSolve += time.Since(t)
		if cgw.stopped {
			// Cancelled or out of time inside the linear solve: keep the
			// best iterate, which is the current one.
			st, _ := sv.interrupted()
			if st == NotTerminated {
				st = Canceled
			}
			return sv.finish(st, "during the linear solve", nil)
		}
		rec.StepNorm = floats.Norm(step, 2)
		gNorm2 := floats.Norm(sv.g, 2)
		tiny := rec.StepNorm <= set.StepTol*(gNorm2+set.StepTol)

		// Trial point(s).
		eOld := sv.e
		accepted := false
		var lsSlope float64 // GaussNewtonLineSearch: gradᵀδ of the searched direction
		var eTrial float64
		tryPoint := func(alpha float64) float64 {
			for k := range gt {
				gt[k] = sv.g[k] + alpha*step[k]
			}
			cs.projectRows(gt)
			t := time.Now()
			trial.SetPoint(gt)
			res.FuncEvals++
			res.Times.Evaluate += time.Since(t)
			return trial.Energy() + sv.tikhonov(gt, nil)
		}
		switch method {
		case LevenbergMarquardt:
			rec.Damping = math.Min(1, sv.gnorm/gnorm0) / mu
			if pred > 0 {
				eTrial = tryPoint(1)
			} else {
				eTrial = math.Inf(1)
			}
			rho := (eOld - eTrial) / pred
			if pred > 0 && finite(eTrial) && rho > 1e-3 {
				accepted = true
				mu = math.Min(mu/math.Max(1.0/3, 1-math.Pow(2*rho-1, 3)), 1e16)
				nu = 2
			} else {
				mu /= nu
				nu *= 2
			}
		case NewtonTrustRegion:
			rec.Damping = delta
			if pred > 0 {
				eTrial = tryPoint(1)
			} else {
				eTrial = math.Inf(1)
			}
			rho := (eOld - eTrial) / pred
			// The radius is measured in the norm of the subproblem: the
			// preconditioner's with LinearCG, Euclidean (in ξ) when dense.
			var stepNorm float64
			if linear == LinearCG {
				stepNorm = bp.normM(xi)
			} else {
				stepNorm = math.Sqrt(dot(xi, xi))
			}
			switch {
			case !(rho >= 0.25) || !finite(eTrial):
				delta = 0.25 * stepNorm
			case rho > 0.75 && boundary:
				delta = math.Min(2*delta, 1e300)
			}
			accepted = pred > 0 && finite(eTrial) && rho > 1e-4
		case GaussNewtonLineSearch:
			slope := dot(sv.rgrad, xi)
			if !(slope < 0) {
				// Not a descent direction (an inexact solve): use the
				// (preconditioned) steepest descent direction.
				if linear == LinearCG {
					bp.apply(xi, b)
				} else {
					copy(xi, b)
				}
				cs.ToFull(step, xi)
				slope = dot(sv.rgrad, xi)
				rec.StepNorm = math.Sqrt(dot(step, step))
			}
			lsSlope = slope
			alpha := 1.0
			for ls := 0; ls < 40 && slope < 0; ls++ {
				eTrial = tryPoint(alpha)
				if finite(eTrial) && eTrial <= eOld+1e-4*alpha*slope {
					accepted = true
					break
				}
				alpha /= 2
			}
			rec.Damping = alpha
			rec.StepNorm *= alpha
		}

		if accepted {
			op, trial = trial, op
			copy(sv.g, gt)
			sv.e = eTrial
			t := time.Now()
			op.Gradient(sv.grad)
			sv.tikhonov(sv.g, sv.grad)
			sv.setGradient()
			res.GradEvals++
			res.Times.Evaluate += time.Since(t)
			fresh = true
			rec.RelDecrease = (eOld - sv.e) / eOld
		}
		rec.Accepted = accepted
		rec.Energy = sv.e
		rec.GradientNorm = sv.gnorm
		if err := sv.record(rec); err != nil {
			return sv.callbackStop(err)
		}
		if accepted && !finite(sv.gnorm) {
			return sv.finish(NumericalFailure, "non-finite gradient", fmt.Errorf("%w: gradient at iteration %d", ErrNotFinite, iter))
		}
		switch {
		case accepted && relDecreaseOver(res.History, ftolWindow) <= set.FunctionTol:
			return sv.finish(FunctionConvergence, fmt.Sprintf("relative decrease over the last %d iterations %.3g ≤ %.3g", ftolWindow, relDecreaseOver(res.History, ftolWindow), set.FunctionTol), nil)
		case accepted && sv.gnorm <= set.GradientTol*gnorm0:
			return sv.finish(GradientConvergence, fmt.Sprintf("projected gradient %.3g ≤ %.3g × initial %.3g", sv.gnorm, set.GradientTol, gnorm0), nil)
		case tiny && (accepted || !(pred > 1e-14*math.Abs(eOld))):
			// A tiny step converges when it was accepted, or when even the
			// model predicts no decrease above rounding: no step can help.
			return sv.finish(StepConvergence, fmt.Sprintf("step %.3g ≤ %.3g relative", rec.StepNorm, set.StepTol), nil)
		case method == GaussNewtonLineSearch && !accepted:
			if lsSlope > -1e-12*math.Abs(eOld) {
				// The predicted decrease is at rounding level: a minimum
				// to working precision.
				return sv.finish(FunctionConvergence, "no decrease possible at working precision", nil)
			}
			return sv.finish(NumericalFailure, "the line search found no decrease", nil)
		case method == LevenbergMarquardt && mu < 1e-32:
			return sv.finish(NumericalFailure, "the damping grew without bound", nil)
		case method == NewtonTrustRegion && !(delta > 1e-300):
			return sv.finish(NumericalFailure, "the trust region collapsed", nil)
		}
	}
}

// ftolWindow is the number of accepted steps over which the relative energy
// decrease is compared with FunctionTol: a single heavily damped or shortened
// step says little about convergence.
const ftolWindow = 5

// relDecreaseOver returns the relative decrease of the energy over the last w
// accepted steps recorded in h (+Inf while fewer than w steps were accepted).
func relDecreaseOver(h []IterationRecord, w int) float64 {
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
