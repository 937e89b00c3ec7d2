package sparsels

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/sparsemat"
	"github.com/sparsels/sparsels/internal/vec"
)

// Constraints are row-wise linear equality constraints G·C = D on the values
// of G, with C m×s and D n×s. Row a of G meets its own s equations
//
//	Σ_b G[a,b]·C[b,:] = D[a,:]
//
// over the columns b of its pattern, so the constraint set is a product of
// small per-row affine sets and projecting onto it is block-diagonal.
// Examples are the partition of unity G·1 = 1 of spectral coarsening
// (RowSumConstraints) and the near-null-space condition P·B_c = B_f of
// algebraic multigrid.
//
// For each row the constraints keep an orthonormal basis Z_a of the null
// space of C_aᵀ (C_a the rows of C at the row's pattern columns). Solvers move
// in the coordinates ξ of the block-diagonal basis Z: g = g_feasible + Zξ.
// A Constraints value is immutable and safe for concurrent use.
type Constraints struct {
	pat *Pattern
	s   int
	c   []float64 // m×s, row-major
	d   []float64 // n×s, row-major

	// Row a: u holds the p_a×p_a orthogonal matrix [range | null] at
	// uOff[a], rank[a] its range dimension, and pinv the rank[a]×s matrix
	// Σ⁻¹Vᵀ at pOff[a], so that (C_aᵀ)⁺ = U_r·pinv.
	u, pinv    []float64
	uOff, pOff []int
	rank       []int
	nullOff    []int // start of row a's coordinates in ξ; nullOff[n] = Dim()

	// With one equation per row (s = 1) a row of rank 1 keeps U as the
	// Householder reflection I − wwᵀ that maps C_a to a multiple of e₁;
	// hh holds w at the row's positions in the row-major layout of the
	// pattern, so that Zξ and Zᵀv cost O(p_a) rather than O(p_a²).
	hh []float64
}

// unconstrained returns the trivial constraints of p: every value is free
// and Z is the identity, grouped by rows.
func unconstrained(p *Pattern) *Constraints {
	cs, err := newConstraints(p, nil, nil, 0)
	if err != nil {
		panic(err)
	}
	return cs
}

// RowSumConstraints returns the constraints that every row of G sums to 1,
// G·1 = 1. A row with no pattern entries makes the constraints infeasible,
// and the error names it.
func RowSumConstraints(p *Pattern) (*Constraints, error) {
	if p == nil {
		return nil, fmt.Errorf("sparsels: RowSumConstraints: nil pattern")
	}
	n, m := p.Dims()
	c := make([]float64, m)
	d := make([]float64, n)
	for b := range c {
		c[b] = 1
	}
	for a := range d {
		d[a] = 1
	}
	return newConstraints(p, c, d, 1)
}

// NewConstraints returns the constraints G·C = D for G on the pattern p, with
// C m×s and D n×s. It returns an error if an argument is nil, if the shapes
// do not match p, if an entry is not finite, or if some row's pattern cannot
// satisfy its equations (D[a,:] is not in the span of the rows of C at the
// row's columns); the error names the row.
func NewConstraints(p *Pattern, C, D mat.Matrix) (*Constraints, error) {
	// A nil argument would otherwise be dereferenced below and panic with an
	// anonymous nil-pointer error from an error-returning constructor.
	switch {
	case p == nil:
		return nil, fmt.Errorf("sparsels: NewConstraints: nil pattern")
	case C == nil:
		return nil, fmt.Errorf("sparsels: NewConstraints: constraint matrix C is nil")
	case D == nil:
		return nil, fmt.Errorf("sparsels: NewConstraints: constraint matrix D is nil")
	}
	n, m := p.Dims()
	cr, cs := C.Dims()
	dr, ds := D.Dims()
	if cr != m {
		return nil, fmt.Errorf("sparsels: constraint matrix C is %d×%d, want %d rows (G is %d×%d)", cr, cs, m, n, m)
	}
	if dr != n || ds != cs {
		return nil, fmt.Errorf("sparsels: constraint matrix D is %d×%d, want %d×%d", dr, ds, n, cs)
	}
	// C and D are stored dense: refuse sizes whose element counts would
	// overflow (or come near overflowing) int before allocating them.
	if cs > 0 && n+m > maxElements/cs {
		return nil, fmt.Errorf("sparsels: constraint matrices C (%d×%d) and D (%d×%d) too large", cr, cs, dr, ds)
	}
	ct, err := sparsemat.Read(C, "C")
	if err != nil {
		return nil, err
	}
	dt, err := sparsemat.Read(D, "D")
	if err != nil {
		return nil, err
	}
	return newConstraints(p, sparsemat.DenseFrom(m, cs, ct), sparsemat.DenseFrom(n, cs, dt), cs)
}

