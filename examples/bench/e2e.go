package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/internal/testprob"
	"github.com/sparsels/sparsels/mesh"

	"github.com/sparsels/sparsels/internal/runstats"
)

// runPublished measures EnergyGradient and one preconditioned CG step at the
// size of the published C++ benchmark: n = 6172, m = 500, c = 100.
func runPublished(ctx context.Context, o *options, rep *report) error {
	const n, m, c = 6172, 500, 100
	inst := testprob.Coarsening(n, m, c, false, o.seed)
	pat, err := sparsels.NewPattern(n, m, inst.I, inst.J)
	if err != nil {
		return err
	}
	p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		return err
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return err
	}
	sp := &seriesProblem{n: n, m: m, r: m, c: c, inst: inst, p: p, cs: cs}
	grad := make([]float64, len(inst.G))
	eg := measure(func() { p.EnergyGradient(grad, inst.G) }, o.reps, o.minRep)
	budget := 20 * time.Second
	if o.quick {
		budget = 3 * time.Second
	}
	lm, err := solveIterations(ctx, sp, p, sparsels.LevenbergMarquardt, o.reps, budget)
	if err != nil {
		return err
	}
	nt, err := solveIterations(ctx, sp, p, sparsels.NewtonTrustRegion, o.reps, budget)
	if err != nil {
		return err
	}
	t := rep.newTable("Published size: n = 6172, m = 500, c = 100 (testprob.Coarsening, diagonal Y)",
		"operation", "time", "target", "")
	t.add("EnergyGradient", runstats.Duration(eg.time), "≤ 14 ms (published C++)", yesNo(eg.time <= 14*time.Millisecond))
	t.add("LM: one PCG step (JᵀJ·x + block-Jacobi)", runstats.Duration(lm.cgStep), "≤ 2 × 14 ms", yesNo(lm.cgStep <= 28*time.Millisecond))
	t.add("Newton: one Steihaug PCG step (Hessian·x + block-Jacobi)", runstats.Duration(nt.cgStep), "≤ 2 × 14 ms", yesNo(nt.cgStep <= 28*time.Millisecond))
	t.add("LM iteration", runstats.Duration(lm.perIter), "", "")
	t.add("Newton iteration", runstats.Duration(nt.perIter), "", "")
	t.note("nnz(G) = %d. PCG steps from 5-iteration Solves with LinearCG and rows summing to 1: Result.Times.LinearSolve / Result.LinearIterations. "+
		"LM PCG step / EnergyGradient = %.2f, Newton PCG step / EnergyGradient = %.2f.", len(inst.G), lm.cgStep.Seconds()/eg.time.Seconds(), nt.cgStep.Seconds()/eg.time.Seconds())
	rep.target("EnergyGradient ≤ 14 ms at n = 6172, m = 500, c = 100: %s (%s).", yesNo(eg.time <= 14*time.Millisecond), runstats.Duration(eg.time))
	rep.target("One preconditioned CG step ≤ 2 × 14 ms there: LM %s (%s), Newton %s (%s); against 2 × our EnergyGradient: LM %s, Newton %s.",
		yesNo(lm.cgStep <= 28*time.Millisecond), runstats.Duration(lm.cgStep), yesNo(nt.cgStep <= 28*time.Millisecond), runstats.Duration(nt.cgStep),
		yesNo(lm.cgStep <= 2*eg.time), yesNo(nt.cgStep <= 2*eg.time))
	return nil
}

// coarsening is the published spectral-coarsening problem on a grid mesh.
type coarsening struct {
	n, m, k    int
	p          *sparsels.Problem
	cs         *sparsels.Constraints
	g0         []float64
	eig, setup time.Duration
}

// buildCoarsening builds the published problem (cotangent Laplacian,
// Voronoi mass, k smallest eigenpairs, k-medoids clusters, X, Y, B and the
// pattern of G) on a grid mesh of about nv vertices with m = n/12.
func buildCoarsening(nv, k int, seed uint64) (*coarsening, error) {
	nx := int(math.Round(math.Sqrt(float64(nv))))
	ny := (nv + nx - 1) / nx
	msh := mesh.WavyGrid(nx, ny, seed)
	return buildMeshCoarsening(msh, len(msh.V)/12, k, seed)
}

// buildMeshCoarsening builds the published problem on msh with m coarse
// vertices and k eigenvectors.
func buildMeshCoarsening(msh *mesh.Mesh, m, k int, seed uint64) (*coarsening, error) {
	if err := msh.Normalize(); err != nil {
		return nil, err
	}
	t0 := time.Now()
	L := msh.Cotangent()
	mass := msh.Mass(mesh.Voronoi)
	n := len(msh.V)
	if k >= n || m >= n {
		return nil, fmt.Errorf("%d eigenvectors and %d coarse vertices for %d vertices", k, m, n)
	}
	_, U, err := eigs.Smallest(context.Background(), L, mass, k, &eigs.Settings{Seed: 1})
	if err != nil {
		return nil, err
	}
	tEig := time.Since(t0)
	cl, err := coarsen.Cluster(context.Background(), L, mass, m, seed)
	if err != nil {
		return nil, err
	}
	d, err := coarsen.Setup(L, mass, U, cl)
	if err != nil {
		return nil, err
	}
	pat, err := sparsels.NewPattern(n, m, d.Rows, d.Cols)
	if err != nil {
		return nil, err
	}
	p, err := sparsels.NewProblem(d.X, d.Y, L, d.B, pat)
	if err != nil {
		return nil, err
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return nil, err
	}
	return &coarsening{n: n, m: m, k: k, p: p, cs: cs, g0: d.G0, eig: tEig, setup: time.Since(t0)}, nil
}

