package coarsen

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

// randomGraphLaplacian returns the combinatorial Laplacian of a connected
// random weighted graph on n vertices (a path plus extra random edges, weights
// in [0.5, 2)) and random masses in [0.5, 1.5).
func randomGraphLaplacian(n, extra int, seed uint64) (*sparse.CSR, []float64) {
	rng := rand.New(rand.NewPCG(seed, 77))
	A := mat.NewDense(n, n, nil)
	add := func(i, j int, w float64) {
		A.Set(i, j, A.At(i, j)-w)
		A.Set(j, i, A.At(j, i)-w)
		A.Set(i, i, A.At(i, i)+w)
		A.Set(j, j, A.At(j, j)+w)
	}
	for i := range n - 1 {
		add(i, i+1, 0.5+1.5*rng.Float64())
	}
	for range extra {
		i, j := rng.IntN(n), rng.IntN(n)
		if i != j && A.At(i, j) == 0 {
			add(i, j, 0.5+1.5*rng.Float64())
		}
	}
	mass := make([]float64, n)
	for i := range mass {
		mass[i] = 0.5 + rng.Float64()
	}
	return denseToCSR(A), mass
}

// denseToCSR stores the nonzeros and the diagonal of the square A.
func denseToCSR(A *mat.Dense) *sparse.CSR {
	n, _ := A.Dims()
	indptr := []int{0}
	var ind []int
	var val []float64
	for i := range n {
		for j := range n {
			if v := A.At(i, j); v != 0 || i == j {
				ind, val = append(ind, j), append(val, v)
			}
		}
		indptr = append(indptr, len(ind))
	}
	return sparse.NewCSR(n, n, indptr, ind, val)
}

// rowStochastic returns values on the pattern (rows, cols) of the n×m G with
// every row summing to 1: G0 = Kᵀ plus noise of size eps when near, uniform
// positive values normalized per row otherwise.
func rowStochastic(n int, rows []int, g0 []float64, near bool, eps float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	g := make([]float64, len(rows))
	sum := make([]float64, n)
	cnt := make([]float64, n)
	for p, i := range rows {
		if near {
			g[p] = eps * (rng.Float64() - 0.5)
		} else {
			g[p] = rng.Float64()
		}
		sum[i] += g[p]
		cnt[i]++
	}
	for p, i := range rows {
		if near {
			g[p] += g0[p] - sum[i]/cnt[i]
		} else {
			g[p] /= sum[i]
		}
	}
	return g
}

// denseQuality is an independent dense computation of the measures of
// Measure.
type denseQuality struct {
	coarse                      []float64 // all m eigenvalues of (Lc, Mc)
	C                           *mat.Dense
	offDiag, mean, worst        float64
	spurious, unmatched, excess int
	below                       int // fine eigenvalues below sigma
	sigma                       float64
}

// measureDense computes the quality of the dense coarse pencil (Lcd, mc)
// against the fine eigenpairs (fv, fV) (k of them) by dense eigensolves and
// loops.
func measureDense(t *testing.T, fv []float64, fV *mat.Dense, Lcd *mat.Dense, mc []float64, roots []int, scale float64) denseQuality {
	t.Helper()
	k := len(fv)
	cv, cV := denseEigen(t, Lcd, mc)
	dq := denseQuality{coarse: cv, C: mat.NewDense(k, k, nil)}
	for i := range k {
		for j := range k {
			var s float64
			for c, r := range roots {
				s += cV.At(c, i) * mc[c] * fV.At(r, j)
			}
			dq.C.Set(i, j, s)
		}
	}
	var off, all float64
	for i := range k {
		for j := range k {
			v := dq.C.At(i, j)
			all += v * v
			if i != j {
				off += v * v
			}
		}
	}
	dq.offDiag = off / all
	var cnt int
	for i := range k {
		e := math.Abs(cv[i] - fv[i])
		if fv[i] <= 1e-8*scale {
			continue
		}
		e /= fv[i]
		dq.mean += e
		dq.worst = math.Max(dq.worst, e)
		cnt++
	}
	dq.mean /= float64(cnt)
	// Spurious: rows among the first ⌈0.9k⌉ without an entry ≥ 0.5.
	for i := range int(math.Ceil(0.9 * float64(k))) {
		matched := false
		for j := range k {
			if math.Abs(dq.C.At(i, j)) >= 0.5 {
				matched = true
			}
		}
		if !matched {
			dq.spurious++
		}
		// Unmatched: the norm of C[i, i−2..i+2] below 0.5.
		var s2 float64
		for j := max(i-2, 0); j <= min(i+2, k-1); j++ {
			s2 += dq.C.At(i, j) * dq.C.At(i, j)
		}
		if math.Sqrt(s2) < 0.5 {
			dq.unmatched++
		}
	}
	// Excess: the widest ratio fv[b]/fv[b-1] over b in [max(k/2, 1), k).
	best, below := 1.0, 0
	for b := max(k/2, 1); b < k; b++ {
		if fv[b-1] > 0 && fv[b]/fv[b-1] > best {
			best, below = fv[b]/fv[b-1], b
		}
	}
	if below > 0 {
		dq.sigma = math.Sqrt(fv[below-1] * fv[below])
		for _, v := range cv {
			if v < dq.sigma {
				dq.excess++
			}
		}
		dq.excess -= below
		dq.below = below
	}
	return dq
}

