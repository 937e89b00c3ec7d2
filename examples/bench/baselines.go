package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"

	"github.com/sparsels/sparsels/internal/runstats"
)

// getSeries returns the series problem for nnz, from the cache of the
// scaling section or newly built.
func getSeries(nnz int, seed uint64) (*seriesProblem, error) {
	if sp, ok := seriesCache[nnz]; ok {
		return sp, nil
	}
	return buildSeries(nnz, seed)
}

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.Float64()*2 - 1
	}
	return mat.NewDense(r, c, d)
}

// maxAbsDiff returns max |a − b| / max(1, max |b|) over the entries.
func maxAbsDiff(a, b []float64) float64 {
	var d, s float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		s = max(s, math.Abs(b[i]))
	}
	return d / max(1, s)
}

// denseData returns the entries of m row by row.
func denseData(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := range r {
		out = append(out, m.RawRowView(i)...)
	}
	return out
}

// runKernel compares MulSparseDense with james-bowman/sparse's MulMatMat
// and with mat.Dense.Mul on L·X, X n×64, at each size of the series.
func runKernel(ctx context.Context, o *options, rep *report) error {
	t := rep.newTable("Baseline: sparse × dense kernel, L·X with X n×64",
		"n", "nnz(L)", "MulSparseDense", "sparse.MulMatMat (zero + accumulate)", "speed-up", "mat.Dense.Mul (At fallback)", "speed-up", "max rel. difference")
	worst := math.Inf(1)
	for _, size := range o.sizes {
		if err := ctx.Err(); err != nil {
			return err
		}
		sp, err := getSeries(size, o.seed)
		if err != nil {
			return err
		}
		L := sp.inst.L.(*sparse.CSR)
		rng := rand.New(rand.NewPCG(5, uint64(size)))
		x := randDense(rng, sp.n, seriesC)
		ours := mat.NewDense(sp.n, seriesC, nil)
		theirs := mat.NewDense(sp.n, seriesC, nil)
		so := measure(func() { sparsels.MulSparseDense(ours, L, x) }, o.reps, o.minRep)
		st := measure(func() {
			theirs.Zero()
			sparse.MulMatMat(false, 1, L, x, theirs)
		}, o.reps, o.minRep)
		diff := maxAbsDiff(denseData(ours), denseData(theirs))
		ratio := st.time.Seconds() / so.time.Seconds()
		worst = min(worst, ratio)
		dm, dmRatio := "not run (n > 1500)", "–"
		if sp.n <= 1500 {
			gd := mat.NewDense(sp.n, seriesC, nil)
			sd := measure(func() { gd.Mul(L, x) }, 1, 0)
			diff = max(diff, maxAbsDiff(denseData(gd), denseData(ours)))
			dm, dmRatio = runstats.Duration(sd.time), fmtRatio(sd.time.Seconds()/so.time.Seconds())
		}
		t.add(fmtCount(sp.n), fmtCount(sp.nnzL), runstats.Duration(so.time), runstats.Duration(st.time), fmtRatio(ratio), dm, dmRatio, fmt.Sprintf("%.1e", diff))
		o.logf("kernel n %d: ours %v, MulMatMat %v", sp.n, so.time, st.time)
	}
	t.note("One goroutine for all three. MulMatMat accumulates into its destination, so each of its calls is preceded by dst.Zero(), which it needs to compute dst = L·X. " +
		"mat.Dense.Mul with the *sparse.CSR operand reads it through At (one call, no repetition). The difference column compares the three results.")
	rep.target("Kernel ≥ 1.5x james-bowman/sparse MulMatMat on L·X: %s; smallest speed-up over the sizes %s.", yesNo(worst >= 1.5), fmtRatio(worst))
	return nil
}

// gnCase is one size of the Gauss-Newton comparison.
type gnCase struct{ n, m, c int }

