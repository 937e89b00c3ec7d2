package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/sparsels/sparsels"

	"github.com/sparsels/sparsels/internal/runstats"
)

// pairMethods are the methods the pair section alternates.
var pairMethods = []sparsels.Method{sparsels.QuasiNewton, sparsels.HybridGaussNewton}

// runPair compares QuasiNewton (the default on these sizes) with
// HybridGaussNewton on the tail section's problems in runs that alternate,
// so that a change in the machine's speed over the section falls on both:
// o.pairReps rounds of one run of each for o.pairTime, the order swapped
// every round. The reference is the best energy of the problem's runs; the
// table gives the median over the rounds of each method's time to within
// 1e-2 and 1e-3 of it (a run that never got there counts as longer than
// any that did), and the median ratio of the two methods' times within a
// round.
func runPair(ctx context.Context, o *options, rep *report) error {
	t := rep.newTable(fmt.Sprintf("Pair: QuasiNewton and HybridGaussNewton alternated, %d rounds of %v each", o.pairReps, o.pairTime),
		"problem", "best E", "method", "median final E", "median to 1e-2", "median to 1e-3", "iterations per s (median)", "qn / hgn to 1e-3, per round")
	for _, pr := range tailProblems(ctx, o) {
		if err := ctx.Err(); err != nil {
			return err
		}
		cb, err := pr.build()
		if err != nil {
			return fmt.Errorf("%s: %w", pr.label, err)
		}
		label := fmt.Sprintf("%s (n %s, m %d, k %d)", pr.label, fmtCount(cb.n), cb.m, cb.k)
		runs := make([][]*sparsels.Result, len(pairMethods)) // by method, then round
		for r := range o.pairReps {
			for i := range pairMethods {
				k := i
				if r%2 == 1 {
					k = len(pairMethods) - 1 - i
				}
				res, err := sparsels.Solve(ctx, cb.p, cb.g0, tailSettings(pairMethods[k], cb, o.pairTime))
				if err != nil {
					return err
				}
				o.logf("  pair %s round %d %v: E %.10g after %d iterations", pr.label, r, res.Method, res.Energy, res.Iterations)
				runs[k] = append(runs[k], res)
			}
		}
		best := math.Inf(1)
		for _, rs := range runs {
			for _, res := range rs {
				best = math.Min(best, res.Energy)
			}
		}
		never := time.Duration(math.MaxInt64)
		reached := func(res *sparsels.Result, lv float64) time.Duration {
			if d := timeTo(res.History, best*(1+lv)); d >= 0 {
				return d
			}
			return never
		}
		var ratios []string
		for r := range o.pairReps {
			q, h := reached(runs[0][r], 1e-3), reached(runs[1][r], 1e-3)
			switch {
			case q == never && h == never:
				ratios = append(ratios, "–")
			case h == never:
				ratios = append(ratios, "≤ "+fmtRatio(q.Seconds()/o.pairTime.Seconds()))
			case q == never:
				ratios = append(ratios, "≥ "+fmtRatio(o.pairTime.Seconds()/h.Seconds()))
			default:
				ratios = append(ratios, fmtRatio(q.Seconds()/h.Seconds()))
			}
		}
		for i, m := range pairMethods {
			var es, rates []float64
			var t2, t3 []time.Duration
			for _, res := range runs[i] {
				es = append(es, res.Energy)
				rates = append(rates, float64(res.Iterations)/res.History[len(res.History)-1].Elapsed.Seconds())
				t2, t3 = append(t2, reached(res, 1e-2)), append(t3, reached(res, 1e-3))
			}
			cell := fmt.Sprint(ratios)
			if i > 0 {
				cell = ""
			}
			t.add(label, fmt.Sprintf("%.8g", best), m.String(), fmt.Sprintf("%.8g", median(es)),
				fmtMedianTime(t2, never), fmtMedianTime(t3, never), fmt.Sprintf("%.0f", median(rates)), cell)
		}
	}
	t.note("Same problems and settings as the tail section (convergence tests off), each run from G = Kᵀ; the rounds run qn then hgn, hgn then qn, and so on. " +
		"\"qn / hgn\" is how many times sooner hgn came within 1e-3 of the best than qn in the same round (≥ or ≤ when only one got there, – when neither did).")
	return nil
}

// fmtMedianTime formats the median (the upper one for an even count) of
// times, – when it is never.
func fmtMedianTime(ts []time.Duration, never time.Duration) string {
	y := slices.Clone(ts)
	slices.Sort(y)
	m := y[len(y)/2]
	if m == never {
		return "–"
	}
	return runstats.Duration(m)
}
