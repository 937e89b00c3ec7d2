package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mesh"

	"github.com/sparsels/sparsels/internal/runstats"
)

// tailProblem is one problem of the tail section.
type tailProblem struct {
	label string
	build func() (*coarsening, error)
}

// tailRun is one method's run on a tail problem.
type tailRun struct {
	name string
	res  *sparsels.Result
}

// tailLevels are the relative distances to the best energy that the tail
// table reports times for.
var tailLevels = []float64{1e-2, 1e-3, 1e-4}

// runTail measures the tail of the solvers on the published
// spectral-coarsening problem: on Spot, a grid mesh of about 6000 vertices,
// one of about 12000 and the icosphere of 10242, every method runs from G = Kᵀ for o.tailTime with
// its convergence tests off. The reference is the best energy any method
// found; the table gives each method's time to within 1e-2, 1e-3 and 1e-4
// of it, and the default is compared with gonum's LBFGS (fed sparsels'
// gradient) and with NAdam as published.
func runTail(ctx context.Context, o *options, rep *report) error {
	probs := tailProblems(ctx, o)
	t := rep.newTable(fmt.Sprintf("Tail: time to within 1e-2, 1e-3 and 1e-4 of the best energy any method found (each method %v)", o.tailTime),
		"problem", "method", "final E", "E/best − 1", "to 1e-2", "to 1e-3", "to 1e-4", "iterations")
	s := rep.newTable("Tail: the default against gonum LBFGS and NAdam, ratios from the same run",
		"problem", "best E", "default to 1e-3", "LBFGS to 1e-3", "LBFGS / default", "LBFGS's final E: LBFGS", "default", "LBFGS / default", "NAdam's best: NAdam", "default", "NAdam / default")
	ht := rep.newTable("Tail: HybridGaussNewton and the Gauss-Newton family against the default and gonum LBFGS, ratios from the same run",
		"problem", "best E", "hgn to 1e-3", "default to 1e-3", "default / hgn", "LBFGS to 1e-3", "LBFGS / hgn", "final E / best: hgn", "GN", "LM", "Newton")
	bt := rep.newTable("Tail: the certified lower bound (sparsels.LowerBound) and the optimality gap",
		"problem", "lower bound", "bound time", "unknowns", "CGLS iterations", "default's final E", "relative gap (E − bound)/E", "best relative gap of any method", "default to gap ≤ 1e-3")
	for _, pr := range probs {
		if err := ctx.Err(); err != nil {
			return err
		}
		cb, err := pr.build()
		if err != nil {
			return fmt.Errorf("%s: %w", pr.label, err)
		}
		label := fmt.Sprintf("%s (n %s, m %d, k %d, nnz %s)", pr.label, fmtCount(cb.n), cb.m, cb.k, fmtCount(len(cb.g0)))
		o.logf("tail %s: set-up %v", label, cb.setup.Round(time.Millisecond))
		runs, err := tailRuns(ctx, o, cb)
		if err != nil {
			return err
		}
		best := math.Inf(1)
		for _, r := range runs {
			best = math.Min(best, r.res.Energy)
		}
		times := map[string][]time.Duration{}
		for _, r := range runs {
			row := []string{label, r.name, fmt.Sprintf("%.8g", r.res.Energy), fmt.Sprintf("%.2e", r.res.Energy/best-1)}
			for _, lv := range tailLevels {
				d := timeTo(r.res.History, best*(1+lv))
				times[r.name] = append(times[r.name], d)
				row = append(row, fmtReached(d))
			}
			t.add(append(row, fmt.Sprint(r.res.Iterations))...)
		}
		def, lb := times[runs[0].name][1], times["lbfgs"][1]
		lbShown, lbLimit := fmtReached(lb), o.tailTime
		if lb < 0 && def > 0 && 5*def > o.tailTime && o.tailExtend {
			lb, lbLimit, err = extendLBFGS(ctx, o, cb, best*(1+1e-3), 5*def)
			if err != nil {
				return err
			}
			lbShown = fmtReached(lb) + " (rerun)"
			if lb < 0 {
				lbShown = fmt.Sprintf("not in %s (rerun)", runstats.Duration(lbLimit))
			}
		}
		var lbfgs *sparsels.Result
		for _, r := range runs {
			if r.res.Method == sparsels.LBFGS {
				lbfgs = r.res
			}
		}
		tLB := timeTo(lbfgs.History, lbfgs.Energy)
		tDefLB := timeTo(runs[0].res.History, lbfgs.Energy)
		nadam := runs[len(runs)-1].res
		tNAdam := timeTo(nadam.History, nadam.Energy)
		tDef := timeTo(runs[0].res.History, nadam.Energy)
		s.add(label, fmt.Sprintf("%.8g", best), fmtReached(def), lbShown, ratioOf(lb, def, lbLimit),
			fmtReached(tLB), fmtReached(tDefLB), ratioOf(tLB, tDefLB, o.tailTime),
			fmtReached(tNAdam), fmtReached(tDef), ratioOf(tNAdam, tDef, o.tailTime))
		tailFamily(rep, ht, label, runs, best, def, lb, lbLimit, times)
		bd, err := sparsels.LowerBound(ctx, cb.p, cb.cs, nil)
		if err != nil {
			return fmt.Errorf("%s: lower bound: %w", pr.label, err)
		}
		o.logf("  lower bound %.10g in %v (%d unknowns)", bd.Value, bd.Time.Round(time.Millisecond), bd.Unknowns)
		def0 := runs[0].res
		gapTime := "not reached"
		if d := timeTo(def0.History, bd.Value/(1-1e-3)); d >= 0 {
			gapTime = runstats.Duration(d)
		}
		iters := fmt.Sprint(bd.Iterations)
		if !bd.Converged {
			iters += " (not converged)"
		}
		bt.add(label, fmt.Sprintf("%.8g", bd.Value), runstats.Duration(bd.Time), fmt.Sprint(bd.Unknowns), iters, fmt.Sprintf("%.8g", def0.Energy),
			fmt.Sprintf("%.2e", (def0.Energy-bd.Value)/def0.Energy), fmt.Sprintf("%.2e", (best-bd.Value)/best), gapTime)
		// Met only when measured: a lower bound on the ratio (LBFGS never got
		// there) counts only if it already reaches 5.
		met5 := def > 0 && (lb >= 5*def || lb < 0 && lbLimit >= 5*def)
		rep.target("%s: default within 1e-3 of the best ≥ 5x sooner than gonum LBFGS: %s (%s; to LBFGS's own final energy %s); NAdam's best ≥ 50x sooner than NAdam: %s (%s).",
			pr.label, yesNo(met5), ratioOf(lb, def, lbLimit), ratioOf(tLB, tDefLB, o.tailTime), yesNo(tDef > 0 && tNAdam >= 50*tDef), ratioOf(tNAdam, tDef, o.tailTime))
	}
	t.note("Published construction (cotangent Laplacian, Voronoi mass, 100 smallest eigenpairs, k-medoids, rows of G summing to 1, start G = Kᵀ); grid meshes with m = n/12. " +
		"Every method runs once for the same wall time with FunctionTol, GradientTol and StepTol disabled (NAdam: its published 5000 iterations, or the time limit), one after the other in one process; " +
		"\"best\" is the lowest final energy of the problem's runs, and a time is when a method's history first came within the given relative distance of it (– never).")
	s.note("\"LBFGS / default\" is how many times sooner the default came within 1e-3 of the best energy than gonum's LBFGS fed with sparsels' gradient " +
		"(≥ means LBFGS never got there, so the ratio is only a lower bound: the run time over the default's time). " +
		"When LBFGS did not get there in the common run time, it was run again alone from the same start for up to 5x the default's time, stopping when it came within 1e-3 of the best (\"rerun\"): " +
		"the ratio is then measured, or at least 5 when it did not get there. The best energy is still the lowest of the common-time runs. " +
		"\"LBFGS's final E\" compares the times to the energy LBFGS ended with, a ratio measured at a level both reached. " +
		"\"NAdam's best\" is the time NAdam first reached its own final energy, and \"default\" when the default reached that energy.")
	ht.note("\"hgn\" is HybridGaussNewton; \"default / hgn\" is how many times sooner hgn came within 1e-3 of the best energy than the default, \"LBFGS / hgn\" than gonum LBFGS " +
		"(with LBFGS's rerun time when it was rerun; ≥ when it never got there). The last four columns are each Gauss-Newton-family method's final energy over the best after the common run time.")
	bt.note("The bound minimizes φ(S) = ‖X − Y S B‖² over every symmetric S on the coarse pattern with S·1 = 0, a convex relaxation of E(g) = φ(GᵀLG), " +
		"lowered by its a-posteriori error estimate (see sparsels.LowerBound). A gap that no method closes is the relaxation's own gap, not the solvers': " +
		"the bound is reached only where the relaxed minimizer S* is a GᵀLG on the pattern, which these problems are far from (S* is not even positive semidefinite).")
	return nil
}