// runGaussNewton compares GaussNewton (JᵀJ from Gram matrices) with forming
// J by Jacobian and JᵀJ by SymOuterK (Dsyrk).
func runGaussNewton(ctx context.Context, o *options, rep *report) error {
	cases := []gnCase{{143, 16, 64}, {143, 50, 64}, {143, 100, 100}}
	if !o.quick {
		cases = append(cases, gnCase{286, 100, 100}, gnCase{143, 125, 240}, gnCase{143, 125, 800})
	}
	t := rep.newTable("Baseline: Gauss-Newton matrix JᵀJ, Gram form against J then JᵀJ",
		"n / m / c", "r·c", "nnz(G)", "GaussNewton", "Jacobian + SymOuterK", "speed-up", "max rel. difference")
	ok, seen := true, false
	for _, cs := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		inst := testprob.Coarsening(cs.n, cs.m, cs.c, false, o.seed)
		pat, err := sparsels.NewPattern(cs.n, cs.m, inst.I, inst.J)
		if err != nil {
			return err
		}
		p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
		if err != nil {
			return err
		}
		// Evaluate away from the zero-residual truth and the start.
		g := inst.G
		nnz := len(g)
		_, _, r, c := p.Dims()
		gn := mat.NewSymDense(nnz, nil)
		ref := mat.NewSymDense(nnz, nil)
		J := mat.NewDense(r*c, nnz, nil)
		reps := o.reps
		if float64(r*c)*float64(nnz)*float64(nnz) > 2e10 {
			reps = 1
		}
		sg := measure(func() { p.GaussNewton(gn, g) }, reps, o.minRep)
		sj := measure(func() {
			p.Jacobian(J, g)
			ref.SymOuterK(1, J.T())
		}, reps, o.minRep)
		diff := maxAbsDiff(gn.RawSymmetric().Data, ref.RawSymmetric().Data)
		ratio := sj.time.Seconds() / sg.time.Seconds()
		if r*c >= 10_000 {
			seen = true
			ok = ok && ratio >= 50
		}
		t.add(fmt.Sprintf("%d / %d / %d", cs.n, cs.m, cs.c), fmtCount(r*c), fmt.Sprint(nnz), runstats.Duration(sg.time), runstats.Duration(sj.time), fmtRatio(ratio), fmt.Sprintf("%.1e", diff))
		o.logf("gn r·c %d nnz %d: GaussNewton %v, J+syrk %v", r*c, nnz, sg.time, sj.time)
	}
	t.note("testprob.Coarsening problems with diagonal Y (r = m). GaussNewton never forms J; the baseline fills the dense (r·c)×nnz Jacobian and multiplies JᵀJ with gonum's SymOuterK (BLAS Dsyrk, upper triangle) on GOMAXPROCS goroutines. The difference column compares the two upper triangles (the symmetric storage holds both).")
	if seen {
		rep.target("GaussNewton ≥ 50x Jacobian-then-JᵀJ for r·c ≥ 10⁴: %s.", yesNo(ok))
	}
	return nil
}

// kronCase is one size of the Kronecker comparison.
type kronCase struct{ n, m, c int }

// kroneckerGradient evaluates 2Jᵀvec(f) with the dense Kronecker-product
// Jacobian of the literature, J = −[(Bᵀ⊗Y)((LG)ᵀ⊗I)K + (Bᵀ⊗YGᵀL)], K the
// commutation matrix with vec(Gᵀ) = K vec(G), keeping the columns at the
// pattern. K, a permutation, is applied by indexing rather than by a dense
// product.
func kroneckerGradient(inst *testprob.Instance, n, m int, g []float64) []float64 {
	Gd := mat.NewDense(n, m, nil)
	for k := range g {
		Gd.Set(inst.I[k], inst.J[k], g[k])
	}
	r, _ := inst.Y.Dims()
	_, c := inst.B.Dims()
	var LG, YGt, YGtL, f mat.Dense
	LG.Mul(inst.L, Gd) // dense n×m (L read through At)
	YGt.Mul(inst.Y, Gd.T())
	YGtL.Mul(&YGt, inst.L)
	var S, SB mat.Dense
	S.Mul(&YGtL, Gd)
	SB.Mul(&S, inst.B)
	f.Sub(inst.X, &SB)
	Im := mat.NewDiagDense(m, nil)
	for i := range m {
		Im.SetDiag(i, 1)
	}
	var T1, T2, M1, T3 mat.Dense
	T1.Kronecker(inst.B.T(), inst.Y) // (c·r)×(m·m)
	T2.Kronecker(LG.T(), Im)         // (m·m)×(m·n)
	M1.Mul(&T1, &T2)                 // (c·r)×(m·n), columns indexed by vec(Gᵀ)
	T3.Kronecker(inst.B.T(), &YGtL)  // (c·r)×(n·m), columns indexed by vec(G)
	// vec(f), column-major.
	vf := make([]float64, r*c)
	for q := range c {
		for p := range r {
			vf[p+q*r] = f.At(p, q)
		}
	}
	out := make([]float64, len(g))
	for k := range g {
		a, b := inst.I[k], inst.J[k]
		colG, colGt := a+b*n, b+a*m
		var s float64
		for i, v := range vf {
			s += -(M1.At(i, colGt) + T3.At(i, colG)) * v
		}
		out[k] = 2 * s
	}
	return out
}

