package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/mesh"
)

// instance is one coarsening problem built from a mesh.
type instance struct {
	L       *sparse.CSR
	mass    []float64
	values  []float64 // fine eigenvalues
	data    *coarsen.Data
	problem *sparsels.Problem
	cons    *sparsels.Constraints
	summary *summary
}

// setup reads the mesh and builds the published problem.
func setup(o options) (*instance, error) {
	msh, err := mesh.ReadFile(o.mesh)
	if err != nil {
		return nil, err
	}
	if err := msh.Normalize(); err != nil {
		return nil, fmt.Errorf("%s: %w", o.mesh, err)
	}
	n := len(msh.V)
	if o.m < 2 || o.m >= n {
		return nil, fmt.Errorf("-m = %d: want 2 ≤ m < %d (the number of vertices)", o.m, n)
	}
	if o.k < 2 || o.k >= n {
		return nil, fmt.Errorf("-k = %d: want 2 ≤ k < %d", o.k, n)
	}
	L := msh.Cotangent()
	mass := msh.Mass(mesh.Voronoi)

	t0 := time.Now()
	values, U, err := eigs.Smallest(L, mass, o.k, &eigs.Settings{Seed: 1})
	if err != nil {
		return nil, fmt.Errorf("eigenpairs: %w", err)
	}
	eigTime := time.Since(t0)

	t0 = time.Now()
	cl, err := coarsen.Cluster(L, mass, o.m, o.seed)
	if err != nil {
		return nil, fmt.Errorf("clustering: %w", err)
	}
	data, err := coarsen.Setup(L, mass, U, cl)
	if err != nil {
		return nil, fmt.Errorf("set-up: %w", err)
	}
	pat, err := sparsels.NewPattern(n, o.m, data.Rows, data.Cols)
	if err != nil {
		return nil, err
	}
	p, err := sparsels.NewProblem(data.X, data.Y, L, data.B, pat)
	if err != nil {
		return nil, err
	}
	cons, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return nil, err
	}
	setupTime := time.Since(t0)
	inst := &instance{L: L, mass: mass, values: values, data: data, problem: p, cons: cons}
	inst.summary = &summary{
		Mesh: o.mesh, N: n, Faces: len(msh.F), M: o.m, K: o.k, NNZ: pat.NNZ(),
		EigTime: eigTime, SetupTime: setupTime,
		InitialEnergy:   p.Energy(data.G0),
		FineEigenvalues: values,
	}
	return inst, nil
}

// solve runs one method from G = Kᵀ with the row-sum constraints.
func (inst *instance) solve(ctx context.Context, m sparsels.Method, o options, progress io.Writer, live bool) (*sparsels.Result, error) {
	set := &sparsels.Settings{
		Method:        m,
		Constraints:   inst.cons,
		MaxIterations: o.maxIter,
		FunctionTol:   o.ftol,
		GradientTol:   1e-10,
		TimeLimit:     o.timeLimit,
	}
	if m == sparsels.NAdam || m == sparsels.LBFGS {
		set.MaxIterations = o.nadamIters
		set.FunctionTol = 1e-9
	}
	last := time.Now()
	if live {
		set.Callback = func(r sparsels.IterationRecord) error {
			if time.Since(last) < 250*time.Millisecond {
				return nil
			}
			last = time.Now()
			fmt.Fprintf(progress, "\r%-6v iter %4d  E = %-12.6g  rel. decrease %-9.2g  |∇E|∞ = %-9.3g  step %-9.3g  damping %-9.3g  CG %3d  %6.2fs ",
				m, r.Iteration, r.Energy, r.RelDecrease, r.GradientNorm, r.StepNorm, r.Damping, r.CGIterations, r.Elapsed.Seconds())
			return nil
		}
	}
	res, err := sparsels.Solve(ctx, inst.problem, inst.data.G0, set)
	if live {
		fmt.Fprintln(progress)
	}
	return res, err
}

// spectrum evaluates the coarse spectra before (G = Kᵀ) and after (g).
func (inst *instance) spectrum(g []float64) error {
	s := inst.summary
	before, err := inst.coarseEigenvalues(inst.data.G0)
	if err != nil {
		return err
	}
	after, err := inst.coarseEigenvalues(g)
	if err != nil {
		return err
	}
	s.CoarseBefore, s.CoarseAfter = before, after
	s.RelErrBefore, s.MaxRelErrBefore = relErrors(inst.values, before)
	s.RelErrAfter, s.MaxRelErrAfter = relErrors(inst.values, after)
	return nil
}

// coarseEigenvalues returns the k smallest eigenvalues of the coarse pencil
// (GᵀLG, Mc), Mc diagonal, through Mc^{-1/2} GᵀLG Mc^{-1/2}.
func (inst *instance) coarseEigenvalues(g []float64) ([]float64, error) {
	d := inst.data
	m := len(d.Mc)
	lc := coarsen.CoarseOperator(nil, inst.L, m, d.Rows, d.Cols, g)
	a := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			v := 0.5 * (lc.At(i, j) + lc.At(j, i))
			a.SetSym(i, j, v/math.Sqrt(d.Mc[i]*d.Mc[j]))
		}
	}
	var es mat.EigenSym
	if !es.Factorize(a, false) {
		return nil, fmt.Errorf("coarse eigenvalues: factorization failed")
	}
	vals := es.Values(nil)
	k := min(len(inst.values), m)
	return vals[:k], nil
}

// relErrors returns the mean and the largest |coarse − fine|/fine over the
// nonzero fine eigenvalues (the first, zero, one is skipped).
func relErrors(fine, coarse []float64) (mean, worst float64) {
	var cnt int
	for j := 1; j < len(fine) && j < len(coarse); j++ {
		e := math.Abs(coarse[j]-fine[j]) / fine[j]
		mean += e
		worst = math.Max(worst, e)
		cnt++
	}
	if cnt > 0 {
		mean /= float64(cnt)
	}
	return mean, worst
}
