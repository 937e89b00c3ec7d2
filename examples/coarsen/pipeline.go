package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/mesh"
)

// instance is one coarsening of a mesh and the problem it solved, for the
// comparison runs.
type instance struct {
	L       *sparse.CSR
	res     *coarsen.Result
	problem *sparsels.Problem
	cons    *sparsels.Constraints
	summary *summary
}

// eigsSettings are the eigensolver settings of every run.
var eigsSettings = &eigs.Settings{Seed: 1}

// coarsenMesh runs coarsen.Spectral on the mesh with the main method.
func coarsenMesh(ctx context.Context, msh *mesh.Mesh, name string, method sparsels.Method, o options, progress *progressWriter) (*instance, error) {
	n := len(msh.V)
	if o.m < 2 || o.m >= n {
		return nil, fmt.Errorf("-m = %d: want 2 ≤ m < %d (the number of vertices)", o.m, n)
	}
	if o.k < 2 || o.k >= o.m {
		return nil, fmt.Errorf("-k = %d: want 2 ≤ k < m = %d", o.k, o.m)
	}
	L := msh.Cotangent()
	set := settings(method, o)
	set.Bound = o.bound
	// The methods are compared on the published problem for the same time,
	// so the weights and the start G0 = Kᵀ are the published ones and the
	// quality monitor, which would end the main run early, is off.
	opts := &coarsen.Options{K: o.k, Seed: o.seed, Settings: set, Eigs: eigsSettings, Progress: progress.stage(method),
		Weighting: coarsen.Uniform, Smoothing: -1, NoMonitor: true}
	res, err := coarsen.Spectral(ctx, L, msh.Mass(mesh.Voronoi), o.m, opts)
	progress.done()
	if err != nil {
		return nil, err
	}
	d := res.Problem
	pat, err := sparsels.NewPattern(n, o.m, d.Rows, d.Cols)
	if err != nil {
		return nil, err
	}
	p, err := sparsels.NewProblem(d.X, d.Y, L, d.B, pat)
	if err != nil {
		return nil, err
	}
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return nil, err
	}
	inst := &instance{L: L, res: res, problem: p, cons: cons}
	inst.summary = &summary{
		Mesh: name, N: n, Faces: len(msh.F), M: o.m, K: o.k, NNZ: pat.NNZ(),
		EigTime: res.Times.Eigenpairs, SetupTime: res.Times.Clustering + res.Times.Setup,
		InitialEnergy:   res.Solve.InitialEnergy,
		FineEigenvalues: res.Values,
	}
	return inst, nil
}

// settings are the solver settings of method m.
func settings(m sparsels.Method, o options) *sparsels.Settings {
	set := &sparsels.Settings{
		Method:        m,
		MaxIterations: o.maxIter,
		FunctionTol:   o.ftol,
		GradientTol:   1e-10,
		TimeLimit:     o.timeLimit,
	}
	if m == sparsels.NAdam || m == sparsels.LBFGS {
		set.MaxIterations = o.nadamIters
		set.FunctionTol = 1e-9
	}
	return set
}

// solve runs a comparison method from G = Kᵀ with the row-sum constraints.
func (inst *instance) solve(ctx context.Context, m sparsels.Method, o options, progress *progressWriter) (*sparsels.Result, error) {
	oc := o
	oc.timeLimit = o.compareTime
	if m == sparsels.NAdam {
		oc.timeLimit = 0 // the published baseline runs its full course
	}
	set := settings(m, oc)
	set.Constraints = inst.cons
	set.Callback = progress.iteration(m)
	res, err := sparsels.Solve(ctx, inst.problem, inst.res.Problem.G0, set)
	progress.done()
	return res, err
}

// spectrum records the quality of the coarse pencil before (G = Kᵀ) and
// after the main run.
func (inst *instance) spectrum() error {
	r, s := inst.res, inst.summary
	d := r.Problem
	n := len(r.Clustering.Assign)
	lc0 := inst.problem.CoarseOperator(d.G0)
	kq := len(r.Quality.FineValues)
	U := r.Vectors.Slice(0, n, 0, kq).(*mat.Dense)
	before, err := coarsen.Measure(context.Background(), r.Values[:kq], U, lc0, d.Mc, r.Clustering.Roots, 0, eigsSettings)
	if err != nil {
		return fmt.Errorf("spectrum at G = Kᵀ: %w", err)
	}
	after := r.Quality
	s.CoarseBefore, s.CoarseAfter = before.CoarseValues, after.CoarseValues
	s.RelErrBefore, s.MaxRelErrBefore = before.MeanEigenvalueError, before.MaxEigenvalueError
	s.RelErrAfter, s.MaxRelErrAfter = after.MeanEigenvalueError, after.MaxEigenvalueError
	s.OffDiagBefore, s.OffDiagAfter = before.OffDiagonalEnergy, after.OffDiagonalEnergy
	return nil
}

// progressWriter prints the progress: stage lines, and solver iterations
// rewritten in place on a terminal (live) or one line every two seconds
// otherwise, so that a log gets no carriage returns.
type progressWriter struct {
	w      io.Writer
	live   bool
	last   time.Time
	inLine bool
}

// stage returns the progress callback of coarsen.Spectral; its solver
// iterations are named by the method that runs (Auto resolved).
func (p *progressWriter) stage(sparsels.Method) func(coarsen.Progress) {
	var iter func(sparsels.IterationRecord) error
	return func(pr coarsen.Progress) {
		if pr.Iteration != nil {
			if iter == nil {
				iter = p.iteration(pr.Method)
			}
			iter(*pr.Iteration)
			return
		}
		p.done()
		fmt.Fprintf(p.w, "%7.2fs  %s\n", pr.Elapsed.Seconds(), pr.Stage)
	}
}

// iteration returns a sparsels callback printing the iterations of m.
func (p *progressWriter) iteration(m sparsels.Method) func(sparsels.IterationRecord) error {
	name := m.String()
	p.last = time.Time{}
	return func(r sparsels.IterationRecord) error {
		every := 250 * time.Millisecond
		if !p.live {
			every = 2 * time.Second
		}
		if time.Since(p.last) < every {
			return nil
		}
		p.last = time.Now()
		line := fmt.Sprintf("%-6s iter %4d  E = %-12.6g  rel. decrease %-9.2g  |∇E|∞ = %-9.3g  step %-9.3g  damping %-9.3g  CG %3d  %6.2fs",
			name, r.Iteration, r.Energy, r.RelDecrease, r.GradientNorm, r.StepNorm, r.Damping, r.CGIterations, r.Elapsed.Seconds())
		if p.live {
			fmt.Fprintf(p.w, "\r%s ", line)
			p.inLine = true
		} else {
			fmt.Fprintln(p.w, line)
		}
		return nil
	}
}

// done ends a line being rewritten in place.
func (p *progressWriter) done() {
	if p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
}