// timeTo returns the elapsed time at which the history first reached the
// energy target, or −1.
func timeTo(h []sparsels.IterationRecord, target float64) time.Duration {
	for _, r := range h {
		if r.Energy <= target {
			return r.Elapsed
		}
	}
	return -1
}

// runEndToEnd runs NAdam as published, then Newton, LM and LBFGS until they
// reach NAdam's best energy, on growing coarsening problems.
func runEndToEnd(ctx context.Context, o *options, rep *report) error {
	t := rep.newTable("End to end: time to NAdam's best energy on the published spectral-coarsening problem",
		"n / m / k / nnz(G)", "method", "time to target", "speed-up vs NAdam", "iterations", "E/target at stop", "stop", "E/E₀ at stop")
	s := rep.newTable("End to end: set-up and per-evaluation costs of the same problems",
		"n / m / k / nnz(G)", "eigenpairs", "whole set-up", "EnergyGradient", "Newton PCG step", "LM PCG step")
	for _, nv := range o.e2e {
		if err := ctx.Err(); err != nil {
			return err
		}
		cb, err := buildCoarsening(nv, o.e2eK, o.seed)
		if err != nil {
			return fmt.Errorf("mesh of %d vertices: %w", nv, err)
		}
		nnz := len(cb.g0)
		label := fmt.Sprintf("%s / %d / %d / %s", fmtCount(cb.n), cb.m, cb.k, fmtCount(nnz))
		o.logf("e2e %s: set-up %v", label, cb.setup.Round(time.Millisecond))

		nadam, err := sparsels.Solve(ctx, cb.p, cb.g0, &sparsels.Settings{
			Method: sparsels.NAdam, Constraints: cb.cs, MaxIterations: 5000, FunctionTol: -1, TimeLimit: o.e2eCap,
		})
		if err != nil {
			return err
		}
		target := nadam.Energy
		tNAdam := timeTo(nadam.History, target)
		t.add(label, "NAdam (published: lr 0.02, β 0.9/0.9, 5000 it.)", runstats.Duration(tNAdam), "1x", fmt.Sprint(nadam.Iterations), "1",
			nadam.Status.String(), fmt.Sprintf("%.3g", nadam.Energy/nadam.InitialEnergy))
		o.logf("  NAdam: E/E0 %.3g after %d iterations in %v (%v)", nadam.Energy/nadam.InitialEnergy, nadam.Iterations, nadam.Times.Total.Round(time.Millisecond), nadam.Status)

		var cgNewton, cgLM time.Duration
		for _, m := range []sparsels.Method{sparsels.NewtonTrustRegion, sparsels.LevenbergMarquardt, sparsels.LBFGS} {
			res, err := sparsels.Solve(ctx, cb.p, cb.g0, &sparsels.Settings{
				Method: m, Constraints: cb.cs, MaxIterations: 5000, TimeLimit: o.e2eCap,
				Callback: func(r sparsels.IterationRecord) error {
					if r.Energy <= target {
						return sparsels.ErrStop
					}
					return nil
				},
			})
			if err != nil && !errors.Is(err, sparsels.ErrNotFinite) {
				return err
			}
			name := m.String()
			if m == sparsels.NewtonTrustRegion {
				name += " (default)"
			}
			name += fmt.Sprintf(" [%v]", res.Linear)
			if m == sparsels.LBFGS {
				name = m.String()
			}
			tt := timeTo(res.History, target)
			reached, speed := "not reached", "–"
			if tt > 0 {
				reached, speed = runstats.Duration(tt), fmtRatio(tNAdam.Seconds()/tt.Seconds())
			}
			if res.LinearIterations > 0 && res.Linear == sparsels.LinearCG {
				step := res.Times.LinearSolve / time.Duration(res.LinearIterations)
				if m == sparsels.NewtonTrustRegion {
					cgNewton = step
				} else if m == sparsels.LevenbergMarquardt {
					cgLM = step
				}
			}
			t.add(label, name, reached, speed, fmt.Sprint(res.Iterations), fmt.Sprintf("%.4g", res.Energy/target), res.Status.String(),
				fmt.Sprintf("%.3g", res.Energy/res.InitialEnergy))
			o.logf("  %s: time to target %v, E/target %.4g (%v)", m, tt, res.Energy/target, res.Status)
		}
		grad := make([]float64, nnz)
		eg := measure(func() { cb.p.EnergyGradient(grad, cb.g0) }, o.reps, o.minRep)
		s.add(label, runstats.Duration(cb.eig), runstats.Duration(cb.setup), runstats.Duration(eg.time), runstats.Duration(cgNewton), runstats.Duration(cgLM))
	}
	t.note("Grid meshes of about the given vertex counts (wavy, jittered, unit area), cotangent Laplacian, Voronoi mass, k smallest eigenpairs, k-medoids clusters, m = n/12, rows of G summing to 1, start G = Kᵀ: the construction of examples/coarsen. "+
		"NAdam runs as published (5000 iterations, no function tolerance) but at most %v; its best energy is the target, and its time is when it first reached it. "+
		"The other methods stop at the target (callback), at their own convergence tests (defaults) or at %v. [cg]/[dense] is the linear solver LinearAuto chose. "+
		"stop: \"stopped by callback\" means the target was reached; NAdam's \"function tolerance reached\" is its learning rate falling below 1e-10 of its start after repeated halvings.", o.e2eCap, o.e2eCap)
	s.note("Eigenpairs: eigs.Smallest (shift-invert block Krylov-Schur). Whole set-up: Laplacian, mass, eigenpairs, clustering, Setup, NewProblem and constraints. EnergyGradient at the start; PCG steps from the runs above (– when the dense path ran).")
	return nil
}