// newConstraints builds the constraints from C (m×s) and D (n×s), row-major.
func newConstraints(p *Pattern, c, d []float64, s int) (*Constraints, error) {
	n, _ := p.Dims()
	cs := &Constraints{pat: p, s: s, c: c, d: d}
	cs.uOff = make([]int, n+1)
	cs.pOff = make([]int, n+1)
	cs.rank = make([]int, n)
	cs.nullOff = make([]int, n+1)
	if s == 1 {
		cs.hh = make([]float64, p.NNZ())
	}

	var ca mat.Dense
	var svd mat.SVD
	for a := 0; a < n; a++ {
		cols := p.RowColumns(a)
		pa := len(cols)
		var rk int
		var u, pinv []float64
		if pa > 0 && s == 1 {
			rk, u, pinv = cs.householderRow(a, cols)
		} else if pa > 0 && s > 0 {
			ca.Reset()
			ca.ReuseAs(pa, s)
			for i, b := range cols {
				for t := 0; t < s; t++ {
					ca.Set(i, t, cs.c[b*s+t])
				}
			}
			if !svd.Factorize(&ca, mat.SVDFull) {
				return nil, fmt.Errorf("sparsels: constraints: SVD failed in row %d", a)
			}
			sv := svd.Values(nil)
			var U, V mat.Dense
			svd.UTo(&U)
			svd.VTo(&V)
			tol := float64(max(pa, s)) * 0x1p-52
			if len(sv) > 0 {
				tol *= sv[0]
			}
			for _, v := range sv {
				if v > tol {
					rk++
				}
			}
			u = make([]float64, pa*pa)
			for i := 0; i < pa; i++ {
				for j := 0; j < pa; j++ {
					u[i*pa+j] = U.At(i, j)
				}
			}
			if rk == 0 {
				// Z = I, which toFullRows and toReducedRows assume.
				u = identity(pa)
			}
			pinv = make([]float64, rk*s)
			for i := 0; i < rk; i++ {
				for t := 0; t < s; t++ {
					pinv[i*s+t] = V.At(t, i) / sv[i]
				}
			}
		} else {
			u = identity(pa)
		}
		cs.u = append(cs.u, u...)
		cs.pinv = append(cs.pinv, pinv...)
		cs.uOff[a+1] = len(cs.u)
		cs.pOff[a+1] = len(cs.pinv)
		cs.rank[a] = rk
		cs.nullOff[a+1] = cs.nullOff[a] + pa - rk
	}
	// Feasibility: the least-squares solution of each row must satisfy it.
	g := make([]float64, p.NNZ())
	cs.projectRows(g)
	for a := 0; a < n; a++ {
		if v, scale := cs.rowViolation(a, g); v > 1e-10*math.Max(scale, 1e-300) || (scale == 0 && v > 0) {
			return nil, fmt.Errorf("sparsels: constraints infeasible in row %d: its %d pattern entries cannot satisfy G[%d,:]·C = D[%d,:] (residual %.3g)", a, len(p.RowColumns(a)), a, a, v)
		}
	}
	return cs, nil
}

// householderRow returns the rank, the orthogonal matrix U and Σ⁻¹Vᵀ of
// row a with one equation, whose coefficients are c at cols: U = I − wwᵀ,
// w = v·√(2/vᵀv) with v = c_a + sign(c_a[0])‖c_a‖e₁, so that
// U·c_a = −sign(c_a[0])‖c_a‖e₁ and the columns of U after the first span
// the null space of c_aᵀ. It stores w into cs.hh. A zero c_a has rank 0
// and U = I.
func (cs *Constraints) householderRow(a int, cols []int) (rk int, u, pinv []float64) {
	pa := len(cols)
	w := cs.hh[cs.pat.rowPtr[a]:cs.pat.rowPtr[a+1]]
	for i, b := range cols {
		w[i] = cs.c[b]
	}
	sigma := norm2(w)
	if sigma == 0 {
		for i := range w {
			w[i] = 0
		}
		return 0, identity(pa), nil
	}
	sign := 1.0
	if w[0] < 0 {
		sign = -1
	}
	w[0] += sign * sigma
	// vᵀv = 2σ(σ + |c_a[0]|) without cancellation.
	scale := 1 / (math.Sqrt(sigma) * math.Sqrt(sigma+math.Abs(cs.c[cols[0]])))
	for i := range w {
		w[i] *= scale
	}
	u = identity(pa)
	for i := 0; i < pa; i++ {
		for j := 0; j < pa; j++ {
			u[i*pa+j] -= w[i] * w[j]
		}
	}
	// C_a = U_r·σ·Vᵀ with U_r = −sign·c_a/σ and V = −sign.
	return 1, u, []float64{-sign / sigma}
}