// gershgorin returns max_i 2 Σ_j |A_ij| / mass_i for the dense A.
func gershgorin(A *mat.Dense, mass []float64) float64 {
	var s float64
	for i, w := range mass {
		var r float64
		for _, v := range A.RawRowView(i) {
			r += math.Abs(v)
		}
		s = math.Max(s, 2*r/w)
	}
	return s
}

// weakenVertex returns a copy of the Laplacian-like coarse operator Lc with
// every coupling of vertex c0 multiplied by eps (the diagonal adjusted so
// that rows still sum as before): vertex c0 almost splits off, which gives
// the pencil an extra near-zero eigenvalue whose eigenvector sits at c0.
func weakenVertex(Lc *mat.Dense, c0 int, eps float64) *mat.Dense {
	out := mat.DenseCopyOf(Lc)
	m, _ := Lc.Dims()
	for j := range m {
		if j == c0 {
			continue
		}
		w := -Lc.At(c0, j)
		out.Set(c0, j, -eps*w)
		out.Set(j, c0, -eps*w)
		out.Set(j, j, out.At(j, j)-(1-eps)*w)
		out.Set(c0, c0, out.At(c0, c0)-(1-eps)*w)
	}
	return out
}

// TestMeasureAgainstDense compares Measure with a dense computation on
// random small pencils: coarse eigenvalues, |C|, the off-diagonal energy,
// the eigenvalue errors and both counts of spurious pairs. One pencil is
// built to have a spurious low mode, which both counts must detect.
func TestMeasureAgainstDense(t *testing.T) {
	type pencil struct {
		L    *sparse.CSR
		mass []float64
	}
	grid := func(nx int, seed uint64) func(*testing.T) pencil {
		return func(t *testing.T) pencil { L, mass := gridOperators(t, nx, seed); return pencil{L, mass} }
	}
	graph := func(n, extra int, seed uint64) func(*testing.T) pencil {
		return func(*testing.T) pencil { L, mass := randomGraphLaplacian(n, extra, seed); return pencil{L, mass} }
	}
	for _, tc := range []struct {
		name    string
		pencil  func(*testing.T) pencil
		m, k    int
		seed    uint64
		g       string  // "near" Kᵀ (noise eps), "far" from it, or "fitted" by Spectral
		eps     float64 // noise of G near Kᵀ
		weaken  bool    // split a coarse vertex off Lc: a spurious low mode
		defects int     // 0: none expected; 1: Spurious ≥ 1 and Excess ≥ 1; -1: either
	}{
		{"grid at KT", grid(8, 11), 24, 8, 1, "near", 0, false, -1},
		{"grid near KT", grid(7, 5), 20, 6, 2, "near", 0.1, false, -1},
		{"grid far", grid(6, 3), 15, 5, 3, "far", 0, false, -1},
		{"graph at KT", graph(40, 30, 4), 14, 5, 4, "near", 0, false, -1},
		{"graph near KT", graph(36, 20, 6), 12, 4, 5, "near", 0.2, false, -1},
		{"graph far", graph(30, 40, 7), 10, 4, 6, "far", 0, false, -1},
		{"grid fitted", grid(8, 11), 24, 8, 1, "fitted", 0, false, 0},
		{"graph fitted", graph(40, 30, 4), 14, 5, 4, "fitted", 0, false, 0},
		{"grid fitted split vertex", grid(8, 11), 24, 8, 1, "fitted", 0, true, 1},
		{"graph fitted split vertex", graph(80, 60, 8), 30, 10, 4, "fitted", 0, true, 1},
		{"graph fitted 80", graph(80, 60, 8), 30, 10, 4, "fitted", 0, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			p := tc.pencil(t)
			n := len(p.mass)
			var cl *Clustering
			var fitted []float64
			if tc.g == "fitted" {
				res, err := Spectral(ctx, p.L, p.mass, tc.m, &Options{K: tc.k, Seed: tc.seed, SkipQuality: true})
				if err != nil {
					t.Fatal(err)
				}
				cl, fitted = res.Clustering, res.Iterate
			} else {
				var err error
				if cl, err = Cluster(ctx, p.L, p.mass, tc.m, tc.seed); err != nil {
					t.Fatal(err)
				}
			}
			Ld := toDense(p.L)
			fvAll, fVAll := denseEigen(t, Ld, p.mass)
			fv := fvAll[:tc.k]
			fV := mat.DenseCopyOf(fVAll.Slice(0, n, 0, tc.k))
			d, err := Setup(p.L, p.mass, fV, cl)
			if err != nil {
				t.Fatal(err)
			}
			g := fitted
			if g == nil {
				g = rowStochastic(n, d.Rows, d.G0, tc.g == "near", tc.eps, tc.seed)
			}
			Lc, G := coarse(t, p.L, tc.m, d.Rows, d.Cols, g)
			Gd := toDense(G)
			var Lcd mat.Dense
			Lcd.Product(Gd.T(), Ld, Gd)
			mc := make([]float64, tc.m)
			for i, c := range cl.Assign {
				mc[c] += p.mass[i]
			}
			if tc.weaken {
				// The lightest cluster splits off.
				c0 := 0
				for c := range mc {
					if mc[c] < mc[c0] {
						c0 = c
					}
				}
				Lcd = *weakenVertex(&Lcd, c0, 1e-4)
				Lc = denseToCSR(&Lcd)
			}
			scale := gershgorin(Ld, p.mass)
			if s := Scale(p.L, p.mass); math.Abs(s-scale) > 1e-12*scale {
				t.Fatalf("Scale = %v, dense %v", s, scale)
			}
			q, err := Measure(ctx, fv, fV, Lc, mc, cl.Roots, scale, nil)
			if err != nil {
				t.Fatal(err)
			}
			dq := measureDense(t, fv, fV, &Lcd, mc, cl.Roots, scale)
			t.Logf("coarse %.4g\nfine %.4g\noff %.3g mean %.3g max %.3g spurious %d excess %d sigma %.4g",
				dq.coarse[:tc.k+2], fv, dq.offDiag, dq.mean, dq.worst, dq.spurious, dq.excess, dq.sigma)

			cscale := gershgorin(&Lcd, mc)
			if len(q.CoarseValues) != tc.k {
				t.Fatalf("%d coarse values, want %d", len(q.CoarseValues), tc.k)
			}
			for i, v := range q.CoarseValues {
				if math.Abs(v-dq.coarse[i]) > 1e-9*cscale {
					t.Errorf("coarse eigenvalue %d = %v, dense %v", i, v, dq.coarse[i])
				}
			}
			if r, c := q.FunctionalMap.Dims(); r != tc.k || c != tc.k {
				t.Fatalf("C is %d×%d, want %d×%d", r, c, tc.k, tc.k)
			}
			for i := range tc.k {
				for j := range tc.k {
					if got, want := math.Abs(q.FunctionalMap.At(i, j)), math.Abs(dq.C.At(i, j)); math.Abs(got-want) > 1e-6 {
						t.Errorf("|C[%d,%d]| = %v, dense %v", i, j, got, want)
					}
				}
			}
			if math.Abs(q.OffDiagonalEnergy-dq.offDiag) > 1e-8 {
				t.Errorf("off-diagonal energy %v, dense %v", q.OffDiagonalEnergy, dq.offDiag)
			}
			if math.Abs(q.MeanEigenvalueError-dq.mean) > 1e-7*dq.mean || math.Abs(q.MaxEigenvalueError-dq.worst) > 1e-7*dq.worst {
				t.Errorf("eigenvalue errors mean %v max %v, dense %v and %v", q.MeanEigenvalueError, q.MaxEigenvalueError, dq.mean, dq.worst)
			}
			// Measure counts among its kc = k + 2 (k < 20) coarse eigenvalues:
			// when all of them lie below sigma, its count is a lower bound.
			wantExcess, kc := dq.excess, min(tc.m-1, tc.k+2)
			if dq.sigma > 0 && dq.coarse[kc-1] < dq.sigma {
				wantExcess = kc - dq.below
			}
			if q.Spurious != dq.spurious || q.Unmatched != dq.unmatched || q.Excess != wantExcess || math.Abs(q.Sigma-dq.sigma) > 1e-9*dq.sigma {
				t.Errorf("spurious %d, excess %d (sigma %v); dense %d, %d (%v)", q.Spurious, q.Excess, q.Sigma, dq.spurious, wantExcess, dq.sigma)
			}
			switch {
			case tc.defects == 0 && (q.Spurious != 0 || q.Unmatched != 0 || q.Excess != 0):
				t.Errorf("spurious %d, unmatched %d, excess %d; want none", q.Spurious, q.Unmatched, q.Excess)
			case tc.defects == 1 && (q.Spurious < 1 || q.Unmatched < 1 || q.Excess < 1):
				t.Errorf("spurious %d, unmatched %d, excess %d; want all ≥ 1 for the split vertex", q.Spurious, q.Unmatched, q.Excess)
			}
			if want := max(dq.unmatched, wantExcess, 0); q.Defects() != want {
				t.Errorf("Defects() = %d, want %d", q.Defects(), want)
			}
		})
	}
}

