package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"

	"github.com/sparsels/sparsels/internal/bytesize"
)

var checkCommand = &command{
	name:     "check",
	synopsis: "compare every analytic derivative with central finite differences",
	usage: `sparsels check -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G.mtx [-random N] [-seed S]
               [-tol t] [-coords K] [-step h]`,
	help: `
Check compares the library's derivatives of E(g) = ‖X − Y Gᵀ L G B‖²_F with
central finite differences (gonum.org/v1/gonum/diff/fd) at the values of
G.mtx, or with -random N at N random points on its pattern (values uniform in
±‖g‖∞ of G.mtx), and prints one line per quantity:

	gradient          ∂E/∂g                        vs differences of E
	Jacobian          J = ∂vec(f)/∂g (dense)       vs differences of f
	J·x, Jᵀ·w         the Jacobian operator        vs differences of f, w·f
	GaussNewton       JᵀJ (dense)                  vs products of the differenced J
	GaussNewton diag  diag(JᵀJ)                    vs squared differenced columns
	GaussNewton·x     JᵀJ·x (operator)             vs differences of (Jx)·f
	Hessian           ∇²E (dense)                  vs differences of the gradient
	Hessian·x         ∇²E·x (operator)             vs differences of the gradient

with random directions x and w. The step is h·‖g‖∞ (h when g = 0). At most
K coordinates of g (chosen at random when nnz > K) are differenced; the
products J·x and Hessian·x are compared in full. The relative error of a
quantity is its largest absolute error divided by the largest of the
magnitudes of its analytic and differenced values and, for the gradient, Jᵀ·w
and GaussNewton·x, the Cauchy-Schwarz bound ‖w‖₂·max_k‖J[:,k]‖₂ of their
entries (w = 2f for the gradient), so that cancellation near a minimum is not
reported as an error. A quantity passes when that is at most -tol. Since f is
quadratic in g, the differences of f are exact up to rounding.

At extreme scales finite differences cannot resolve some derivatives: at
‖g‖∞ = 1e-200 the energy varies by about 1e-400 over the step, and at 1e150
it overflows. A quantity whose differenced function overflows, or whose
expected rounding error in the differences (2ε|F|/δ for the step δ) exceeds
a quarter of -tol (and 1e-8) relative to its scale, is reported as not
checkable at this scale instead of failing; the other quantities are still
checked (at 1e-200, the Hessian by differences of the gradient).

A dense quantity whose arrays would not fit in what -max-dense-bytes leaves
beside the problem is skipped, with the size it would need; the others are
still checked. An interrupt (Ctrl-C or SIGTERM) stops the checks between
two quantities, or between two differenced coordinates, and prints no
verdict. Exit status: 0 if every checked quantity passed, 1 if one failed,
if none could be checked, or on bad data, 2 on a bad command line, 3 after
an interrupt.
`,
	flags: checkFlags,
}