func identity(p int) []float64 {
	u := make([]float64, p*p)
	for i := 0; i < p; i++ {
		u[i*p+i] = 1
	}
	return u
}

// Pattern returns the pattern the constraints were built for.
func (cs *Constraints) Pattern() *Pattern { return cs.pat }

// checkFor returns an error, prefixed by op, unless the constraints cs
// (nil for none) can serve a problem on the pattern pat: they must have been
// built on a Pattern Equal to pat, not necessarily the same object.
func (cs *Constraints) checkFor(op string, pat *Pattern) error {
	if cs == nil || cs.pat.Equal(pat) {
		return nil
	}
	return fmt.Errorf("sparsels: %s: constraints were built for another pattern", op)
}

// Dim returns the dimension of the null space: the number of free
// coordinates ξ.
func (cs *Constraints) Dim() int { return cs.nullOff[len(cs.nullOff)-1] }

// Project stores into dst the projection of g onto the constraint set (the
// nearest feasible g in the Euclidean norm, row by row) and returns dst; a nil
// dst is allocated, and dst may be g.
func (cs *Constraints) Project(dst, g []float64) []float64 {
	cs.pat.checkValues(g)
	if dst == nil {
		dst = make([]float64, len(g))
	}
	cs.pat.checkValues(dst)
	copy(dst, g)
	cs.projectRows(dst)
	return dst
}

// projectRows projects g in place: g_a ← g_a − U_r·pinv·(C_aᵀg_a − d_a).
func (cs *Constraints) projectRows(g []float64) {
	s := cs.s
	var res [8]float64
	var coef [8]float64
	for a := 0; a < len(cs.rank); a++ {
		rk := cs.rank[a]
		if rk == 0 {
			continue
		}
		idx := cs.pat.RowIndices(a)
		cols := cs.pat.RowColumns(a)
		pa := len(idx)
		r := res[:0]
		if s > len(res) {
			r = make([]float64, 0, s)
		}
		for t := 0; t < s; t++ {
			v := -cs.d[a*s+t]
			for i, b := range cols {
				v += g[idx[i]] * cs.c[b*s+t]
			}
			r = append(r, v)
		}
		co := coef[:0]
		if rk > len(coef) {
			co = make([]float64, 0, rk)
		}
		pinv := cs.pinv[cs.pOff[a]:cs.pOff[a+1]]
		for i := 0; i < rk; i++ {
			co = append(co, vec.Dot(pinv[i*s:i*s+s], r))
		}
		u := cs.u[cs.uOff[a]:cs.uOff[a+1]]
		for i := 0; i < pa; i++ {
			var v float64
			for j := 0; j < rk; j++ {
				v += u[i*pa+j] * co[j]
			}
			g[idx[i]] -= v
		}
	}
}

// rowViolation returns ‖G[a,:]·C − D[a,:]‖_∞ and the scale of its terms,
// max_t (Σ_b |G[a,b]·C[b,t]| + |D[a,t]|).
func (cs *Constraints) rowViolation(a int, g []float64) (v, scale float64) {
	s := cs.s
	idx := cs.pat.RowIndices(a)
	cols := cs.pat.RowColumns(a)
	for t := 0; t < s; t++ {
		r := -cs.d[a*s+t]
		sc := math.Abs(cs.d[a*s+t])
		for i, b := range cols {
			x := g[idx[i]] * cs.c[b*s+t]
			r += x
			sc += math.Abs(x)
		}
		v = math.Max(v, math.Abs(r))
		scale = math.Max(scale, sc)
	}
	return v, scale
}

// Violation returns the relative constraint violation of g:
// max over rows a and equations t of |(G·C − D)[a,t]| divided by the largest
// magnitude of the terms of that equation, Σ_b |G[a,b]·C[b,t]| + |D[a,t]|
// (an equation whose terms are all zero counts as satisfied). It is +Inf
// when a constrained row of g holds a NaN or an infinity.
func (cs *Constraints) Violation(g []float64) float64 {
	cs.pat.checkValues(g)
	var worst float64
	for a := 0; a < len(cs.rank); a++ {
		v, sc := cs.rowViolation(a, g)
		if v == 0 {
			continue
		}
		// An infinite entry of g makes both v and sc infinite, and v/sc
		// would be NaN, which math.Max below would propagate as the result.
		if sc == 0 || math.IsNaN(v) || math.IsInf(sc, 0) {
			return math.Inf(1)
		}
		worst = math.Max(worst, v/sc)
	}
	return worst
}