// tailProblems returns the problems of the tail and pair sections: Spot,
// grid meshes of about 6000 and 12000 vertices and the icosphere of 10242
// (with -quick, a grid of about 2000).
func tailProblems(ctx context.Context, o *options) []tailProblem {
	probs := []tailProblem{
		{"Spot", func() (*coarsening, error) {
			msh, err := mesh.ReadFile(ctx, o.tailMesh)
			if err != nil {
				return nil, err
			}
			return buildMeshCoarsening(msh, 500, 100, o.seed)
		}},
		{"grid 6k", func() (*coarsening, error) { return buildCoarsening(6000, 100, o.seed) }},
		{"grid 12k", func() (*coarsening, error) { return buildCoarsening(12000, 100, o.seed) }},
		{"icosphere 10k", func() (*coarsening, error) { return buildMeshCoarsening(icosphere(5), 600, 100, o.seed) }},
	}
	if o.quick {
		// No mesh file: a small grid.
		probs = []tailProblem{{"grid 2k", func() (*coarsening, error) { return buildCoarsening(2000, 30, o.seed) }}}
	}
	return probs
}

// tailRuns runs the default, the other second-order methods, gonum LBFGS and
// NAdam (last) on cb.
func tailRuns(ctx context.Context, o *options, cb *coarsening) ([]tailRun, error) {
	var runs []tailRun
	for _, m := range []sparsels.Method{sparsels.Auto, sparsels.HybridGaussNewton, sparsels.NewtonTrustRegion, sparsels.LevenbergMarquardt, sparsels.GaussNewtonLineSearch, sparsels.LBFGS, sparsels.NAdam} {
		set := tailSettings(m, cb, o.tailTime)
		if m == sparsels.NAdam {
			set.MaxIterations = 5000
		}
		res, err := sparsels.Solve(ctx, cb.p, cb.g0, set)
		if err != nil && !errors.Is(err, sparsels.ErrNotFinite) {
			return nil, err
		}
		name := res.Method.String()
		if m == sparsels.Auto {
			name = "default (" + name + ")"
		} else if res.Method == sparsels.NewtonTrustRegion || res.Method == sparsels.LevenbergMarquardt || res.Method == sparsels.GaussNewtonLineSearch {
			name += " (" + res.Linear.String() + ")"
		}
		o.logf("  %s: E %.10g after %d iterations (%v)", name, res.Energy, res.Iterations, res.Status)
		runs = append(runs, tailRun{name: name, res: res})
	}
	return runs, nil
}