func checkFlags(cmd *command, fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) int {
	var (
		files          problemFiles
		points, coords int
		seed           uint64
		tol            = finiteFloat(1e-6)
		step           = finiteFloat(fd.Central.Step)
	)
	files.register(fs, "Matrix Market `file` of G: its entries give the pattern, its values the point (required)")
	fs.IntVar(&points, "random", 0, "check at `N` random points of G's pattern instead of at G's values")
	fs.Uint64Var(&seed, "seed", 1, "`seed` of the random points, directions and coordinates")
	fs.Var(&tol, "tol", "largest relative `error` that passes")
	fs.IntVar(&coords, "coords", 1000, "difference at most `K` coordinates of g")
	fs.Var(&step, "step", "finite-difference `step`, relative to ‖g‖∞")

	return func(ctx context.Context, stdout, stderr io.Writer) int {
		if err := files.check(); err != nil {
			return report(stderr, cmd, err)
		}
		switch {
		case points < 0:
			return usageFail(stderr, cmd, fmt.Errorf("-random %d: want N ≥ 0", points))
		case coords < 1:
			return usageFail(stderr, cmd, fmt.Errorf("-coords %d: want K ≥ 1", coords))
		case tol <= 0:
			return usageFail(stderr, cmd, fmt.Errorf("-tol %v: want a positive tolerance", float64(tol)))
		case step <= 0:
			return usageFail(stderr, cmd, fmt.Errorf("-step %v: want a positive step", float64(step)))
		}
		ld, err := loadProblem(ctx, files, &sparsels.Settings{Linear: sparsels.LinearCG})
		if err != nil {
			return failOrStop(stderr, cmd, err)
		}
		if ld.pat.NNZ() == 0 {
			return fail(stderr, cmd, fmt.Errorf("%s has no entries: there is nothing to check", files.G))
		}
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		ck := newChecker(ld.prob, rng, coords, float64(step), ld.avail())

		where := "at the values of " + files.G
		if points > 0 {
			where = fmt.Sprintf("at %d random points (seed %d)", points, seed)
		}
		fmt.Fprintf(stdout, "problem: %s\n", ld.summary)
		fmt.Fprintf(stdout, "central differences with step %g·‖g‖∞ %s, %d of %d coordinates, tolerance %g\n\n",
			float64(step), where, len(ck.coords), ld.pat.NNZ(), float64(tol))
		stopped := func() int {
			fmt.Fprintf(stderr, "sparsels check: interrupted: the checks were not completed; nothing was written\n")
			return exitStopped
		}
		if points == 0 {
			if ck.point(ctx, ld.g) != nil {
				return stopped()
			}
		} else {
			scale := infNorm(ld.g)
			if scale == 0 || math.IsNaN(scale) {
				scale = 1
			}
			g := make([]float64, len(ld.g))
			for range points {
				for k := range g {
					g[k] = scale * (2*rng.Float64() - 1)
				}
				if ck.point(ctx, g) != nil {
					return stopped()
				}
			}
		}
		failed := ck.print(stdout, float64(tol))
		if failed {
			return exitError
		}
		return exitOK
	}
}

// checkRow is one line of the table: the worst errors over all points.
type checkRow struct {
	name     string
	compared string // what was compared, such as "24×90"
	abs, rel float64
	checked  bool
	skip     string // why the row was not checked

	// The differences cannot resolve the derivative at this scale: they
	// overflow, or their rounding error relative to the derivative's scale
	// is noise.
	overflow bool
	noise    float64
}

// diff accumulates the comparison of analytic values a with finite
// differences b.
type diff struct {
	maxAbs, normA, normB float64
	bad                  bool    // a non-finite analytic value where the difference is finite
	overflow             bool    // a non-finite difference: the differenced function overflows
	noise                float64 // the rounding error expected in the differences
}

func (d *diff) add(a, b float64) {
	switch finA, finB := !math.IsNaN(a) && !math.IsInf(a, 0), !math.IsNaN(b) && !math.IsInf(b, 0); {
	case !finB:
		d.overflow = true
		return
	case !finA:
		d.bad = true
		return
	}
	d.maxAbs = math.Max(d.maxAbs, math.Abs(a-b))
	d.normA = math.Max(d.normA, math.Abs(a))
	d.normB = math.Max(d.normB, math.Abs(b))
}

// record merges d into the row; sigma is an extra scale for the relative
// error.
func (row *checkRow) record(d *diff, sigma float64, compared string) {
	rel := 0.0
	abs := d.maxAbs
	den := math.Max(math.Max(d.normA, d.normB), sigma)
	switch {
	case d.bad:
		abs, rel = math.NaN(), math.NaN()
	case abs == 0:
	case den == 0:
		rel = math.Inf(1)
	default:
		rel = abs / den
	}
	if !row.checked || math.IsNaN(abs) || abs > row.abs {
		row.abs = abs
	}
	if !row.checked || math.IsNaN(rel) || rel > row.rel {
		row.rel = rel
	}
	if math.IsNaN(row.abs) {
		row.abs, row.rel = math.NaN(), math.NaN()
	}
	row.overflow = row.overflow || d.overflow
	if noise := d.noise / den; den > 0 && noise > row.noise || den == 0 && d.noise > 0 {
		row.noise = math.Max(noise, row.noise)
		if den == 0 {
			row.noise = math.Inf(1)
		}
	}
	row.checked = true
	row.compared = compared
}

// Rows of the table.
const (
	rowGradient = iota
	rowJacobian
	rowJx
	rowJtw
	rowGN
	rowGNDiag
	rowGNx
	rowHessian
	rowHx
	numRows
)

// checker compares the derivatives of a problem with finite differences.
type checker struct {
	p      *sparsels.Problem
	rng    *rand.Rand
	coords []int // the differenced coordinates, ascending
	step   float64
	limit  int64
	rows   [numRows]checkRow

	nnz, r, c, rc int
	f             mat.Dense // residual scratch
}

