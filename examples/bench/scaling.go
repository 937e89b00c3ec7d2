package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"

	"github.com/sparsels/sparsels/internal/runstats"
)

// seriesC is the number of columns of X and B in the scaling series.
const seriesC = 64

// seriesProblem is one problem of the scaling series.
type seriesProblem struct {
	nnzTarget  int
	n, m, r, c int
	nnzL       int
	inst       *testprob.Instance
	p          *sparsels.Problem
	cs         *sparsels.Constraints
	build      time.Duration
}

// buildSeries returns the coarsening-shaped problem with about nnz nonzeros
// in G: n = nnz/7 fine vertices, m = n/12 coarse ones (at least 7), c = 64,
// diagonal Y, rows of G summing to 1.
func buildSeries(nnz int, seed uint64) (*seriesProblem, error) {
	t0 := time.Now()
	n := max((nnz+3)/7, 84)
	m := max(n/12, 7)
	inst := testprob.Coarsening(n, m, seriesC, false, seed)
	pat, err := sparsels.NewPattern(n, m, inst.I, inst.J)
	if err != nil {
		return nil, err
	}
	p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		return nil, err
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return nil, err
	}
	nn, mm, r, c := p.Dims()
	nnzL := 0
	if d, ok := inst.L.(interface{ NNZ() int }); ok {
		nnzL = d.NNZ()
	}
	return &seriesProblem{nnzTarget: nnz, n: nn, m: mm, r: r, c: c, nnzL: nnzL, inst: inst, p: p, cs: cs, build: time.Since(t0)}, nil
}

func (sp *seriesProblem) nnz() int { return len(sp.inst.G) }

// namedOp is an operation timed by the series.
type namedOp struct {
	name string
	fn   func()
}

// evalOps returns the evaluations timed on p (sp.p or a WithThreads copy)
// at sp's starting point, with their buffers.
func evalOps(sp *seriesProblem, p *sparsels.Problem) []namedOp {
	g := sp.inst.G
	nnz := len(g)
	rng := rand.New(rand.NewPCG(11, 12))
	x := make([]float64, nnz)
	for i := range x {
		x[i] = rng.Float64()*2 - 1
	}
	w := make([]float64, sp.r*sp.c)
	for i := range w {
		w[i] = rng.Float64()*2 - 1
	}
	res := mat.NewDense(sp.r, sp.c, nil)
	grad := make([]float64, nnz)
	out := make([]float64, nnz)
	jx := make([]float64, sp.r*sp.c)
	op := p.JacobianOperator(g)
	return []namedOp{
		{"Residual", func() { p.Residual(res, g) }},
		{"EnergyGradient", func() { p.EnergyGradient(grad, g) }},
		{"J·x", func() { op.MulVecTo(jx, false, x) }},
		{"Jᵀ·w", func() { op.MulVecTo(out, true, w) }},
		{"JᵀJ·x", func() { op.GaussNewtonMulVecTo(out, x) }},
		{"Hessian·x", func() { op.HessianMulVecTo(out, x) }},
	}
}

// solveStat is the cost of the matrix-free iterations of one method.
type solveStat struct {
	perIter  time.Duration // median wall time of Solve / iterations
	cgStep   time.Duration // LinearSolve time / CG iterations, of the median run
	cgPerIt  float64       // CG iterations per outer iteration
	bytes    float64       // bytes allocated per outer iteration
	iters    int
	runs     int
	energyOK bool // the run decreased the energy
}

// solveIterations runs Solve with 5 matrix-free iterations and no
// convergence test, reps times unless one run takes over budget, and
// returns the median cost per iteration.
func solveIterations(ctx context.Context, sp *seriesProblem, p *sparsels.Problem, m sparsels.Method, reps int, budget time.Duration) (solveStat, error) {
	s := &sparsels.Settings{
		Method: m, Linear: sparsels.LinearCG, Constraints: sp.cs, MaxIterations: 5,
		FunctionTol: -1, GradientTol: -1, StepTol: -1,
	}
	var st solveStat
	var per []time.Duration
	var cg []time.Duration
	start := time.Now()
	var m0, m1 runtime.MemStats
	st.bytes = math.Inf(1)
	for r := 0; r < reps; r++ {
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		res, err := sparsels.Solve(ctx, p, sp.inst.G, s)
		el := time.Since(t0)
		runtime.ReadMemStats(&m1)
		if err != nil {
			return st, fmt.Errorf("%v on nnz %d: %w", m, sp.nnz(), err)
		}
		if res.Iterations == 0 {
			return st, fmt.Errorf("%v on nnz %d: no iteration (%s)", m, sp.nnz(), res.Reason)
		}
		st.iters = res.Iterations
		st.energyOK = res.Energy < res.InitialEnergy
		per = append(per, el/time.Duration(res.Iterations))
		if res.LinearIterations > 0 {
			cg = append(cg, res.Times.LinearSolve/time.Duration(res.LinearIterations))
			st.cgPerIt = float64(res.LinearIterations) / float64(res.Iterations)
		}
		st.bytes = min(st.bytes, float64(m1.TotalAlloc-m0.TotalAlloc)/float64(res.Iterations))
		st.runs++
		if time.Since(start) > budget {
			break
		}
	}
	st.perIter = median(per)
	if len(cg) > 0 {
		st.cgStep = median(cg)
	}
	return st, nil
}