// runKronecker compares Gradient with the dense Kronecker formula.
func runKronecker(ctx context.Context, o *options, rep *report) error {
	cases := []kronCase{{40, 5, 16}, {80, 10, 16}}
	if !o.quick {
		cases = append(cases, kronCase{160, 20, 16}, kronCase{240, 30, 16})
	}
	t := rep.newTable("Baseline: gradient against the dense Kronecker formula",
		"n / m / r / c", "dense J (r·c × n·m)", "Gradient", "Kronecker formula", "speed-up", "max rel. difference")
	for _, kc := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		inst := testprob.Coarsening(kc.n, kc.m, kc.c, false, o.seed)
		pat, err := sparsels.NewPattern(kc.n, kc.m, inst.I, inst.J)
		if err != nil {
			return err
		}
		p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
		if err != nil {
			return err
		}
		g := inst.G
		grad := make([]float64, len(g))
		so := measure(func() { p.Gradient(grad, g) }, o.reps, o.minRep)
		var kg []float64
		sk := measure(func() { kg = kroneckerGradient(inst, kc.n, kc.m, g) }, min(o.reps, 3), 0)
		diff := maxAbsDiff(grad, kg)
		_, _, r, c := p.Dims()
		t.add(fmt.Sprintf("%d / %d / %d / %d", kc.n, kc.m, r, c), fmt.Sprintf("%d × %d", r*c, kc.n*kc.m),
			runstats.Duration(so.time), runstats.Duration(sk.time), fmtRatio(sk.time.Seconds()/so.time.Seconds()), fmt.Sprintf("%.1e", diff))
		o.logf("kron n %d: Gradient %v, Kronecker %v", kc.n, so.time, sk.time)
	}
	t.note("The Kronecker formula forms (Bᵀ⊗Y), ((LG)ᵀ⊗I) and (Bᵀ⊗YGᵀL) densely with gonum's Dense.Kronecker, multiplies the first two, applies the commutation matrix K by indexing, and evaluates 2Jᵀvec(f) on the pattern's columns; its time includes the dense residual. The difference column checks that both give the same gradient.")
	return nil
}