// TestExcessAndSpuriousRows checks the two counts of spurious pairs by hand.
func TestExcessAndSpuriousRows(t *testing.T) {
	for _, tc := range []struct {
		name         string
		fine, coarse []float64
		sigma        float64
		extra        int
	}{
		// Gaps of j+1 = 2 and 3 (k/2 ≤ j+1 < k): 2/1 and 10/2, the widest.
		{"one extra", []float64{0, 1, 2, 10}, []float64{0, 1, 2, 3, 5, 12}, math.Sqrt(20), 1},
		{"none", []float64{0, 1, 2, 10}, []float64{0, 1.1, 2.2, 11, 12, 13}, math.Sqrt(20), 0},
		{"missing ones", []float64{0, 1, 2, 10}, []float64{0, 5, 6, 7, 11, 12}, math.Sqrt(20), -2},
		// Every coarse eigenvalue is below sigma: a lower bound.
		{"count reaches the end", []float64{0, 1, 2, 10}, []float64{0, 0.5, 1, 2, 3, 4}, math.Sqrt(20), 3},
		// The widest gap (0.01 to 1) lies in the lower half and is ignored:
		// sigma goes between 1.1 and 1.3 (ratios 1.1, 1.18, 1.077).
		{"lower half ignored", []float64{0, 0.01, 1, 1.1, 1.3, 1.4}, []float64{0, 0.01, 0.02, 1, 1.1, 1.3, 1.4, 2}, math.Sqrt(1.1 * 1.3), 1},
		// The last pair is a candidate.
		{"gap at the top", []float64{0, 1, 1.1, 1.2, 5}, []float64{0, 0.9, 1, 1.1, 1.2, 1.3, 6}, math.Sqrt(6), 2},
		// k = 3: j+1 ranges over 1 and 2, but fine[0] = 0 has no ratio.
		{"k = 3", []float64{0, 1, 4}, []float64{0, 0.5, 1.5, 3}, 2, 1},
		{"k = 2 with a positive first", []float64{1, 4}, []float64{1, 1.5, 3, 5}, 2, 1},
		{"one positive", []float64{0, 1}, []float64{0, 0.1, 0.2}, 0, 0},
		{"zeros then one positive", []float64{0, 0, 0, 1}, []float64{0, 0, 0, 0, 0}, 0, 0},
		{"all zero", []float64{0, 0}, []float64{0, 0, 0}, 0, 0},
		{"k = 1", []float64{1}, []float64{0, 0.5, 2}, 0, 0},
		{"empty", nil, []float64{0, 1}, 0, 0},
	} {
		sigma, extra := excess(tc.fine, tc.coarse)
		if math.Abs(sigma-tc.sigma) > 1e-15*tc.sigma || extra != tc.extra {
			t.Errorf("%s: excess(%v, %v) = %v, %d; want %v, %d", tc.name, tc.fine, tc.coarse, sigma, extra, tc.sigma, tc.extra)
		}
	}

	id := func(k int) *mat.Dense {
		C := mat.NewDense(k, k, nil)
		for i := range k {
			C.Set(i, i, 1)
		}
		return C
	}
	with := func(C *mat.Dense, set func(*mat.Dense)) *mat.Dense { set(C); return C }
	for _, tc := range []struct {
		name string
		C    *mat.Dense
		want int
	}{
		{"identity", id(5), 0},
		{"signed permutation", mat.NewDense(3, 3, []float64{0, -1, 0, 0, 0, 0.9, -0.8, 0, 0}), 0},
		{"row 1 below 0.5", with(id(5), func(C *mat.Dense) { C.SetRow(1, []float64{0.3, -0.49, 0.2, 0, 0.4}) }), 1},
		{"exactly 0.5 matches", with(id(4), func(C *mat.Dense) { C.SetRow(2, []float64{0, 0, -0.5, 0}) }), 0},
		{"two rows", with(id(6), func(C *mat.Dense) { C.Set(0, 0, 0.1); C.Set(3, 3, -0.2) }), 2},
		// ⌈0.9·10⌉ = 9 rows are checked: row 9 is ignored, row 8 is not.
		{"k = 10, last row ignored", with(id(10), func(C *mat.Dense) { C.Set(9, 9, 0.1) }), 0},
		{"k = 10, row 8 counted", with(id(10), func(C *mat.Dense) { C.Set(8, 8, 0.1) }), 1},
		// ⌈0.9·11⌉ = 10.
		{"k = 11, row 9 counted", with(id(11), func(C *mat.Dense) { C.Set(9, 9, 0.1) }), 1},
		{"k = 11, last row ignored", with(id(11), func(C *mat.Dense) { C.Set(10, 10, 0.1) }), 0},
		// ⌈0.9·20⌉ = 18: rows 18 and 19 are ignored.
		{"k = 20, last tenth ignored", with(id(20), func(C *mat.Dense) { C.Set(18, 18, 0); C.Set(19, 19, 0) }), 0},
		{"k = 20, row 17 counted", with(id(20), func(C *mat.Dense) { C.Set(17, 17, 0) }), 1},
		{"k = 1", mat.NewDense(1, 1, []float64{0.2}), 1},
		{"zero", mat.NewDense(3, 3, nil), 3},
	} {
		if got := SpuriousRows(tc.C); got != tc.want {
			t.Errorf("%s: SpuriousRows = %d, want %d", tc.name, got, tc.want)
		}
	}

	// Defects is the larger of Unmatched and a positive Excess; Spurious
	// does not count.
	for _, tc := range []struct{ spurious, unmatched, excess, want int }{{0, 0, 0, 0}, {1, 1, 2, 2}, {2, 2, -3, 2}, {0, 0, 1, 1}, {1, 0, 0, 0}, {3, 3, 1, 3}} {
		if got := (&Quality{Spurious: tc.spurious, Unmatched: tc.unmatched, Excess: tc.excess}).Defects(); got != tc.want {
			t.Errorf("Defects with Spurious %d, Unmatched %d, Excess %d = %d, want %d", tc.spurious, tc.unmatched, tc.excess, got, tc.want)
		}
	}

	// UnmatchedRows: rows mixing five neighbours (every entry below 0.5, so
	// SpuriousRows counts them) are matched; a row with all its weight far
	// from its index is not.
	mix := mat.NewDense(10, 10, nil)
	for i := range 10 {
		mix.Set(i, i, 1)
	}
	for i := 3; i <= 7; i++ {
		for j := 3; j <= 7; j++ {
			mix.Set(i, j, 1/math.Sqrt(5))
		}
	}
	if got, want := SpuriousRows(mix), 5; got != want {
		t.Errorf("five-way mix: SpuriousRows = %d, want %d", got, want)
	}
	if got := UnmatchedRows(mix); got != 0 {
		t.Errorf("five-way mix: UnmatchedRows = %d, want 0", got)
	}
	far := mat.NewDense(10, 10, nil)
	for i := range 10 {
		far.Set(i, (i+5)%10, 1)
	}
	if got := UnmatchedRows(far); got != 9 {
		t.Errorf("shifted by 5: UnmatchedRows = %d, want 9", got)
	}
}