func newChecker(p *sparsels.Problem, rng *rand.Rand, maxCoords int, step float64, limit int64) *checker {
	_, _, r, c := p.Dims()
	nnz := p.Pattern().NNZ()
	ck := &checker{p: p, rng: rng, step: step, limit: limit, nnz: nnz, r: r, c: c, rc: r * c}
	if nnz <= maxCoords {
		ck.coords = make([]int, nnz)
		for k := range ck.coords {
			ck.coords[k] = k
		}
	} else {
		ck.coords = rng.Perm(nnz)[:maxCoords]
		sort.Ints(ck.coords)
	}
	for i, name := range [numRows]string{"gradient", "Jacobian", "J·x", "Jᵀ·w", "GaussNewton",
		"GaussNewton diag", "GaussNewton·x", "Hessian", "Hessian·x"} {
		ck.rows[i].name = name
	}
	return ck
}

// fits reports whether dense arrays of the given numbers of values fit in
// the limit; if not it marks row as skipped with the size.
func (ck *checker) fits(row int, what string, sizes ...[2]int) bool {
	var need float64
	for _, s := range sizes {
		need += 8 * float64(s[0]) * float64(s[1])
	}
	if need <= float64(ck.limit) {
		return true
	}
	ck.rows[row].skip = fmt.Sprintf("skipped: %s needs %.0f bytes (%s), over the %d bytes that -max-dense-bytes leaves beside the problem",
		what, need, bytesize.Format(need), ck.limit)
	return false
}

// residual stores vec(f(g)), column-major, into dst.
func (ck *checker) residual(dst, g []float64) {
	ck.p.Residual(&ck.f, g)
	raw := ck.f.RawMatrix()
	for i := 0; i < ck.r; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+ck.c] {
			dst[i+j*ck.r] = v
		}
	}
}