// tailFamily adds to ht the row of HybridGaussNewton and the Gauss-Newton
// family on one problem of the tail section: hgn's time to within 1e-3 of
// the best against the default's (def) and gonum LBFGS's (lb, −1 for never
// within lbLimit), and the final energies over the best. It reports the
// targets of the structured Gauss-Newton method.
func tailFamily(rep *report, ht *table, label string, runs []tailRun, best float64, def, lb, lbLimit time.Duration, times map[string][]time.Duration) {
	final := map[sparsels.Method]float64{}
	var hgn time.Duration = -1
	for _, r := range runs {
		switch r.res.Method {
		case sparsels.HybridGaussNewton, sparsels.GaussNewtonLineSearch, sparsels.LevenbergMarquardt, sparsels.NewtonTrustRegion:
			final[r.res.Method] = r.res.Energy / best
		}
		if r.res.Method == sparsels.HybridGaussNewton {
			hgn = times[r.name][1]
		}
	}
	worst := 0.0
	for _, v := range final {
		worst = math.Max(worst, v)
	}
	lbShown := fmtReached(lb)
	if lb < 0 {
		lbShown = "not in " + runstats.Duration(lbLimit)
	}
	ht.add(label, fmt.Sprintf("%.8g", best), fmtReached(hgn), fmtReached(def), ratioOf(def, hgn, lbLimit), lbShown, ratioOf(lb, hgn, lbLimit),
		fmt.Sprintf("%.4g", final[sparsels.HybridGaussNewton]), fmt.Sprintf("%.4g", final[sparsels.GaussNewtonLineSearch]),
		fmt.Sprintf("%.4g", final[sparsels.LevenbergMarquardt]), fmt.Sprintf("%.4g", final[sparsels.NewtonTrustRegion]))
	rep.target("%s: hgn within 1e-3 of the best ≥ 2x sooner than the default: %s (%s); ≥ 5x sooner than gonum LBFGS: %s (%s); "+
		"every Gauss-Newton-family method (hgn, GN, LM) and Newton ends ≤ 10x above the best: %s (worst %.4g).",
		label, yesNo(hgn > 0 && def >= 2*hgn), ratioOf(def, hgn, lbLimit), yesNo(hgn > 0 && (lb >= 5*hgn || lb < 0 && lbLimit >= 5*hgn)), ratioOf(lb, hgn, lbLimit),
		yesNo(worst <= 10), worst)
}