// sameQuality reports how q differs from r: the measures within a relative
// tol, the counts exactly; empty if they agree.
func sameQuality(q, r *Quality, tol float64) string {
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) }
	all := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !near(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	switch {
	case !all(q.CoarseValues, r.CoarseValues):
		return "coarse eigenvalues"
	case !all(q.EigenvalueErrors, r.EigenvalueErrors):
		return "eigenvalue errors"
	case !near(q.MeanEigenvalueError, r.MeanEigenvalueError) || !near(q.MaxEigenvalueError, r.MaxEigenvalueError):
		return "mean or largest eigenvalue error"
	case !near(q.OffDiagonalEnergy, r.OffDiagonalEnergy):
		return "off-diagonal energy"
	case !near(q.Score(), r.Score()):
		return "score"
	case q.Spurious != r.Spurious || q.Unmatched != r.Unmatched || q.Excess != r.Excess || !near(q.Sigma, r.Sigma):
		return "spurious counts"
	}
	return ""
}

// TestMonitorNeverWorse runs Spectral with growing iteration budgets and no
// quality stop: the returned coarsening must never rank worse as the budget
// grows, and its Quality must be that of the returned Iterate. With the
// default tolerance, the rule (not a limit) must end the run, so larger
// limits return the same Iterate.
func TestMonitorNeverWorse(t *testing.T) {
	ctx := context.Background()
	L, mass := gridOperators(t, 12, 7)
	n := len(mass)
	const m = 40
	scale := Scale(L, mass)
	var prev *Result
	for _, iters := range []int{firstCheck, 2 * firstCheck, 4 * firstCheck, 8 * firstCheck} {
		res, err := Spectral(ctx, L, mass, m, &Options{Seed: 1, QualityTol: -1, SolveShare: -1, Settings: &sparsels.Settings{MaxIterations: iters}})
		if err != nil {
			t.Fatal(err)
		}
		q := res.Quality
		if res.Stopped != "" || res.Solve.Iterations != iters {
			t.Fatalf("%d iterations: the run stopped at %d (%q)", iters, res.Solve.Iterations, res.Stopped)
		}
		// The quality is that of the returned iterate.
		kq := len(q.FineValues)
		d := res.Problem
		Lc, _ := coarse(t, L, m, d.Rows, d.Cols, res.Iterate)
		fresh, err := Measure(ctx, res.Values[:kq], res.Vectors.Slice(0, n, 0, kq).(*mat.Dense),
			Lc, res.Mc, res.Clustering.Roots, scale, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameQuality(q, fresh, 1e-10); diff != "" {
			t.Errorf("%d iterations: Quality differs from a fresh Measure of Iterate in the %s", iters, diff)
		}
		// The result is the first best check by the monitor's ranking.
		best := -1
		for i, c := range res.Checks {
			if d, bd := max(c.Unmatched, c.Excess, 0), 0; best >= 0 {
				b := res.Checks[best]
				bd = max(b.Unmatched, b.Excess, 0)
				if d < bd || d == bd && c.Score < b.Score {
					best = i
				}
			} else {
				best = i
			}
		}
		if b := res.Checks[best]; res.Iteration != b.Iteration || res.Energy != b.Energy || q.Score() != b.Score {
			t.Errorf("%d iterations: result from iteration %d (energy %v, score %v), best check at %d (%v, %v)",
				iters, res.Iteration, res.Energy, q.Score(), b.Iteration, b.Energy, b.Score)
		}
		if prev != nil {
			// Checks are deterministic: the shorter run's are a prefix.
			for i, c := range prev.Checks {
				c.Elapsed = res.Checks[i].Elapsed
				if c != res.Checks[i] {
					t.Fatalf("%d iterations: check %d is %+v, with fewer iterations %+v", iters, i, res.Checks[i], c)
				}
			}
			pq := prev.Quality
			if q.Defects() > pq.Defects() || q.Defects() == pq.Defects() && q.Score() > pq.Score() {
				t.Errorf("%d iterations: %d defects, score %v; worse than with fewer iterations (%d, %v)",
					iters, q.Defects(), q.Score(), pq.Defects(), pq.Score())
			}
		}
		prev = res
	}

	// With the default tolerance and the time rule off, the quality rule
	// ends the run: larger iteration or time limits change nothing.
	start := time.Now()
	ref, err := Spectral(ctx, L, mass, m, &Options{Seed: 1, SolveShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if ref.Stopped == "" || ref.Solve.Status != sparsels.UserStop {
		t.Fatalf("default tolerance: the monitor did not stop the run (%v, %q)", ref.Solve.Status, ref.Stopped)
	}
	// The rule replayed on the checks of the longest run above.
	stopIt, bestIt := replayRule(prev.Checks, defaultQualityTol)
	if ref.Solve.Iterations != stopIt || ref.Iteration != bestIt {
		t.Errorf("default tolerance: stopped at %d with the best at %d (%q); the rule on the checks stops at %d with the best at %d",
			ref.Solve.Iterations, ref.Iteration, ref.Stopped, stopIt, bestIt)
	}
	for _, set := range []sparsels.Settings{{MaxIterations: 20000}, {TimeLimit: 2 * elapsed}, {TimeLimit: 5 * elapsed}} {
		res, err := Spectral(ctx, L, mass, m, &Options{Seed: 1, SolveShare: -1, Settings: &set})
		if err != nil {
			t.Fatal(err)
		}
		if res.Solve.Status == sparsels.TimeLimit {
			// A loaded machine ran slower than the first run: nothing to compare.
			t.Logf("%+v: the time limit ended the run at iteration %d", set, res.Solve.Iterations)
			continue
		}
		if !slices.Equal(res.Iterate, ref.Iterate) || res.Iteration != ref.Iteration || res.Stopped != ref.Stopped {
			t.Errorf("%+v: iterate from iteration %d (%q), default limits %d (%q)", set, res.Iteration, res.Stopped, ref.Iteration, ref.Stopped)
		}
	}
}

// replayRule applies the monitor's stopping rule to checks, made at 0, 25,
// 50, … iterations of a run that did not stop: it returns the iteration at
// which the rule with tolerance tol stops (that of the last check if it does
// not) and the iteration of the best check then.
func replayRule(checks []Check, tol float64) (stop, best int) {
	defects := func(c Check) int { return max(c.Unmatched, c.Excess, 0) }
	b := checks[0]
	for _, c := range checks[1:] {
		prev := b.Score
		if defects(c) < defects(b) || defects(c) == defects(b) && c.Score < b.Score {
			b = c
		}
		if c.Iteration >= 2*firstCheck && defects(c) > defects(b) || c.Iteration >= firstRule && b.Score > (1-tol)*prev {
			return c.Iteration, b.Iteration
		}
	}
	return checks[len(checks)-1].Iteration, b.Iteration
}

// countingCtx is a context that is cancelled by the after-th call of Err
// (counting from 1): a cancellation at a chosen point inside a stage.
type countingCtx struct {
	context.Context
	cancel func()
	calls  atomic.Int64
	after  int64
}

func (c *countingCtx) Err() error {
	if c.calls.Add(1) >= c.after {
		c.cancel()
	}
	return c.Context.Err()
}

// TestSpectralCancelKeepsBest cancels Spectral right after its n-th quality
// check: the result must hold the best checked iterate so far, with its G,
// Lc, energy and quality, next to an error wrapping context.Canceled.
// Cancelled during the eigenpairs, Spectral returns no result.
func TestSpectralCancelKeepsBest(t *testing.T) {
	L, mass := gridOperators(t, 12, 7)
	const m = 40
	for _, after := range []int{1, 2, 3, 5} {
		ctx, cancel := context.WithCancel(context.Background())
		var checks []Check
		iterates := map[int][]float64{} // the iterates at the checks after the start
		opts := &Options{Seed: 1, QualityTol: -1, SolveShare: -1,
			Settings: &sparsels.Settings{Callback: func(rec sparsels.IterationRecord) error {
				if len(checks) > 0 && rec.Iteration == checks[len(checks)-1].Iteration {
					iterates[rec.Iteration] = slices.Clone(rec.G)
				}
				return nil
			}},
			Progress: func(p Progress) {
				if p.Check != nil {
					if checks = append(checks, *p.Check); len(checks) == after {
						cancel()
					}
				}
			}}
		res, err := Spectral(ctx, L, mass, m, opts)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after check %d: error %v, want one wrapping context.Canceled", after, err)
		}
		if res == nil {
			t.Fatalf("cancelled after check %d: no result", after)
		}
		if res.G == nil || res.Lc == nil || res.Quality == nil || res.Iterate == nil {
			t.Fatalf("cancelled after check %d: G %v, Lc %v, Quality %v, Iterate %v; want all set",
				after, res.G != nil, res.Lc != nil, res.Quality != nil, res.Iterate != nil)
		}
		if len(res.Checks) != after || len(checks) != after {
			t.Fatalf("cancelled after check %d: %d checks in the result, %d reported", after, len(res.Checks), len(checks))
		}
		iterates[0] = res.Problem.G0
		best := checks[0]
		for _, c := range checks[1:] {
			if d, bd := c.Spurious+max(c.Excess, 0), best.Spurious+max(best.Excess, 0); d < bd || d == bd && c.Score < best.Score {
				best = c
			}
		}
		want, ok := iterates[best.Iteration]
		if !ok {
			t.Fatalf("cancelled after check %d: no iterate recorded at iteration %d", after, best.Iteration)
		}
		if !slices.Equal(res.Iterate, want) || res.Energy != best.Energy || res.Iteration != best.Iteration {
			t.Errorf("cancelled after check %d: iterate from iteration %d with energy %v; best check at %d with %v",
				after, res.Iteration, res.Energy, best.Iteration, best.Energy)
		}
		if res.Quality.Score() != best.Score || res.Quality.Defects() != max(best.Unmatched, best.Excess, 0) {
			t.Errorf("cancelled after check %d: quality score %v with %d defects, best check %v", after, res.Quality.Score(), res.Quality.Defects(), best)
		}
		d := res.Problem
		Lc, G := coarse(t, L, m, d.Rows, d.Cols, want)
		if !mat.Equal(toDense(res.Lc), toDense(Lc)) || !mat.Equal(toDense(res.G), toDense(G)) {
			t.Errorf("cancelled after check %d: G or Lc is not that of the best iterate", after)
		}
		t.Logf("cancelled after check %d (iteration %d): best at %d", after, checks[after-1].Iteration, best.Iteration)
	}

	// Cancelled at the start of the eigenpairs (from Progress) and inside
	// the eigensolver (by the k-th look at the context).
	for _, after := range []int64{0, 1, 2, 4} {
		base, cancel := context.WithCancel(context.Background())
		var ctx context.Context = base
		var progress func(Progress)
		if after == 0 {
			progress = func(p Progress) {
				if p.Stage == StageEigenpairs {
					cancel()
				}
			}
		} else {
			ctx = &countingCtx{Context: base, cancel: cancel, after: after + 1} // Spectral looks once before the solver
		}
		res, err := Spectral(ctx, L, mass, m, &Options{Seed: 1, Progress: progress})
		cancel()
		t.Logf("cancelled in the eigenpairs (%d): %v", after, err)
		if res != nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "eigenpairs") {
			t.Errorf("cancelled in the eigenpairs (%d): result %v, error %v; want nil and a wrapped context.Canceled", after, res != nil, err)
		}
	}
}

// TestWeights checks the column weights by hand and that Spectral's problem
// is Setup's with its columns of X and B weighted.
func TestWeights(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		values                  []float64
		scale                   float64
		uniform, root, relative []float64
		kq                      int // QualityK; 0 for len(values)
	}{
		// 1e-12 ≤ NullTol·10 counts as zero.
		{"zeros and positives", []float64{0, 1e-12, 0.5, 2, 8}, 10, []float64{1, 1, 1, 1, 1}, []float64{1, 1, 4, 2, 1}, []float64{1, 1, 16, 4, 1}, 0},
		{"negative rounding", []float64{-1e-15, 2, 8}, 8, []float64{1, 1, 1}, []float64{1, 2, 1}, []float64{1, 4, 1}, 0},
		// 1e-6 > NullTol·1: a small eigenvalue, not a zero one.
		{"small positive", []float64{0, 1e-6, 1e-4}, 1, []float64{1, 1, 1}, []float64{1, 10, 1}, []float64{1, 100, 1}, 0},
		{"all zero", []float64{0, 0}, 1, []float64{1, 1}, []float64{1, 1}, []float64{1, 1}, 0},
		{"one", []float64{3}, 5, []float64{1}, []float64{1}, []float64{1}, 0},
		// Eigenvectors beyond QualityK = 2 get a quarter of their weight.
		{"guards", []float64{0, 0.5, 2, 8}, 10, []float64{1, 1, 0.25, 0.25}, []float64{1, 4, 0.5, 0.25}, []float64{1, 16, 1, 0.25}, 2},
	} {
		for _, w := range []struct {
			w    Weighting
			want []float64
		}{{Uniform, tc.uniform}, {RootRelative, tc.root}, {Relative, tc.relative}} {
			kq := tc.kq
			if kq == 0 {
				kq = len(tc.values)
			}
			if got := w.w.weights(tc.values, tc.scale, kq); !floatsNear(got, w.want, 1e-12) {
				t.Errorf("%s: %v weights %v, want %v", tc.name, w.w, got, w.want)
			}
		}
	}

	// Spectral: X = Mc^{1/2} P M⁻¹ L U W and B = P U W with W the weights of
	// the first K eigenvalues, also when QualityK differs from K.
	ctx := context.Background()
	L, mass := gridOperators(t, 6, 9)
	n := len(mass)
	Ld := toDense(L)
	scale := gershgorin(Ld, mass)
	for _, tc := range []struct {
		w     Weighting
		k, kq int
	}{{RootRelative, 0, 0}, {Uniform, 5, 0}, {Relative, 5, 8}, {RootRelative, 6, 3}, {Relative, 4, 0}} {
		res, err := Spectral(ctx, L, mass, 15, &Options{Weighting: tc.w, K: tc.k, QualityK: tc.kq, Seed: 2,
			SkipQuality: true, Settings: &sparsels.Settings{MaxIterations: 1}})
		if err != nil {
			t.Fatal(err)
		}
		k := tc.k
		if k == 0 {
			k = 5 // round(15/3)
		}
		if want := max(k, tc.kq); len(res.Values) != want {
			t.Fatalf("%v, K %d, QualityK %d: %d eigenpairs, want %d", tc.w, tc.k, tc.kq, len(res.Values), want)
		}
		want := make([]float64, k)
		top := res.Values[k-1]
		for j, v := range res.Values[:k] {
			switch {
			case v <= 1e-8*scale || tc.w == Uniform:
				want[j] = 1
			case tc.w == Relative:
				want[j] = top / v
			default:
				want[j] = math.Sqrt(top / v)
			}
			if kq := tc.kq; kq > 0 && j >= kq {
				want[j] *= guardWeight
			}
		}
		if !floatsNear(res.Weights, want, 1e-12) {
			t.Errorf("%v, K %d, QualityK %d: weights %v, want %v", tc.w, tc.k, tc.kq, res.Weights, want)
		}
		U := mat.DenseCopyOf(res.Vectors.Slice(0, n, 0, k))
		d, err := Setup(L, mass, U, res.Clustering)
		if err != nil {
			t.Fatal(err)
		}
		X, _, B, _ := denseProblem(Ld, mass, U, res.Clustering)
		W := mat.NewDiagDense(k, want)
		for _, c := range []struct {
			name      string
			got, want mat.Matrix
		}{{"X", res.Problem.X, d.X}, {"B", res.Problem.B, d.B}, {"X (dense)", res.Problem.X, X}, {"B (dense)", res.Problem.B, B}} {
			var ww mat.Dense
			ww.Mul(c.want, W)
			if !mat.EqualApprox(c.got, &ww, 1e-12*mat.Norm(&ww, math.Inf(1))) {
				t.Errorf("%v, K %d, QualityK %d: %s is not the unweighted one times the weights", tc.w, tc.k, tc.kq, c.name)
			}
		}
	}
}