// point checks every quantity at g. It returns ctx.Err() as soon as it
// sees ctx done: between the quantities and between the differenced
// coordinates.
func (ck *checker) point(ctx context.Context, g []float64) error {
	p, nnz, rc := ck.p, ck.nnz, ck.rc
	S, K := ck.coords, len(ck.coords)
	s := infNorm(g)
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		s = 1
	}
	// Functions of t in units of s: g + s·Σ t_i e_{S_i}, and g + s·t·x.
	buf := make([]float64, nnz)
	shift := func(t []float64) []float64 {
		copy(buf, g)
		for i, k := range S {
			buf[k] += s * t[i]
		}
		return buf
	}
	along := func(x []float64, t float64) []float64 {
		for k := range buf {
			buf[k] = g[k] + s*t*x[k]
		}
		return buf
	}
	set := &fd.Settings{Formula: fd.Central, Step: ck.step}
	jset := &fd.JacobianSettings{Formula: fd.Central, Step: ck.step}
	zeros := make([]float64, K)
	origin := []float64{0}
	tmp := make([]float64, rc)
	f := make([]float64, rc)
	ck.residual(f, g)
	diagJ := p.GaussNewtonDiag(nil, g)
	var maxCol float64
	for _, v := range diagJ {
		maxCol = math.Max(maxCol, math.Sqrt(v))
	}
	// The rounding error of a central difference of F with the absolute
	// step δ is about 2ε|F|/δ; a row whose expected error is not small
	// next to its derivative's scale cannot be checked at this scale (at
	// ‖g‖∞ = 1e-200 the energy varies by 1e-400 over the step).
	const eps = 0x1p-52
	delta := s * ck.step
	fNorm := floats.Norm(f, 2)
	noiseJ := 2 * eps * infNorm(f) / delta
	gradA := p.Gradient(nil, g)
	sigmaGrad := 2 * fNorm * maxCol
	noiseGrad := 2 * eps * math.Max(infNorm(gradA), sigmaGrad) / delta

	if err := ctx.Err(); err != nil {
		return err
	}
	// Gradient.
	{
		ga := gradA
		gf := fd.Gradient(nil, func(t []float64) float64 { return p.Energy(shift(t)) }, zeros, set)
		d := diff{noise: 2 * eps * math.Abs(p.Energy(g)) / delta}
		for i, k := range S {
			d.add(ga[k], gf[i]/s)
		}
		ck.rows[rowGradient].record(&d, sigmaGrad, fmt.Sprint(K))
	}

	if err := ctx.Err(); err != nil {
		return err
	}
	// Differenced Jacobian columns, kept when a dense row needs them.
	jacOK := ck.fits(rowJacobian, "the Jacobian and its differences", [2]int{rc, nnz}, [2]int{rc, K})
	gnOK := ck.fits(rowGN, "the Gauss-Newton matrix and the differenced Jacobian", [2]int{nnz, nnz}, [2]int{rc, K}, [2]int{K, K})
	var Jfd *mat.Dense
	if jacOK || gnOK {
		Jfd = mat.NewDense(rc, K, nil)
	}
	{
		col := mat.NewDense(rc, 1, nil)
		d := diff{noise: 2*maxCol*noiseJ*math.Sqrt(float64(rc)) + noiseJ*noiseJ*float64(rc)}
		for i, k := range S {
			if err := ctx.Err(); err != nil {
				return err
			}
			fd.Jacobian(col, func(y, t []float64) {
				copy(buf, g)
				buf[k] += s * t[0]
				ck.residual(y, buf)
			}, origin, jset)
			cd := col.RawMatrix().Data
			floats.Scale(1/s, cd)
			d.add(diagJ[k], floats.Dot(cd, cd))
			if Jfd != nil {
				Jfd.SetCol(i, cd)
			}
		}
		ck.rows[rowGNDiag].record(&d, 0, fmt.Sprint(K))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if jacOK {
		var Ja mat.Dense
		p.Jacobian(&Ja, g)
		d := diff{noise: noiseJ}
		for q := 0; q < rc; q++ {
			for i, k := range S {
				d.add(Ja.At(q, k), Jfd.At(q, i))
			}
		}
		ck.rows[rowJacobian].record(&d, 0, fmt.Sprintf("%d×%d", rc, K))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if gnOK {
		GNa := mat.NewSymDense(nnz, nil)
		p.GaussNewton(GNa, g)
		var GNf mat.SymDense
		GNf.SymOuterK(1, Jfd.T())
		d := diff{noise: 2*maxCol*noiseJ*math.Sqrt(float64(rc)) + noiseJ*noiseJ*float64(rc)}
		for i, k := range S {
			for j := i; j < K; j++ {
				d.add(GNa.At(k, S[j]), GNf.At(i, j))
			}
		}
		ck.rows[rowGN].record(&d, 0, fmt.Sprintf("%d×%d", K, K))
	}
	Jfd = nil // let the collector reclaim it before the Hessian

	if err := ctx.Err(); err != nil {
		return err
	}
	// Random directions x (‖x‖∞ = 1) in g-space and w in residual space.
	x := make([]float64, nnz)
	for k := range x {
		x[k] = ck.rng.NormFloat64()
	}
	if nx := infNorm(x); nx > 0 {
		floats.Scale(1/nx, x)
	}
	w := make([]float64, rc)
	for q := range w {
		w[q] = ck.rng.NormFloat64()
	}
	op := p.JacobianOperator(g)

	if err := ctx.Err(); err != nil {
		return err
	}
	// J·x.
	jxf := mat.NewDense(rc, 1, nil)
	fd.Jacobian(jxf, func(y, t []float64) { ck.residual(y, along(x, t[0])) }, origin, jset)
	v := jxf.RawMatrix().Data
	floats.Scale(1/s, v)
	{
		jx := make([]float64, rc)
		op.MulVecTo(jx, false, x)
		d := diff{noise: noiseJ}
		for q := range jx {
			d.add(jx[q], v[q])
		}
		ck.rows[rowJx].record(&d, 0, fmt.Sprint(rc))
	}

	if err := ctx.Err(); err != nil {
		return err
	}
	// Jᵀ·w and JᵀJ·x = Jᵀ(Jx) from the gradients of w·f and (Jx)·f.
	for _, c := range []struct {
		row      int
		vec      []float64
		vecNoise float64 // the rounding error of vec, in 2-norm
		anal     func(dst []float64)
	}{
		{rowJtw, w, 0, func(dst []float64) { op.MulVecTo(dst, true, w) }},
		// v, the differenced J·x, carries the rounding noiseJ per entry.
		{rowGNx, v, noiseJ * math.Sqrt(float64(rc)), func(dst []float64) { op.GaussNewtonMulVecTo(dst, x) }},
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		a := make([]float64, nnz)
		c.anal(a)
		fg := fd.Gradient(nil, func(t []float64) float64 {
			ck.residual(tmp, shift(t))
			return floats.Dot(c.vec, tmp)
		}, zeros, set)
		d := diff{noise: 2*eps*floats.Norm(c.vec, 2)*fNorm/delta + c.vecNoise*(fNorm/delta*2*eps+maxCol)}
		for i, k := range S {
			d.add(a[k], fg[i]/s)
		}
		ck.rows[c.row].record(&d, floats.Norm(c.vec, 2)*maxCol, fmt.Sprint(K))
	}

	if err := ctx.Err(); err != nil {
		return err
	}
	// Hessian, by differences of the analytic gradient.
	if ck.fits(rowHessian, "the Hessian and its differences", [2]int{nnz, nnz}, [2]int{nnz, K}) {
		Ha := mat.NewSymDense(nnz, nil)
		p.Hessian(Ha, g)
		Hf := mat.NewDense(nnz, K, nil)
		fd.Jacobian(Hf, func(y, t []float64) { p.Gradient(y, shift(t)) }, zeros, jset)
		d := diff{noise: noiseGrad}
		for q := 0; q < nnz; q++ {
			for i, k := range S {
				d.add(Ha.At(q, k), Hf.At(q, i)/s)
			}
		}
		ck.rows[rowHessian].record(&d, 0, fmt.Sprintf("%d×%d", nnz, K))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	{
		hx := make([]float64, nnz)
		op.HessianMulVecTo(hx, x)
		hf := mat.NewDense(nnz, 1, nil)
		fd.Jacobian(hf, func(y, t []float64) { p.Gradient(y, along(x, t[0])) }, origin, jset)
		d := diff{noise: noiseGrad}
		for k, hv := range hf.RawMatrix().Data {
			d.add(hx[k], hv/s)
		}
		ck.rows[rowHx].record(&d, 0, fmt.Sprint(nnz))
	}
	return nil
}

// print writes the table and reports whether a checked row failed.
func (ck *checker) print(w io.Writer, tol float64) (failed bool) {
	fmt.Fprintf(w, "%-17s  %-10s  %12s  %12s  %s\n", "quantity", "compared", "max abs err", "max rel err", "result")
	var nOK, nFail, nSkip, nScale int
	for _, row := range ck.rows {
		if !row.checked {
			nSkip++
			fmt.Fprintf(w, "%-17s  %-10s  %12s  %12s  %s\n", row.name, "-", "-", "-", row.skip)
			continue
		}
		res := "OK"
		switch {
		case row.overflow && !math.IsNaN(row.rel):
			// The analytic values are finite: the differenced function
			// overflows at this scale.
			nScale++
			fmt.Fprintf(w, "%-17s  %-10s  %12s  %12s  %s\n", row.name, row.compared, "-", "-",
				"not checkable at this scale: the differenced function overflows")
			continue
		case row.noise > math.Max(tol/4, 1e-8) && !math.IsNaN(row.rel):
			// The comparison means nothing, whether it passes or not.
			// Below 1e-8 the tolerance, not the scale, is what fails.
			nScale++
			fmt.Fprintf(w, "%-17s  %-10s  %12.3e  %12.3e  %s\n", row.name, row.compared, row.abs, row.rel,
				fmt.Sprintf("not checkable at this scale: rounding in the differences is %.1g of the derivative's scale", row.noise))
			continue
		case row.rel <= tol:
			nOK++
		default:
			res = "FAIL"
			nFail++
		}
		fmt.Fprintf(w, "%-17s  %-10s  %12.3e  %12.3e  %s\n", row.name, row.compared, row.abs, row.rel, res)
	}
	fmt.Fprintln(w)
	switch {
	case nFail > 0:
		fmt.Fprintf(w, "FAIL: %d of %d checked quantities exceed the tolerance %g", nFail, nOK+nFail, tol)
	case nOK == 0:
		fmt.Fprintf(w, "REFUSED: no quantity can be checked by finite differences at this scale")
	default:
		fmt.Fprintf(w, "OK: all %d checked quantities are within the tolerance %g", nOK, tol)
	}
	if nScale > 0 {
		fmt.Fprintf(w, " (%d not checkable at this scale)", nScale)
	}
	if nSkip > 0 {
		fmt.Fprintf(w, " (%d skipped as too large)", nSkip)
	}
	fmt.Fprintln(w)
	return nFail > 0 || nOK == 0
}