// tailSettings are the settings of a tail run of method m on cb: no
// iteration limit, the convergence tests off, and the time limit.
func tailSettings(m sparsels.Method, cb *coarsening, limit time.Duration) *sparsels.Settings {
	return &sparsels.Settings{
		Method: m, Constraints: cb.cs, MaxIterations: 1 << 30, TimeLimit: limit,
		FunctionTol: -1, GradientTol: -1, StepTol: -1,
	}
}

// extendLBFGS runs gonum LBFGS on cb for up to limit, stopping at the first
// iteration whose energy is at most target, and returns when it got there
// (−1 if it did not) and the time limit used.
func extendLBFGS(ctx context.Context, o *options, cb *coarsening, target float64, limit time.Duration) (time.Duration, time.Duration, error) {
	set := tailSettings(sparsels.LBFGS, cb, limit)
	set.Callback = func(r sparsels.IterationRecord) error {
		if r.Energy <= target {
			return sparsels.ErrStop
		}
		return nil
	}
	res, err := sparsels.Solve(ctx, cb.p, cb.g0, set)
	if err != nil {
		return 0, 0, err
	}
	d := timeTo(res.History, target)
	o.logf("  lbfgs rerun for up to %v: E %.10g after %d iterations (%v), within 1e-3 of the best at %s", limit.Round(time.Millisecond), res.Energy, res.Iterations, res.Status, fmtReached(d))
	return d, limit, nil
}

// fmtReached formats a time from timeTo, – for never.
func fmtReached(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return runstats.Duration(d)
}

// ratioOf returns slow/fast as a ratio; when slow never happened it is at
// least limit/fast.
func ratioOf(slow, fast, limit time.Duration) string {
	switch {
	case fast <= 0:
		return "–"
	case slow < 0:
		return "≥ " + fmtRatio(limit.Seconds()/fast.Seconds())
	}
	return fmtRatio(slow.Seconds() / fast.Seconds())
}