// TestMonitorStoppedOnlyWhenItStops ends the solver between two checks (by
// its iteration limit): the monitor checks the final iterate but did not end
// the run, so Result.Stopped must stay empty whatever that check finds.
func TestMonitorStoppedOnlyWhenItStops(t *testing.T) {
	L, mass := gridOperators(t, 12, 7)
	for _, iters := range []int{30, 73, 150} {
		res, err := Spectral(context.Background(), L, mass, 40, &Options{Seed: 1, Settings: &sparsels.Settings{MaxIterations: iters}})
		if err != nil {
			t.Fatal(err)
		}
		last := res.Checks[len(res.Checks)-1]
		if res.Solve.Status == sparsels.UserStop {
			// The rule ended the run at a check (at 100 on this problem).
			if res.Stopped == "" || last.Iteration != res.Solve.Iterations {
				t.Errorf("%d iterations: the monitor stopped the run at %d without saying why (last check at %d)", iters, res.Solve.Iterations, last.Iteration)
			}
			continue
		}
		if res.Solve.Iterations != iters || last.Iteration != iters {
			t.Fatalf("%d iterations: solver ended at %d (%v), last check at %d", iters, res.Solve.Iterations, res.Solve.Status, last.Iteration)
		}
		if res.Stopped != "" {
			t.Errorf("%d iterations: the solver ended by its %v, but Stopped = %q", iters, res.Solve.Status, res.Stopped)
		}
	}
}