// seriesCache keeps the problems of the two largest sizes for the threads
// section.
var seriesCache = map[int]*seriesProblem{}

func runScaling(ctx context.Context, o *options, rep *report) error {
	type col struct {
		sp        *seriesProblem
		ops       []stat
		lm, nt    solveStat
		peak, sys int64
		peakReset bool
	}
	var cols []col
	opNames := []string{}
	budget := 20 * time.Second
	if o.quick {
		budget = 3 * time.Second
	}
	for idx, size := range o.sizes {
		if err := ctx.Err(); err != nil {
			return err
		}
		reset := runstats.ResetPeak()
		sp, err := buildSeries(size, o.seed)
		if err != nil {
			return err
		}
		o.logf("scaling nnz %d: n %d m %d, built in %v", sp.nnz(), sp.n, sp.m, sp.build.Round(time.Millisecond))
		c := col{sp: sp, peakReset: reset}
		ops := evalOps(sp, sp.p)
		opNames = opNames[:0]
		for _, op := range ops {
			c.ops = append(c.ops, measure(op.fn, o.reps, o.minRep))
			opNames = append(opNames, op.name)
		}
		reps := o.reps
		if c.lm, err = solveIterations(ctx, sp, sp.p, sparsels.LevenbergMarquardt, reps, budget); err != nil {
			return err
		}
		if c.nt, err = solveIterations(ctx, sp, sp.p, sparsels.NewtonTrustRegion, reps, budget); err != nil {
			return err
		}
		c.peak = runstats.PeakRSS()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		c.sys = int64(ms.Sys)
		o.logf("  EnergyGradient %v, LM iteration %v, Newton iteration %v, peak RSS %s",
			c.ops[1].time, c.lm.perIter, c.nt.perIter, runstats.Bytes(float64(c.peak)))
		cols = append(cols, c)
		if idx >= len(o.sizes)-2 && o.want("threads") {
			seriesCache[size] = sp
		}
	}

	header := []string{"per call"}
	for _, c := range cols {
		header = append(header, fmt.Sprintf("nnz %s", fmtCount(c.sp.nnz())))
	}
	header = append(header, "slope")
	tail := max(len(cols)-3, 0) // the slope over the three largest sizes
	if len(cols) > 3 {
		header = append(header, fmt.Sprintf("slope from nnz %s", fmtCount(cols[tail].sp.nnz())))
	}
	tt := rep.newTable("Scaling: time per call", header...)
	shape := []string{"n / m / r·c"}
	for _, c := range cols {
		shape = append(shape, fmt.Sprintf("%s / %s / %s", fmtCount(c.sp.n), fmtCount(c.sp.m), fmtCount(c.sp.r*c.sp.c)))
	}
	blank := len(header) - 1 - len(cols)
	tt.add(append(shape, make([]string, blank)...)...)
	nnzs := make([]float64, len(cols))
	for i, c := range cols {
		nnzs[i] = float64(c.sp.nnz())
	}
	slopes := map[string]float64{}
	addRow := func(name string, get func(col) time.Duration) {
		row := []string{name}
		ys := make([]float64, len(cols))
		for i, c := range cols {
			d := get(c)
			ys[i] = d.Seconds()
			row = append(row, runstats.Duration(d))
		}
		s := runstats.Slope(nnzs, ys)
		slopes[name] = s
		row = append(row, fmt.Sprintf("%.2f", s))
		if len(cols) > 3 {
			row = append(row, fmt.Sprintf("%.2f", runstats.Slope(nnzs[tail:], ys[tail:])))
		}
		tt.add(row...)
	}
	for k, name := range opNames {
		addRow(name, func(c col) time.Duration { return c.ops[k].time })
	}
	addRow("LM iteration (5 iterations / 5)", func(c col) time.Duration { return c.lm.perIter })
	addRow("Newton iteration (5 iterations / 5)", func(c col) time.Duration { return c.nt.perIter })
	addRow("LM: one PCG step", func(c col) time.Duration { return c.lm.cgStep })
	addRow("Newton: one Steihaug PCG step", func(c col) time.Duration { return c.nt.cgStep })
	cgRow := []string{"CG steps per iteration (LM / Newton)"}
	for _, c := range cols {
		cgRow = append(cgRow, fmt.Sprintf("%.1f / %.1f", c.lm.cgPerIt, c.nt.cgPerIt))
	}
	tt.add(append(cgRow, make([]string, blank)...)...)
	tt.note("Problems from internal/testprob.Coarsening(n, m = n/12, c = %d, diagonal Y): 7 nonzeros per row of G, at most 7 per row of L (grid Laplacian), r = m. "+
		"Evaluations at the starting point; J·x, Jᵀ·w, JᵀJ·x and Hessian·x on one JacobianOperator. "+
		"Iterations: Solve with LinearCG, rows of G summing to 1, MaxIterations 5 and every convergence test off; the time per iteration includes the set-up of Solve divided by 5. "+
		"PCG step = Result.Times.LinearSolve / Result.LinearIterations. slope = least-squares slope of log(time) against log(nnz(G)) over all sizes (the target's measure); the last column fits the three largest sizes only. "+
		"GOMAXPROCS goroutines (the default).", seriesC)

	at := rep.newTable("Scaling: bytes / allocations per call", header[:len(cols)+1]...)
	for k, name := range opNames {
		row := []string{name}
		for _, c := range cols {
			row = append(row, fmtAllocs(c.ops[k]))
		}
		at.add(row...)
	}
	for _, v := range []struct {
		name string
		get  func(col) solveStat
	}{{"LM iteration (bytes)", func(c col) solveStat { return c.lm }}, {"Newton iteration (bytes)", func(c col) solveStat { return c.nt }}} {
		row := []string{v.name}
		for _, c := range cols {
			row = append(row, runstats.Bytes(v.get(c).bytes))
		}
		at.add(row...)
	}
	row := []string{"peak RSS while at this size"}
	row2 := []string{"Go runtime Sys after this size"}
	row3 := []string{"problem build (testprob + NewProblem)"}
	for _, c := range cols {
		row = append(row, runstats.Bytes(float64(c.peak)))
		row2 = append(row2, runstats.Bytes(float64(c.sys)))
		row3 = append(row3, runstats.Duration(c.sp.build))
	}
	at.add(row...)
	at.add(row2...)
	at.add(row3...)
	at.note("Allocations in \"bytes / count\" per call (0: none). Solve allocates its state once per call; the per-iteration figure divides a 5-iteration Solve's total by 5. " +
		"Peak RSS is the kernel's VmHWM, reset before each size by writing 5 to /proc/self/clear_refs (so it covers building the problem and every timing at that size).")
	if !cols[0].peakReset {
		at.note("The VmHWM reset failed on this machine: the peak RSS figures are high-water marks since the start of the process.")
	}

	// Targets.
	worst, worstName := 0.0, ""
	for _, name := range append(append([]string{}, opNames...), "LM iteration (5 iterations / 5)", "Newton iteration (5 iterations / 5)") {
		if s := slopes[name]; s > worst {
			worst, worstName = s, name
		}
	}
	rep.target("Log-log slope ≤ 1.1 against nnz(G) (%s … %s): %s; largest slope %.2f (%s).",
		fmtCount(cols[0].sp.nnz()), fmtCount(cols[len(cols)-1].sp.nnz()), yesNo(worst <= 1.1), worst, worstName)
	allocFree := true
	var allocNames []string
	last := cols[len(cols)-1]
	for k, name := range opNames {
		if last.ops[k].allocs > 0 {
			allocFree = false
			allocNames = append(allocNames, name)
		}
	}
	rep.target("Zero allocations per call in steady state (evaluations at nnz %s): %s%s.", fmtCount(last.sp.nnz()), yesNo(allocFree), func() string {
		if allocFree {
			return ""
		}
		return fmt.Sprintf(" (allocating: %v)", allocNames)
	}())
	if last.sp.nnz() >= 900_000 {
		rep.target("LM at nnz(G) = %s within 24 GiB: %s; peak RSS %s while building the problem and running %d+%d LM and Newton solves of 5 iterations.",
			fmtCount(last.sp.nnz()), yesNo(last.peak > 0 && last.peak <= 24<<30), runstats.Bytes(float64(last.peak)), last.lm.runs, last.nt.runs)
	}
	return nil
}

// fmtCount formats a count compactly: 1000 → 1k, 1.5e5 → 150k, 1e6 → 1M.
func fmtCount(n int) string {
	switch {
	case n >= 999_500:
		return fmt.Sprintf("%.3gM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.3gk", float64(n)/1e3)
	default:
		return fmt.Sprint(n)
	}
}