// ToFull stores the step Zξ (length nnz) for the null-space coordinates ξ
// (length Dim()) into dst and returns it; a nil dst is allocated.
func (cs *Constraints) ToFull(dst, xi []float64) []float64 {
	if len(xi) != cs.Dim() {
		panic(fmt.Sprintf("sparsels: ToFull: len(xi) = %d, want %d", len(xi), cs.Dim()))
	}
	if dst == nil {
		dst = make([]float64, cs.pat.NNZ())
	}
	cs.pat.checkValues(dst)
	cs.toFullRows(dst, xi, 0, len(cs.rank))
	return dst
}

// toFullRows stores the rows [lo, hi) of Zξ into dst.
func (cs *Constraints) toFullRows(dst, xi []float64, lo, hi int) {
	for a := lo; a < hi; a++ {
		idx := cs.pat.RowIndices(a)
		pa, rk := len(idx), cs.rank[a]
		x := xi[cs.nullOff[a]:cs.nullOff[a+1]]
		switch {
		case rk == 0:
			for i, k := range idx {
				dst[k] = x[i]
			}
			continue
		case cs.hh != nil:
			// Zξ = (I − wwᵀ)[0; ξ].
			w := cs.hh[cs.pat.rowPtr[a]:cs.pat.rowPtr[a+1]]
			var t float64
			for i, v := range x {
				t += w[i+1] * v
			}
			dst[idx[0]] = -w[0] * t
			for i, k := range idx[1:] {
				dst[k] = x[i] - w[i+1]*t
			}
			continue
		}
		u := cs.u[cs.uOff[a]:cs.uOff[a+1]]
		for i, k := range idx {
			var v float64
			for j, xj := range x {
				v += u[i*pa+rk+j] * xj
			}
			dst[k] = v
		}
	}
}

// toFull stores Zξ into dst using up to threads goroutines.
func (cs *Constraints) toFull(dst, xi []float64, threads int) {
	parallel.For(threads, len(cs.rank), 8*float64(len(cs.u)), func(_, lo, hi int) {
		cs.toFullRows(dst, xi, lo, hi)
	})
}

// ToReduced stores Zᵀv (length Dim()) for v of length nnz into dst and
// returns it; a nil dst is allocated. For a gradient v it is the gradient in
// the null-space coordinates.
func (cs *Constraints) ToReduced(dst, v []float64) []float64 {
	cs.pat.checkValues(v)
	if dst == nil {
		dst = make([]float64, cs.Dim())
	}
	if len(dst) != cs.Dim() {
		panic(fmt.Sprintf("sparsels: ToReduced: len(dst) = %d, want %d", len(dst), cs.Dim()))
	}
	cs.toReducedRows(dst, v, 0, len(cs.rank))
	return dst
}

// toReducedRows stores the coordinates of rows [lo, hi) of Zᵀv into dst.
func (cs *Constraints) toReducedRows(dst, v []float64, lo, hi int) {
	for a := lo; a < hi; a++ {
		idx := cs.pat.RowIndices(a)
		pa, rk := len(idx), cs.rank[a]
		x := dst[cs.nullOff[a]:cs.nullOff[a+1]]
		switch {
		case rk == 0:
			for i, k := range idx {
				x[i] = v[k]
			}
			continue
		case cs.hh != nil:
			// Zᵀv = ((I − wwᵀ)v)[1:].
			w := cs.hh[cs.pat.rowPtr[a]:cs.pat.rowPtr[a+1]]
			var t float64
			for i, k := range idx {
				t += w[i] * v[k]
			}
			for j, k := range idx[1:] {
				x[j] = v[k] - w[j+1]*t
			}
			continue
		}
		u := cs.u[cs.uOff[a]:cs.uOff[a+1]]
		for j := range x {
			var s float64
			for i, k := range idx {
				s += u[i*pa+rk+j] * v[k]
			}
			x[j] = s
		}
	}
}

// toReduced stores Zᵀv into dst using up to threads goroutines.
func (cs *Constraints) toReduced(dst, v []float64, threads int) {
	parallel.For(threads, len(cs.rank), 8*float64(len(cs.u)), func(_, lo, hi int) {
		cs.toReducedRows(dst, v, lo, hi)
	})
}

// nullBasis returns row a's null-space basis as the p_a×q_a block of the
// row-major p_a×p_a matrix u starting at column rank[a], with its leading
// dimension.
func (cs *Constraints) nullBasis(a int) (u []float64, ld, off, q int) {
	ld = len(cs.pat.RowIndices(a))
	return cs.u[cs.uOff[a]:cs.uOff[a+1]], ld, cs.rank[a], cs.nullOff[a+1] - cs.nullOff[a]
}