// runCeiling measures the practical ceilings (gonum Dgemm, memory copy) and
// the gather kernel's achieved rates at the largest size of the series.
func runCeiling(ctx context.Context, o *options, rep *report) error {
	t := rep.newTable("Ceilings: achieved rates against Dgemm and a memory copy",
		"operation", "goroutines", "time", "GFLOP/s", "GB/s")
	// Dgemm 1000³.
	nd := 1000
	if o.quick {
		nd = 500
	}
	rng := rand.New(rand.NewPCG(9, 9))
	ga := blas64.General{Rows: nd, Cols: nd, Stride: nd, Data: randDense(rng, nd, nd).RawMatrix().Data}
	gb := blas64.General{Rows: nd, Cols: nd, Stride: nd, Data: randDense(rng, nd, nd).RawMatrix().Data}
	gc := blas64.General{Rows: nd, Cols: nd, Stride: nd, Data: make([]float64, nd*nd)}
	gemm := func() { blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc) }
	procs := runtime.GOMAXPROCS(0)
	var gemmBest float64
	for _, np := range []int{1, procs} {
		runtime.GOMAXPROCS(np)
		s := measure(gemm, o.reps, o.minRep)
		runtime.GOMAXPROCS(procs)
		gf := 2 * float64(nd) * float64(nd) * float64(nd) / s.time.Seconds() / 1e9
		if np == 1 {
			gemmBest = gf
		}
		t.add(fmt.Sprintf("gonum blas64.Gemm %d³", nd), fmt.Sprint(np), runstats.Duration(s.time), fmt.Sprintf("%.2f", gf), "")
		if np == procs && procs == 1 {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Memory copy of 256 MiB.
	words := 32 << 20
	if o.quick {
		words = 8 << 20
	}
	src := make([]float64, words)
	dst := make([]float64, words)
	for i := range src {
		src[i] = float64(i)
	}
	var copyBW float64
	for _, np := range []int{1, 2} {
		fn := func() { copy(dst, src) }
		if np == 2 {
			fn = func() {
				var wg sync.WaitGroup
				h := words / 2
				wg.Go(func() { copy(dst[:h], src[:h]) })
				copy(dst[h:], src[h:])
				wg.Wait()
			}
		}
		s := measure(fn, o.reps, o.minRep)
		bw := 2 * 8 * float64(words) / s.time.Seconds() / 1e9
		if np == 1 {
			copyBW = bw
		}
		t.add(fmt.Sprintf("copy of a %d MiB []float64 (read + write)", words*8>>20), fmt.Sprint(np), runstats.Duration(s.time), "", fmt.Sprintf("%.2f", bw))
	}
	src, dst = nil, nil
	runtime.GC()
	// The gather kernel at the largest size.
	size := o.sizes[len(o.sizes)-1]
	sp, err := getSeries(size, o.seed)
	if err != nil {
		return err
	}
	L := sp.inst.L.(*sparse.CSR)
	x := randDense(rng, sp.n, seriesC)
	out := mat.NewDense(sp.n, seriesC, nil)
	s := measure(func() { sparsels.MulSparseDense(out, L, x) }, o.reps, o.minRep)
	flops := 2 * float64(sp.nnzL) * seriesC
	bytes := 8*2*float64(sp.n)*seriesC + 16*float64(sp.nnzL) + 8*float64(sp.n+1)
	gf, bw := flops/s.time.Seconds()/1e9, bytes/s.time.Seconds()/1e9
	t.add(fmt.Sprintf("MulSparseDense L·X, n = %s, nnz(L) = %s, c = %d", fmtCount(sp.n), fmtCount(sp.nnzL), seriesC), "1", runstats.Duration(s.time), fmt.Sprintf("%.2f", gf), fmt.Sprintf("%.2f", bw))
	// The library's Residual at the same size, on all goroutines.
	res := mat.NewDense(sp.r, sp.c, nil)
	sr := measure(func() { sp.p.Residual(res, sp.inst.G) }, o.reps, o.minRep)
	nnz := float64(sp.nnz())
	rflops := 2*seriesC*(2*nnz+float64(sp.nnzL)) + 3*float64(sp.r*sp.c)
	rbytes := 8*seriesC*(float64(sp.m)+3*float64(sp.n)+3*float64(sp.m)) + 16*(2*nnz+float64(sp.nnzL))
	t.add(fmt.Sprintf("Residual (G·B, L·(GB), Gᵀ·(LGB), X − Y·), nnz(G) = %s", fmtCount(sp.nnz())), fmt.Sprint(procs), runstats.Duration(sr.time),
		fmt.Sprintf("%.2f", rflops/sr.time.Seconds()/1e9), fmt.Sprintf("%.2f", rbytes/sr.time.Seconds()/1e9))
	t.note("Flops count a multiply-add as 2. Bytes are the compulsory traffic: every dense row read once and written once, 16 bytes per sparse entry (value and index) and 8 per row pointer; a copy moves 2 × 8 bytes per element. " +
		"The Residual row counts G·B (reads B, writes n×c), L·(GB) (reads and writes n×c), Gᵀ·(LGB) (reads n×c, writes m×c) and the m×c residual.")
	ratio := copyBW / bw
	rep.target("Gather kernel within 3x of the memory-bandwidth ceiling: %s; MulSparseDense moves %.2f GB/s against %.2f GB/s for a one-goroutine copy: within %.2fx of the bandwidth ceiling (%.2g GFLOP/s, %.1f%% of a one-goroutine Dgemm's %.2f).",
		yesNo(ratio <= 3), bw, copyBW, ratio, gf, 100*gf/gemmBest, gemmBest)
	return nil
}

// runThreads compares WithThreads(k) for the counts of -threads on the two
// largest sizes of the series.
func runThreads(ctx context.Context, o *options, rep *report) error {
	if len(o.threads) < 2 {
		return fmt.Errorf("-threads needs two counts, have %v", o.threads)
	}
	sizes := o.sizes
	if len(sizes) > 2 {
		sizes = sizes[len(sizes)-2:]
	}
	t1, t2 := o.threads[0], o.threads[len(o.threads)-1]
	header := []string{"operation"}
	for _, s := range sizes {
		header = append(header, fmt.Sprintf("nnz %s: %d goroutine", fmtCount(s), t1), fmt.Sprintf("%d goroutines", t2), "speed-up")
	}
	t := rep.newTable(fmt.Sprintf("Goroutines: WithThreads(%d) against WithThreads(%d)", t1, t2), header...)
	type cell struct{ a, b time.Duration }
	var names []string
	var cells [][]cell
	budget := 30 * time.Second
	if o.quick {
		budget = 3 * time.Second
	}
	for si, size := range sizes {
		sp, err := getSeries(size, o.seed)
		if err != nil {
			return err
		}
		pa, pb := sp.p.WithThreads(t1), sp.p.WithThreads(t2)
		opsA, opsB := evalOps(sp, pa), evalOps(sp, pb)
		for k := range opsA {
			if err := ctx.Err(); err != nil {
				return err
			}
			sa := measure(opsA[k].fn, o.reps, o.minRep)
			sb := measure(opsB[k].fn, o.reps, o.minRep)
			if si == 0 {
				names = append(names, opsA[k].name)
				cells = append(cells, make([]cell, len(sizes)))
			}
			cells[k][si] = cell{sa.time, sb.time}
		}
		for mi, m := range []sparsels.Method{sparsels.LevenbergMarquardt, sparsels.NewtonTrustRegion} {
			sa, err := solveIterations(ctx, sp, pa, m, 1, budget)
			if err != nil {
				return err
			}
			sb, err := solveIterations(ctx, sp, pb, m, 1, budget)
			if err != nil {
				return err
			}
			k := len(opsA) + mi
			if si == 0 {
				names = append(names, m.String()+" iteration")
				cells = append(cells, make([]cell, len(sizes)))
			}
			cells[k][si] = cell{sa.perIter, sb.perIter}
		}
		o.logf("threads nnz %d done", size)
	}
	worst := math.Inf(1)
	for k, name := range names {
		row := []string{name}
		for si := range sizes {
			c := cells[k][si]
			sp := c.a.Seconds() / c.b.Seconds()
			if si == len(sizes)-1 {
				worst = min(worst, sp)
			}
			row = append(row, runstats.Duration(c.a), runstats.Duration(c.b), fmtRatio(sp))
		}
		t.add(row...)
	}
	t.note("The same problems as the scaling series. Solver iterations from one 5-iteration Solve each (LinearCG, rows summing to 1).")
	rep.target("≥ 1.6x from %d to %d goroutines at nnz %s: %s; smallest speed-up over the operations %s.", t1, t2, fmtCount(sizes[len(sizes)-1]), yesNo(worst >= 1.6), fmtRatio(worst))
	return nil
}