// TestWatchRule drives the monitor's stopping rule with made-up checks: the
// quality rule stops the run only from iteration firstRule on, spurious
// pairs and the time rule from the first check after the start; a negative
// tolerance turns the quality rules off and a zero budget the time rule.
func TestWatchRule(t *testing.T) {
	q := func(score float64, defects int) *Quality {
		return &Quality{MeanEigenvalueError: score, MaxEigenvalueError: score, OffDiagonalEnergy: score, Unmatched: defects}
	}
	const s = time.Second
	for _, tc := range []struct {
		name   string
		tol    float64
		budget time.Duration
		checks []*Quality // at iterations 0, 100, 200, 400, …
		solve  []time.Duration
		stop   string // prefix of the reason at the last check; empty for none
	}{
		{"gains", 0.5, 0, []*Quality{q(1, 0), q(0.4, 0), q(0.1, 0), q(0.04, 0)}, []time.Duration{0, s, 2 * s, 4 * s}, ""},
		{"stalls at 200", 0.5, 0, []*Quality{q(1, 0), q(0.4, 0), q(0.3, 0)}, []time.Duration{0, s, 2 * s}, "quality improved by 25%"},
		{"no stall rule at 100", 0.5, 0, []*Quality{q(1, 0), q(0.9, 0)}, []time.Duration{0, s}, ""},
		{"spurious at 100", 0.5, 0, []*Quality{q(1, 0), q(0.1, 1)}, []time.Duration{0, s}, "1 spurious eigenpairs at iteration 100"},
		{"time at 200", 0.5, 3 * s, []*Quality{q(1, 0), q(0.4, 0), q(0.1, 0)}, []time.Duration{0, s, 2 * s}, "time: iterations 200 to 400"},
		{"time within budget", 0.5, 5 * s, []*Quality{q(1, 0), q(0.4, 0), q(0.1, 0)}, []time.Duration{0, s, 2 * s}, ""},
		{"time at 100", 0.5, s, []*Quality{q(1, 0), q(0.4, 0)}, []time.Duration{0, 3 * s}, "time: iterations 100 to 200"},
		{"time rule with quality off", -1, 3 * s, []*Quality{q(1, 0), q(0.9, 1), q(0.95, 0)}, []time.Duration{0, s, 2 * s}, "time:"},
		{"everything off", -1, 0, []*Quality{q(1, 0), q(0.9, 1), q(0.95, 0), q(0.95, 0)}, []time.Duration{0, s, 2 * s, 4 * s}, ""},
	} {
		w := &watch{tol: tc.tol, budget: tc.budget}
		var got string
		for i, c := range tc.checks {
			iter := 0
			if i > 0 {
				iter = firstCheck << (i - 1)
			}
			if got != "" {
				t.Fatalf("%s: stopped before the last check: %q", tc.name, got)
			}
			if stop := w.judge(c, iter, tc.solve[i], 0, nil); stop != (w.stopped != "") {
				t.Fatalf("%s: judge says stop %v with the reason %q", tc.name, stop, w.stopped)
			}
			got = w.stopped
		}
		if tc.stop == "" && got != "" || !strings.HasPrefix(got, tc.stop) {
			t.Errorf("%s: rule %q, want %q", tc.name, got, tc.stop)
		}
	}
}
