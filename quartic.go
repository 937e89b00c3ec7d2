package sparsels

import "math"

// Since f is quadratic in g, the energy along a line is a quartic polynomial:
//
//	f(g + t·d) = f + t·a + t²·b,  a = J(g)·d,  b = −vec(Y dᵀL d B),
//	E(t) = c0 + c1 t + c2 t² + c3 t³ + c4 t⁴,
//	c1 = 2⟨f, a⟩ = ∇Eᵀd,  c2 = ‖a‖² + 2⟨f, b⟩ = ½ dᵀ∇²E d,  c3 = 2⟨a, b⟩,  c4 = ‖b‖².
//
// The methods use it to minimize E exactly along a direction: no trust
// region or line-search model is needed, negative curvature included.

// quartic holds the coefficients of E(t) = Σ c[i]·tⁱ.
type quartic [5]float64

// at returns E(t).
func (q *quartic) at(t float64) float64 {
	return (((q[4]*t+q[3])*t+q[2])*t+q[1])*t + q[0]
}

// slope returns E'(t).
func (q *quartic) slope(t float64) float64 {
	return ((4*q[4]*t+3*q[3])*t+2*q[2])*t + q[1]
}

// argmin returns the global minimizer of E over t ≥ 0 and E there. With
// c4 = c3 = 0 and c2 ≤ 0 (E unbounded below or flat along the direction)
// it returns t = +Inf when c1 < 0 and 0 otherwise.
func (q *quartic) argmin() (t, e float64) {
	t, e = 0, q[0]
	for _, r := range q.stationary() {
		if r > 0 {
			if v := q.at(r); v < e {
				t, e = r, v
			}
		}
	}
	if q[4] == 0 && q[3] == 0 && q[2] <= 0 && q[1] < 0 {
		return math.Inf(1), math.Inf(-1)
	}
	return t, e
}

// stationary returns the real roots of E'(t) = 4c4 t³ + 3c3 t² + 2c2 t + c1,
// each polished by Newton steps.
func (q *quartic) stationary() []float64 {
	a, b, c, d := 4*q[4], 3*q[3], 2*q[2], q[1]
	var roots []float64
	switch {
	case a != 0 && !(math.Abs(a) < 1e-14*(math.Abs(b)+math.Abs(c)*1e-300)):
		roots = cubicRoots(b/a, c/a, d/a)
	case b != 0:
		disc := c*c - 4*b*d
		if disc >= 0 {
			s := math.Sqrt(disc)
			// Stable quadratic formula.
			qq := -0.5 * (c + math.Copysign(s, c))
			if qq != 0 {
				roots = append(roots, qq/b, d/qq)
			} else {
				roots = append(roots, 0)
			}
		}
	case c != 0:
		roots = append(roots, -d/c)
	}
	for i, r := range roots {
		roots[i] = q.polish(r)
	}
	return roots
}

// polish refines a root of E' by Newton's method, keeping the better point.
func (q *quartic) polish(r float64) float64 {
	for it := 0; it < 4; it++ {
		s := q.slope(r)
		h := (12*q[4]*r+6*q[3])*r + 2*q[2]
		if h == 0 || s == 0 {
			break
		}
		n := r - s/h
		if !(math.Abs(q.slope(n)) < math.Abs(s)) {
			break
		}
		r = n
	}
	return r
}

// cubicRoots returns the real roots of t³ + a t² + b t + c.
func cubicRoots(a, b, c float64) []float64 {
	// Depressed cubic t = x − a/3: x³ + p x + q.
	a3 := a / 3
	p := b - a*a3
	qv := 2*a3*a3*a3 - a3*b + c
	disc := (qv/2)*(qv/2) + (p/3)*(p/3)*(p/3)
	switch {
	case disc > 0:
		s := math.Sqrt(disc)
		u := math.Cbrt(-qv/2 + s)
		v := math.Cbrt(-qv/2 - s)
		return []float64{u + v - a3}
	case p == 0:
		return []float64{math.Cbrt(-qv) - a3}
	default:
		// Three real roots (trigonometric form).
		r := math.Sqrt(-p / 3)
		cosv := math.Max(-1, math.Min(1, -qv/(2*r*r*r)))
		phi := math.Acos(cosv) / 3
		return []float64{
			2*r*math.Cos(phi) - a3,
			2*r*math.Cos(phi-2*math.Pi/3) - a3,
			2*r*math.Cos(phi-4*math.Pi/3) - a3,
		}
	}
}

// lineProbe computes the quartic E(g + t·d) − E(g) at a JacobianOperator's
// point g for a full-space direction d: the coefficients c2, c3 and c4 from
// a = J·d, b = −vec(Y dᵀL d B) and the residual f at g (c0 and c1, the
// energy and ∇Eᵀd, the caller knows). It costs a J·x product and a
// residual evaluation.
type lineProbe struct {
	p *Problem
	a []float64 // J·d, column-major r·c
	b []float64 // X − Y dᵀL d B, row-major r·c
	// gnCurv and soCurv are ‖J·d‖²/ω² and 2⟨f, Q(d, d)⟩/ω² of the last
	// call of along: the Gauss-Newton and the second-order parts of its
	// quartic's c2.
	gnCurv, soCurv float64
}

// along returns the quartic of E(g + t·d) at op's point, divided by ω², a
// power of two near max|f|² that keeps every coefficient finite at any
// representable scale, and ω². Its c0 and c1 are E/ω² and 2⟨f, J·d⟩/ω².
func (lp *lineProbe) along(op *JacobianOperator, d []float64) (q quartic, omega2 float64) {
	p := lp.p
	r, c := p.r, p.c
	if r == 0 || c == 0 {
		return quartic{}, 1
	}
	if lp.a == nil {
		lp.a, lp.b = make([]float64, r*c), make([]float64, r*c)
	}
	op.MulVecTo(lp.a, false, d)
	dd := p.getDispatch()
	op.needDirect(dd)
	p.putDispatch(dd)
	f := op.ws.f
	// The n×c blocks of the residual evaluation are borrowed from the
	// Problem's pool for this call; the probe keeps only its r×c result.
	ws := p.getWorkspace()
	p.forward(ws, d)
	copy(lp.b, ws.f)
	p.putWorkspace(ws)
	bv := lp.b
	var big float64
	for i, v := range f {
		big = math.Max(big, math.Max(math.Abs(v), math.Abs(lp.a[i])))
	}
	_, ex := math.Frexp(big)
	if big == 0 || math.IsInf(big, 0) || math.IsNaN(big) {
		ex = 0
	}
	w := math.Ldexp(1, -ex)
	var ff, fa, aa, fb, ab, bb float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			av := w * lp.a[j*r+i]
			fv := w * f[i*c+j]
			b := w*bv[i*c+j] - w*p.x[i*c+j]
			ff += fv * fv
			fa += fv * av
			aa += av * av
			fb += fv * b
			ab += av * b
			bb += b * b
		}
	}
	lp.gnCurv, lp.soCurv = aa, 2*fb
	return quartic{ff, 2 * fa, aa + 2*fb, 2 * ab, bb}, math.Ldexp(1, 2*ex)
}

// residualStep adds t·a + t²·b to the residual f (row-major), the residual
// at g + t·d after a call of along for d.
func (lp *lineProbe) residualStep(f []float64, t float64) {
	p := lp.p
	r, c := p.r, p.c
	bv := lp.b
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			f[i*c+j] += t*lp.a[j*r+i] + t*t*(bv[i*c+j]-p.x[i*c+j])
		}
	}
}
