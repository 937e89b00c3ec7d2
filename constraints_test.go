package sparsels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/vec"
)

// randomRowPattern returns an n×m pattern holding (a, a mod m) and each
// other entry with probability density.
func randomRowPattern(tb testing.TB, rng *rand.Rand, n, m int, density float64) *Pattern {
	tb.Helper()
	var rows, cols []int
	for a := 0; a < n; a++ {
		for b := 0; b < m; b++ {
			if b == a%m || rng.Float64() < density {
				rows, cols = append(rows, a), append(cols, b)
			}
		}
	}
	pat, err := NewPattern(n, m, rows, cols)
	if err != nil {
		tb.Fatal(err)
	}
	return pat
}

// TestConstraintsBasis checks the null-space basis Z of every kind of
// constraints against its definition: ZᵀZ = I, C_aᵀZ_a = 0, ToReduced is
// the adjoint of ToFull, Z_aZ_aᵀ is the orthogonal projector onto the null
// space of C_aᵀ (computed densely from C), the explicit basis that the
// preconditioners read (nullBasis) is the one ToFull applies, and Project
// lands on the constraint set. One equation per row uses Householder
// reflections; these cases cover signs, zeros, a row whose C_a vanishes
// and extreme scales.
func TestConstraintsBasis(t *testing.T) {
	const n, m = 40, 12
	rng := rand.New(rand.NewPCG(3, 9))
	pat := randomRowPattern(t, rng, n, m, 0.35)
	randC := func(s int, scale float64, zeroCols ...int) *mat.Dense {
		c := mat.NewDense(m, s, nil)
		for b := 0; b < m; b++ {
			for k := 0; k < s; k++ {
				c.Set(b, k, scale*(rng.Float64()*2-1))
			}
		}
		for _, b := range zeroCols {
			for k := 0; k < s; k++ {
				c.Set(b, k, 0)
			}
		}
		return c
	}
	// allBut lists every column except keep: zeroing C there makes C_a
	// vanish on the rows whose pattern avoids keep.
	allBut := func(keep ...int) []int {
		var z []int
		for b := 0; b < m; b++ {
			if !slices.Contains(keep, b) {
				z = append(z, b)
			}
		}
		return z
	}
	for _, tc := range []struct {
		name string
		s    int
		c    *mat.Dense
	}{
		{"none", 0, nil},
		{"ones", 1, nil},
		{"random signs", 1, randC(1, 1)},
		{"zeros in c", 1, randC(1, 1, 0, 3, 7)},
		{"c vanishing on rows", 1, randC(1, 1, allBut(5, 6)...)},
		{"tiny", 1, randC(1, 1e-200)},
		{"huge", 1, randC(1, 1e200)},
		{"two equations", 2, randC(2, 1)},
		{"two equations, rank-deficient rows", 2, randC(2, 1, allBut(1, 2, 3, 4)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs *Constraints
			var err error
			switch {
			case tc.s == 0:
				cs = unconstrained(pat)
			case tc.c == nil:
				cs, err = RowSumConstraints(pat)
			default:
				// D = G₀·C is feasible for every C.
				g0 := make([]float64, pat.NNZ())
				for i := range g0 {
					g0[i] = rng.NormFloat64()
				}
				var d mat.Dense
				d.Mul(denseOf(pat, g0), tc.c)
				cs, err = NewConstraints(pat, tc.c, &d)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkBasis(t, cs, rng)
		})
	}
}

// checkBasis runs the checks of TestConstraintsBasis on cs.
func checkBasis(t *testing.T, cs *Constraints, rng *rand.Rand) {
	t.Helper()
	const tol = 1e-13
	pat := cs.Pattern()
	n, _ := pat.Dims()
	nnz, dim := pat.NNZ(), cs.Dim()
	// ZᵀZ = I and nullBasis holds the columns ToFull applies.
	e := make([]float64, dim)
	col := make([]float64, nnz)
	back := make([]float64, dim)
	for a := 0; a < n; a++ {
		u, ld, off, q := cs.nullBasis(a)
		idx := pat.RowIndices(a)
		for j := 0; j < q; j++ {
			k := cs.nullOff[a] + j
			e[k] = 1
			cs.ToFull(col, e)
			cs.ToReduced(back, col)
			e[k] = 0
			for i := range back {
				want := 0.0
				if i == k {
					want = 1
				}
				if math.Abs(back[i]-want) > tol {
					t.Fatalf("row %d: (ZᵀZ)[%d,%d] = %g, want %g", a, i, k, back[i], want)
				}
			}
			for i, s := range idx {
				if d := math.Abs(col[s] - u[i*ld+off+j]); d > tol {
					t.Fatalf("row %d: ToFull column %d differs from nullBasis by %g at %d", a, j, d, i)
				}
			}
		}
	}
	// Adjoint, null space and projector, on random vectors.
	xi := make([]float64, dim)
	v := make([]float64, nnz)
	for i := range xi {
		xi[i] = rng.NormFloat64()
	}
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	zx := cs.ToFull(nil, xi)
	ztv := cs.ToReduced(nil, v)
	if l, r := vec.Dot(zx, v), vec.Dot(xi, ztv); math.Abs(l-r) > tol*(math.Abs(l)+norm2(zx)*norm2(v)) {
		t.Fatalf("⟨Zξ, v⟩ = %g, ⟨ξ, Zᵀv⟩ = %g", l, r)
	}
	zztv := cs.ToFull(nil, ztv)
	for a := 0; a < n; a++ {
		ca, ref := rowProjector(cs, a)
		idx := pat.RowIndices(a)
		for k := 0; k < cs.s; k++ {
			var sum, nz, nc float64
			for i, s := range idx {
				sum += zx[s] * ca.At(i, k)
				nz = math.Hypot(nz, zx[s])
				nc = math.Hypot(nc, ca.At(i, k))
			}
			mag := nz * nc
			if math.Abs(sum) > tol*mag {
				t.Fatalf("row %d: (C_aᵀZξ)[%d] = %g of terms %g", a, k, sum, mag)
			}
		}
		for i, s := range idx {
			var want float64
			for j, s2 := range idx {
				want += ref.At(i, j) * v[s2]
			}
			if math.Abs(zztv[s]-want) > tol*norm2(v) {
				t.Fatalf("row %d: (ZZᵀv)[%d] = %g, dense projector gives %g", a, i, zztv[s], want)
			}
		}
	}
	g := cs.Project(nil, v)
	if viol := cs.Violation(g); viol > 1e-12 {
		t.Fatalf("Project: violation %g", viol)
	}
}

// rowProjector returns C_a (p_a×s) and the dense projector I − C_a C_a⁺
// onto the null space of C_aᵀ.
func rowProjector(cs *Constraints, a int) (*mat.Dense, *mat.Dense) {
	cols := cs.Pattern().RowColumns(a)
	pa, s := len(cols), max(cs.s, 1)
	ca := mat.NewDense(pa, s, nil)
	for i, b := range cols {
		for k := 0; k < cs.s; k++ {
			ca.Set(i, k, cs.c[b*cs.s+k])
		}
	}
	ref := mat.NewDense(pa, pa, nil)
	for i := 0; i < pa; i++ {
		ref.Set(i, i, 1)
	}
	if mat.Norm(ca, 2) == 0 {
		return ca, ref
	}
	// Scale to 1 before the SVD, so the reference is exact at any scale.
	var cn mat.Dense
	cn.Scale(1/mat.Norm(ca, math.Inf(1)), ca)
	var svd mat.SVD
	if !svd.Factorize(&cn, mat.SVDThin) {
		panic(fmt.Sprint("SVD of row ", a))
	}
	var u mat.Dense
	svd.UTo(&u)
	sv := svd.Values(nil)
	for k, x := range sv {
		if x <= 1e-12*sv[0] {
			continue
		}
		for i := 0; i < pa; i++ {
			for j := 0; j < pa; j++ {
				ref.Set(i, j, ref.At(i, j)-u.At(i, k)*u.At(j, k))
			}
		}
	}
	return ca, ref
}

// spotRows is the number of rows of spotShape's pattern.
const spotRows = 2930

// spotShape returns a pattern of Spot's shape (spotRows×500, rows of 7 or 8
// consecutive entries), its row-sum constraints, and the random source that
// placed the rows, for further random data.
func spotShape(b *testing.B) (*rand.Rand, *Pattern, *Constraints) {
	const n, m = spotRows, 500
	rng := rand.New(rand.NewPCG(1, 2))
	var rows, cols []int
	for a := 0; a < n; a++ {
		start := rng.IntN(m - 8)
		for k := 0; k < 7+a%2; k++ {
			rows, cols = append(rows, a), append(cols, start+k)
		}
	}
	pat, err := NewPattern(n, m, rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	cs, err := RowSumConstraints(pat)
	if err != nil {
		b.Fatal(err)
	}
	return rng, pat, cs
}

// BenchmarkToFull compares Zξ by the Householder vectors of one-equation
// rows with the explicit p_a×p_a basis they replaced (the same Z), on
// Spot's shape: 2930 rows of 7 or 8 entries summing to 1.
func BenchmarkToFull(b *testing.B) {
	const n = spotRows
	rng, pat, cs := spotShape(b)
	explicit := *cs
	explicit.hh = nil
	xi := make([]float64, cs.Dim())
	for i := range xi {
		xi[i] = rng.NormFloat64()
	}
	dst := make([]float64, pat.NNZ())
	for _, bc := range []struct {
		name string
		cs   *Constraints
	}{{"householder", cs}, {"explicit", &explicit}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.cs.ToFull(dst, xi)
			}
		})
	}
}
