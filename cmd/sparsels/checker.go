package main

import (
	"context"
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
	pt := ck.at(g)
	for _, step := range []func(context.Context) error{
		pt.gradient,
		pt.jacobianColumns, // and GaussNewton diag
		pt.jacobian,
		pt.gaussNewton,
		pt.directions,
		pt.jacobianTimes,
		pt.adjointProducts, // Jᵀ·w and GaussNewton·x
		pt.hessian,
		pt.hessianTimes,
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// checkPoint is the state of the checks at one point g: the differenced
// functions are of t in units of s = ‖g‖∞ (1 if g = 0 or not finite).
type checkPoint struct {
	*checker
	g, buf    []float64
	s         float64
	set       *fd.Settings
	jset      *fd.JacobianSettings
	zeros     []float64 // the origin of the K differenced coordinates
	origin    []float64 // the origin of a single direction
	tmp, f    []float64 // residual scratch and vec(f(g))
	diagJ     []float64 // diag(JᵀJ), the squared column norms of J
	gradA     []float64 // the analytic gradient
	maxCol    float64   // the largest column norm of J
	delta     float64   // the absolute step
	fNorm     float64
	noiseJ    float64 // the rounding error of a differenced entry of J
	noiseGrad float64 // the rounding error of a differenced gradient entry
	sigmaGrad float64 // the Cauchy-Schwarz scale of the gradient's entries

	jfd  *mat.Dense // the differenced columns of J, while a dense row needs them
	x, w []float64  // random directions in g-space and residual space
	op   *sparsels.JacobianOperator
	v    []float64 // the differenced J·x
}

// at returns the state of the checks at g.
func (ck *checker) at(g []float64) *checkPoint {
	pt := &checkPoint{checker: ck, g: g, s: infNorm(g), buf: make([]float64, ck.nnz)}
	if pt.s == 0 || math.IsNaN(pt.s) || math.IsInf(pt.s, 0) {
		pt.s = 1
	}
	pt.set = &fd.Settings{Formula: fd.Central, Step: ck.step}
	pt.jset = &fd.JacobianSettings{Formula: fd.Central, Step: ck.step}
	pt.zeros = make([]float64, len(ck.coords))
	pt.origin = []float64{0}
	pt.tmp = make([]float64, ck.rc)
	pt.f = make([]float64, ck.rc)
	ck.residual(pt.f, g)
	pt.diagJ = ck.p.GaussNewtonDiag(nil, g)
	for _, v := range pt.diagJ {
		pt.maxCol = math.Max(pt.maxCol, math.Sqrt(v))
	}
	// The rounding error of a central difference of F with the absolute
	// step δ is about 2ε|F|/δ; a row whose expected error is not small
	// next to its derivative's scale cannot be checked at this scale (at
	// ‖g‖∞ = 1e-200 the energy varies by 1e-400 over the step).
	pt.delta = pt.s * ck.step
	pt.fNorm = floats.Norm(pt.f, 2)
	pt.noiseJ = 2 * eps * infNorm(pt.f) / pt.delta
	pt.gradA = ck.p.Gradient(nil, g)
	pt.sigmaGrad = 2 * pt.fNorm * pt.maxCol
	pt.noiseGrad = 2 * eps * math.Max(infNorm(pt.gradA), pt.sigmaGrad) / pt.delta
	return pt
}

// eps is the unit roundoff of float64.
const eps = 0x1p-52

// shift returns g + s·Σ t_i e_{S_i} over the differenced coordinates S.
func (pt *checkPoint) shift(t []float64) []float64 {
	copy(pt.buf, pt.g)
	for i, k := range pt.coords {
		pt.buf[k] += pt.s * t[i]
	}
	return pt.buf
}

// along returns g + s·t·x.
func (pt *checkPoint) along(x []float64, t float64) []float64 {
	for k := range pt.buf {
		pt.buf[k] = pt.g[k] + pt.s*t*x[k]
	}
	return pt.buf
}

// gnNoise is the rounding error expected in the differenced JᵀJ and its
// diagonal.
func (pt *checkPoint) gnNoise() float64 {
	return 2*pt.maxCol*pt.noiseJ*math.Sqrt(float64(pt.rc)) + pt.noiseJ*pt.noiseJ*float64(pt.rc)
}

// gradient compares ∂E/∂g with differences of E.
func (pt *checkPoint) gradient(context.Context) error {
	p, K := pt.p, len(pt.coords)
	gf := fd.Gradient(nil, func(t []float64) float64 { return p.Energy(pt.shift(t)) }, pt.zeros, pt.set)
	d := diff{noise: 2 * eps * math.Abs(p.Energy(pt.g)) / pt.delta}
	for i, k := range pt.coords {
		d.add(pt.gradA[k], gf[i]/pt.s)
	}
	pt.rows[rowGradient].record(&d, pt.sigmaGrad, fmt.Sprint(K))
	return nil
}

// jacobianColumns differences the columns of J at the coordinates S,
// compares their squared norms with diag(JᵀJ), and keeps them in jfd when
// a dense row that needs them fits.
func (pt *checkPoint) jacobianColumns(ctx context.Context) error {
	rc, nnz, K := pt.rc, pt.nnz, len(pt.coords)
	jacOK := pt.fits(rowJacobian, "the Jacobian and its differences", [2]int{rc, nnz}, [2]int{rc, K})
	gnOK := pt.fits(rowGN, "the Gauss-Newton matrix and the differenced Jacobian", [2]int{nnz, nnz}, [2]int{rc, K}, [2]int{K, K})
	if jacOK || gnOK {
		pt.jfd = mat.NewDense(rc, K, nil)
	}
	col := mat.NewDense(rc, 1, nil)
	d := diff{noise: pt.gnNoise()}
	for i, k := range pt.coords {
		if err := ctx.Err(); err != nil {
			return err
		}
		fd.Jacobian(col, func(y, t []float64) {
			copy(pt.buf, pt.g)
			pt.buf[k] += pt.s * t[0]
			pt.residual(y, pt.buf)
		}, pt.origin, pt.jset)
		cd := col.RawMatrix().Data
		floats.Scale(1/pt.s, cd)
		d.add(pt.diagJ[k], floats.Dot(cd, cd))
		if pt.jfd != nil {
			pt.jfd.SetCol(i, cd)
		}
	}
	pt.rows[rowGNDiag].record(&d, 0, fmt.Sprint(K))
	return nil
}

// jacobian compares the dense J with the differenced columns, if it fits.
func (pt *checkPoint) jacobian(context.Context) error {
	if pt.rows[rowJacobian].skip != "" {
		return nil
	}
	var Ja mat.Dense
	pt.p.Jacobian(&Ja, pt.g)
	d := diff{noise: pt.noiseJ}
	for q := 0; q < pt.rc; q++ {
		for i, k := range pt.coords {
			d.add(Ja.At(q, k), pt.jfd.At(q, i))
		}
	}
	pt.rows[rowJacobian].record(&d, 0, fmt.Sprintf("%d×%d", pt.rc, len(pt.coords)))
	return nil
}

// gaussNewton compares the dense JᵀJ with the products of the differenced
// columns, if it fits, and then lets the columns go.
func (pt *checkPoint) gaussNewton(context.Context) error {
	defer func() { pt.jfd = nil }() // let the collector reclaim it before the Hessian
	if pt.rows[rowGN].skip != "" {
		return nil
	}
	S, K := pt.coords, len(pt.coords)
	GNa := mat.NewSymDense(pt.nnz, nil)
	pt.p.GaussNewton(GNa, pt.g)
	var GNf mat.SymDense
	GNf.SymOuterK(1, pt.jfd.T())
	d := diff{noise: pt.gnNoise()}
	for i, k := range S {
		for j := i; j < K; j++ {
			d.add(GNa.At(k, S[j]), GNf.At(i, j))
		}
	}
	pt.rows[rowGN].record(&d, 0, fmt.Sprintf("%d×%d", K, K))
	return nil
}

// directions draws the random directions x (‖x‖∞ = 1) in g-space and w in
// residual space, and builds the Jacobian operator at g.
func (pt *checkPoint) directions(context.Context) error {
	pt.x = make([]float64, pt.nnz)
	for k := range pt.x {
		pt.x[k] = pt.rng.NormFloat64()
	}
	if nx := infNorm(pt.x); nx > 0 {
		floats.Scale(1/nx, pt.x)
	}
	pt.w = make([]float64, pt.rc)
	for q := range pt.w {
		pt.w[q] = pt.rng.NormFloat64()
	}
	pt.op = pt.p.JacobianOperator(pt.g)
	return nil
}

// jacobianTimes compares J·x with differences of f along x, and keeps the
// differenced J·x in v.
func (pt *checkPoint) jacobianTimes(context.Context) error {
	jxf := mat.NewDense(pt.rc, 1, nil)
	fd.Jacobian(jxf, func(y, t []float64) { pt.residual(y, pt.along(pt.x, t[0])) }, pt.origin, pt.jset)
	pt.v = jxf.RawMatrix().Data
	floats.Scale(1/pt.s, pt.v)
	jx := make([]float64, pt.rc)
	pt.op.MulVecTo(jx, false, pt.x)
	d := diff{noise: pt.noiseJ}
	for q := range jx {
		d.add(jx[q], pt.v[q])
	}
	pt.rows[rowJx].record(&d, 0, fmt.Sprint(pt.rc))
	return nil
}

// adjointProducts compares Jᵀ·w and JᵀJ·x = Jᵀ(Jx) with the gradients of
// w·f and (Jx)·f.
func (pt *checkPoint) adjointProducts(ctx context.Context) error {
	for _, c := range []struct {
		row      int
		vec      []float64
		vecNoise float64 // the rounding error of vec, in 2-norm
		anal     func(dst []float64)
	}{
		{rowJtw, pt.w, 0, func(dst []float64) { pt.op.MulVecTo(dst, true, pt.w) }},
		// v, the differenced J·x, carries the rounding noiseJ per entry.
		{rowGNx, pt.v, pt.noiseJ * math.Sqrt(float64(pt.rc)), func(dst []float64) { pt.op.GaussNewtonMulVecTo(dst, pt.x) }},
	} {
		if err := ctx.Err(); err != nil {
			return err
		}
		a := make([]float64, pt.nnz)
		c.anal(a)
		fg := fd.Gradient(nil, func(t []float64) float64 {
			pt.residual(pt.tmp, pt.shift(t))
			return floats.Dot(c.vec, pt.tmp)
		}, pt.zeros, pt.set)
		vn := floats.Norm(c.vec, 2)
		d := diff{noise: 2*eps*vn*pt.fNorm/pt.delta + c.vecNoise*(pt.fNorm/pt.delta*2*eps+pt.maxCol)}
		for i, k := range pt.coords {
			d.add(a[k], fg[i]/pt.s)
		}
		pt.rows[c.row].record(&d, vn*pt.maxCol, fmt.Sprint(len(pt.coords)))
	}
	return nil
}

// hessian compares the dense ∇²E with differences of the analytic
// gradient, if it fits.
func (pt *checkPoint) hessian(context.Context) error {
	nnz, K := pt.nnz, len(pt.coords)
	if !pt.fits(rowHessian, "the Hessian and its differences", [2]int{nnz, nnz}, [2]int{nnz, K}) {
		return nil
	}
	Ha := mat.NewSymDense(nnz, nil)
	pt.p.Hessian(Ha, pt.g)
	Hf := mat.NewDense(nnz, K, nil)
	fd.Jacobian(Hf, func(y, t []float64) { pt.p.Gradient(y, pt.shift(t)) }, pt.zeros, pt.jset)
	d := diff{noise: pt.noiseGrad}
	for q := 0; q < nnz; q++ {
		for i, k := range pt.coords {
			d.add(Ha.At(q, k), Hf.At(q, i)/pt.s)
		}
	}
	pt.rows[rowHessian].record(&d, 0, fmt.Sprintf("%d×%d", nnz, K))
	return nil
}

// hessianTimes compares ∇²E·x with differences of the gradient along x.
func (pt *checkPoint) hessianTimes(context.Context) error {
	hx := make([]float64, pt.nnz)
	pt.op.HessianMulVecTo(hx, pt.x)
	hf := mat.NewDense(pt.nnz, 1, nil)
	fd.Jacobian(hf, func(y, t []float64) { pt.p.Gradient(y, pt.along(pt.x, t[0])) }, pt.origin, pt.jset)
	d := diff{noise: pt.noiseGrad}
	for k, hv := range hf.RawMatrix().Data {
		d.add(hx[k], hv/pt.s)
	}
	pt.rows[rowHx].record(&d, 0, fmt.Sprint(pt.nnz))
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
