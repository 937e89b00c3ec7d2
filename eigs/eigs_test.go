package eigs

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// reference solves L u = λ M u densely: it returns all eigenvalues ascending
// and the M-orthonormal eigenvectors as columns.
func reference(t *testing.T, l *sparse.CSR, mass []float64) ([]float64, *mat.Dense) {
	t.Helper()
	n := len(mass)
	dl := sparsetest.Dense(l)
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.SetSym(i, j, 0.5*(dl.At(i, j)+dl.At(j, i))/math.Sqrt(mass[i]*mass[j]))
		}
	}
	var es mat.EigenSym
	if !es.Factorize(a, true) {
		t.Fatal("reference eigensolver failed")
	}
	var v mat.Dense
	es.VectorsTo(&v)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v.Set(i, j, v.At(i, j)/math.Sqrt(mass[i]))
		}
	}
	return es.Values(nil), &v
}

// gershgorin returns max_i Σ_j |A[i,j]| for A = M^{-1/2} L M^{-1/2}.
func gershgorin(l *sparse.CSR, mass []float64) float64 {
	dl := sparsetest.Dense(l)
	n := len(mass)
	var g float64
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < n; j++ {
			s += math.Abs(dl.At(i, j)) / math.Sqrt(mass[i]*mass[j])
		}
		g = math.Max(g, s)
	}
	return g
}

// checkEigenpairs verifies values and vectors against the dense reference:
// eigenvalues to 1e-9 relative (absolute for |λ| < 1e-6), eigenvectors up to
// sign (simple eigenvalues) or by their distance from the reference subspace
// (clusters of eigenvalues equal to 1e-8 relative), in max norm to vecTol;
// residuals ‖M^{-1/2}(L u − λ M u)‖ ≤ resTol·‖A‖, Uᵀ M U = I to
// 1e-10, and the sign convention.
func checkEigenpairs(t *testing.T, name string, l *sparse.CSR, mass []float64, k int,
	values []float64, u *mat.Dense, vecTol, resTol float64) {
	t.Helper()
	n := len(mass)
	if len(values) != k {
		t.Fatalf("%s: %d values, want %d", name, len(values), k)
	}
	if r, c := u.Dims(); r != n || c != k {
		t.Fatalf("%s: vectors %d×%d, want %d×%d", name, r, c, n, k)
	}
	ref, w := reference(t, l, mass)
	if ref[k]-ref[k-1] <= 1e-6*math.Abs(ref[k]) {
		t.Fatalf("%s: test problem splits a cluster at k = %d: %v %v", name, k, ref[k-1], ref[k])
	}
	for i, v := range values {
		tol := 1e-9 * math.Abs(ref[i])
		if math.Abs(ref[i]) < 1e-6 {
			tol = 1e-9
		}
		if math.Abs(v-ref[i]) > tol {
			t.Errorf("%s: λ_%d = %.17g, want %.17g (diff %.3g)", name, i, v, ref[i], v-ref[i])
		}
		if i > 0 && v < values[i-1] {
			t.Errorf("%s: values not ascending at %d", name, i)
		}
	}
	// M-weighted products.
	mu := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			mu.Set(i, j, mass[i]*u.At(i, j))
		}
	}
	var gram mat.Dense
	gram.Mul(u.T(), mu)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if d := math.Abs(gram.At(i, j) - want); d > 1e-10 {
				t.Errorf("%s: (UᵀMU)[%d,%d] = %v", name, i, j, gram.At(i, j))
			}
		}
	}
	var cross mat.Dense // Uᵀ M W
	cross.Mul(mu.T(), w.Slice(0, n, 0, k))
	for i0 := 0; i0 < k; {
		i1 := i0 + 1
		for i1 < k && ref[i1]-ref[i1-1] <= 1e-8*math.Max(1e-6, math.Abs(ref[i1])) {
			i1++
		}
		if i1-i0 == 1 {
			s := math.Copysign(1, cross.At(i0, i0))
			var d float64
			for r := 0; r < n; r++ {
				d = math.Max(d, math.Abs(u.At(r, i0)-s*w.At(r, i0)))
			}
			if d > vecTol {
				t.Errorf("%s: eigenvector %d differs from reference by %.3g", name, i0, d)
			}
		} else {
			// Distance of each u_a from the reference cluster subspace:
			// u_a − Σ_b (u_aᵀ M w_b) w_b.
			for a := i0; a < i1; a++ {
				var d float64
				for r := 0; r < n; r++ {
					e := u.At(r, a)
					for b := i0; b < i1; b++ {
						e -= cross.At(a, b) * w.At(r, b)
					}
					d = math.Max(d, math.Abs(e))
				}
				if d > vecTol {
					t.Errorf("%s: eigenvector %d is %.3g from the reference subspace of cluster %d..%d",
						name, a, d, i0, i1-1)
				}
			}
		}
		i0 = i1
	}
	// Residuals and sign convention.
	anorm := gershgorin(l, mass)
	dl := sparsetest.Dense(l)
	for j := 0; j < k; j++ {
		col := mat.Col(nil, j, u)
		var lu mat.VecDense
		lu.MulVec(dl, mat.NewVecDense(n, col))
		var r float64
		for i := 0; i < n; i++ {
			e := (lu.AtVec(i) - values[j]*mass[i]*col[i]) / math.Sqrt(mass[i])
			r += e * e
		}
		if r = math.Sqrt(r); r > resTol*anorm {
			t.Errorf("%s: residual of pair %d is %.3g·‖A‖", name, j, r/anorm)
		}
		big := 0
		for i := range col {
			if math.Abs(col[i]) > math.Abs(col[big]) {
				big = i
			}
		}
		if col[big] <= 0 {
			t.Errorf("%s: vector %d has largest entry %v, want positive", name, j, col[big])
		}
	}
}

func ones(n int) []float64 {
	m := make([]float64, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

func randomMass(n int, rnd *rand.Rand) []float64 {
	m := make([]float64, n)
	for i := range m {
		m[i] = 0.5 + 1.5*rnd.Float64()
	}
	return m
}

// TestSmallestPath compares against the closed form of the path graph:
// λ_j = 2 − 2cos(πj/n), u_j(i) ∝ cos(πj(i+½)/n).
func TestSmallestPath(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		set  *Settings
		long bool // skipped with -short
	}{
		{300, 20, nil, false},
		{300, 20, &Settings{BlockSize: 1}, true},
		{300, 40, &Settings{BlockSize: 3, KrylovDim: 90, Seed: 7}, false},
		{250, 10, &Settings{Shift: -0.5}, true},
		{30, 10, nil, false}, // KrylovDim lowered to n − BlockSize
		{30, 25, nil, false}, // dense path: k + 2·BlockSize > n − BlockSize
	} {
		if tc.long && testing.Short() {
			continue
		}
		l := sparsetest.PathLaplacian(tc.n)
		vals, vecs, err := Smallest(context.Background(), l, ones(tc.n), tc.k, tc.set)
		if err != nil {
			t.Fatalf("n=%d k=%d: %v", tc.n, tc.k, err)
		}
		for j := 0; j < tc.k; j++ {
			want := 2 - 2*math.Cos(math.Pi*float64(j)/float64(tc.n))
			tol := 1e-9 * want
			if j == 0 {
				tol = 1e-9
			}
			if math.Abs(vals[j]-want) > tol {
				t.Errorf("n=%d k=%d: λ_%d = %.17g, want %.17g", tc.n, tc.k, j, vals[j], want)
			}
			ref := make([]float64, tc.n)
			var nrm float64
			for i := range ref {
				ref[i] = math.Cos(math.Pi * float64(j) * (float64(i) + 0.5) / float64(tc.n))
				nrm += ref[i] * ref[i]
			}
			s := math.Copysign(1/math.Sqrt(nrm), vecs.At(0, j)*ref[0])
			var d float64
			for i := range ref {
				d = math.Max(d, math.Abs(vecs.At(i, j)-s*ref[i]))
			}
			if d > 1e-8 {
				t.Errorf("n=%d k=%d: eigenvector %d differs from closed form by %.3g", tc.n, tc.k, j, d)
			}
		}
		checkEigenpairs(t, "path", l, ones(tc.n), tc.k, vals, vecs, 1e-8, 1e-10)
	}
}

func TestSmallestAgainstDense(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	twoGrids := append(sparsetest.GridEdges(12, 10), func() []sparsetest.Triplet {
		var es []sparsetest.Triplet
		for _, e := range sparsetest.GridEdges(9, 9) {
			es = append(es, sparsetest.Triplet{e.I + 120, e.J + 120, e.V})
		}
		return es
	}()...)
	geo := sparsetest.GraphLaplacian(350, sparsetest.GeometricEdges(350, 0.1, rnd))
	for i := 0; i < 350; i++ {
		geo = append(geo, sparsetest.Triplet{i, i, 0.2 * rnd.Float64()})
	}
	// Nine copies of a 6×6 grid: multiplicities 9 (λ = 0) and 18, above the
	// block size, which the complement check must recover.
	var nine []sparsetest.Triplet
	for c := 0; c < 9; c++ {
		for _, e := range sparsetest.GridEdges(6, 6) {
			nine = append(nine, sparsetest.Triplet{36*c + e.I, 36*c + e.J, 1})
		}
	}
	nineGrids := sparsetest.BuildCSR(324, sparsetest.GraphLaplacian(324, nine))
	long := map[string]bool{ // skipped with -short
		"grid20x15/randomMass/b1": true, "grid16x16/b2/small": true, "geometricSPD/k100": true, "nineGrids": true,
	}
	for _, tc := range []struct {
		name string
		l    *sparse.CSR
		mass []float64
		k    int
		set  *Settings
	}{
		{"nineGrids/b1", nineGrids, ones(324), 27, &Settings{BlockSize: 1}},
		{"nineGrids", nineGrids, ones(324), 36, nil},
		{"grid20x15/randomMass", sparsetest.GridLaplacian(20, 15), randomMass(300, rnd), 30, nil},
		{"grid20x15/randomMass/b1", sparsetest.GridLaplacian(20, 15), randomMass(300, rnd), 30, &Settings{BlockSize: 1}},
		// Square grids have eigenvalues of multiplicity 2.
		{"grid16x16", sparsetest.GridLaplacian(16, 16), ones(256), 37, nil},
		{"grid16x16/b2/small", sparsetest.GridLaplacian(16, 16), ones(256), 37, &Settings{BlockSize: 2, KrylovDim: 80}},
		// Two components: the zero eigenvalue is double.
		{"twoGrids", sparsetest.BuildCSR(201, sparsetest.GraphLaplacian(201, twoGrids)), randomMass(201, rnd), 12, nil},
		// Positive definite: random geometric Laplacian plus a diagonal.
		{"geometricSPD", sparsetest.BuildCSR(350, geo), randomMass(350, rnd), 25, nil},
		// Path plus three isolated vertices (empty rows): λ = 0 four times.
		{"pathIsolated", sparsetest.BuildCSR(83, sparsetest.GraphLaplacian(83, func() []sparsetest.Triplet {
			var es []sparsetest.Triplet
			for i := 0; i+1 < 80; i++ {
				es = append(es, sparsetest.Triplet{i, i + 1, 1})
			}
			return es
		}())), randomMass(83, rnd), 8, nil},
		{"geometricSPD/k100", sparsetest.BuildCSR(350, geo), randomMass(350, rnd), 100, &Settings{KrylovDim: 220}},
	} {
		if long[tc.name] && testing.Short() {
			continue
		}
		vals, vecs, err := Smallest(context.Background(), tc.l, tc.mass, tc.k, tc.set)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		checkEigenpairs(t, tc.name, tc.l, tc.mass, tc.k, vals, vecs, 1e-8, 1e-10)
		if tc.name == "twoGrids" {
			// The null space is spanned by the component indicators.
			for j := 0; j < 2; j++ {
				var in, out float64
				for i := 0; i < 201; i++ {
					if i < 120 {
						in += tc.mass[i] * vecs.At(i, j)
					} else {
						out += tc.mass[i] * vecs.At(i, j)
					}
				}
				// u = a·1_A + b·1_B with Σ_A m u = a·m(A) and uᵀMu = a²m(A)+b²m(B) = 1.
				var mA, mB float64
				for i, m := range tc.mass {
					if i < 120 {
						mA += m
					} else {
						mB += m
					}
				}
				if d := in*in/mA + out*out/mB - 1; math.Abs(d) > 1e-10 {
					t.Errorf("twoGrids: null vector %d not in span of indicators (%.3g)", j, d)
				}
			}
		}
	}
}

func TestSmallestDeterministic(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 14))
	l := sparsetest.GridLaplacian(18, 17)
	mass := randomMass(306, rnd)
	v1, u1, err := Smallest(context.Background(), l, mass, 25, &Settings{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	v2, u2, _ := Smallest(context.Background(), l, mass, 25, &Settings{Seed: 5})
	if !slices.Equal(v1, v2) || !mat.Equal(u1, u2) {
		t.Error("results differ between identical calls")
	}
	v3, u3, err := Smallest(context.Background(), l, mass, 25, &Settings{Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	for i := range v1 {
		if math.Abs(v1[i]-v3[i]) > 1e-9*math.Max(v1[i], 1) {
			t.Errorf("seed changes λ_%d: %v vs %v", i, v1[i], v3[i])
		}
	}
	if !mat.EqualApprox(u1, u3, 1e-8) {
		t.Error("seed changes the eigenvectors beyond 1e-8 (sign convention)")
	}
}

// TestSmallestZero checks L = 0 (every λ is 0; the eigenvectors are any
// M-orthonormal set).
func TestSmallestZero(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 16))
	const n, k = 90, 6
	mass := randomMass(n, rnd)
	l := sparse.NewCSR(n, n, make([]int, n+1), nil, nil)
	vals, u, err := Smallest(context.Background(), l, mass, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range vals {
		if math.Abs(v) > 1e-14 {
			t.Errorf("λ_%d = %v, want 0", j, v)
		}
	}
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			var s float64
			for i := 0; i < n; i++ {
				s += u.At(i, a) * mass[i] * u.At(i, b)
			}
			if want := float64(b2i(a == b)); math.Abs(s-want) > 1e-10 {
				t.Errorf("(UᵀMU)[%d,%d] = %v", a, b, s)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSmallestRawInput checks duplicate entries and unsorted columns.
func TestSmallestRawInput(t *testing.T) {
	const n = 120
	clean := sparsetest.PathLaplacian(n)
	// The same matrix with each off-diagonal entry split in two and rows
	// reversed.
	raw := clean.RawMatrix()
	var ind []int
	var data []float64
	indptr := []int{0}
	for i := 0; i < n; i++ {
		for p := raw.Indptr[i+1] - 1; p >= raw.Indptr[i]; p-- {
			if raw.Ind[p] == i {
				ind = append(ind, i)
				data = append(data, raw.Data[p])
			} else {
				ind = append(ind, raw.Ind[p], raw.Ind[p])
				data = append(data, 0.25*raw.Data[p], 0.75*raw.Data[p])
			}
		}
		indptr = append(indptr, len(ind))
	}
	messy := sparse.NewCSR(n, n, indptr, ind, data)
	v1, u1, err := Smallest(context.Background(), clean, ones(n), 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, u2, err := Smallest(context.Background(), messy, ones(n), 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !floatsClose(v1, v2, 1e-12) || !mat.EqualApprox(u1, u2, 1e-9) {
		t.Error("duplicate/unsorted input changes the result")
	}
}

func floatsClose(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*math.Max(1, math.Abs(a[i])) {
			return false
		}
	}
	return len(a) == len(b)
}

func TestSmallestErrors(t *testing.T) {
	l := sparsetest.PathLaplacian(50)
	m := ones(50)
	withMass := func(i int, v float64) []float64 {
		mm := ones(50)
		mm[i] = v
		return mm
	}
	asym := sparsetest.BuildCSR(3, []sparsetest.Triplet{{0, 0, 1}, {0, 1, -1}, {1, 0, -0.5}, {1, 1, 1}, {2, 2, 1}})
	indefinite := sparsetest.BuildCSR(60, append(sparsetest.GraphLaplacian(60, sparsetest.GridEdges(6, 10)), sparsetest.Triplet{7, 7, -10}))
	for _, tc := range []struct {
		name string
		l    *sparse.CSR
		mass []float64
		k    int
		set  *Settings
		want string
	}{
		{"k0", l, m, 0, nil, "k = 0"},
		{"kNeg", l, m, -2, nil, "k = -2"},
		{"kN", l, m, 50, nil, "k = 50"},
		{"nil", nil, m, 3, nil, "nil"},
		{"nonSquare", sparse.NewCSR(3, 4, []int{0, 0, 0, 0}, nil, nil), m, 1, nil, "not square"},
		{"massLen", l, ones(49), 3, nil, "len(mass) = 49"},
		{"massZero", l, withMass(4, 0), 3, nil, "mass[4] = 0"},
		{"massNeg", l, withMass(5, -1), 3, nil, "mass[5] = -1"},
		{"massNaN", l, withMass(6, math.NaN()), 3, nil, "mass[6] = NaN"},
		{"massInf", l, withMass(7, math.Inf(1)), 3, nil, "mass[7] = +Inf"},
		{"lNaN", sparse.NewCSR(2, 2, []int{0, 1, 2}, []int{0, 1}, []float64{math.NaN(), 1}), ones(2), 1, nil, "L(0,0) is NaN"},
		{"asymmetric", asym, ones(3), 1, nil, "not symmetric"},
		{"indefinite", indefinite, ones(60), 3, nil, "not positive definite"},
		{"shiftTooLarge", l, m, 3, &Settings{Shift: 0.5}, "not positive definite"},
		{"tolNaN", l, m, 3, &Settings{Tol: math.NaN()}, "Tol"},
		{"tolNeg", l, m, 3, &Settings{Tol: -1}, "Tol"},
		{"shiftInf", l, m, 3, &Settings{Shift: math.Inf(-1)}, "Shift"},
		{"maxIterNeg", l, m, 3, &Settings{MaxIter: -1}, "negative"},
		{"blockNeg", l, m, 3, &Settings{BlockSize: -1}, "negative"},
		{"malformed", sparse.NewCSR(2, 2, []int{0, 3, 2}, []int{0, 1}, []float64{1, 1}), ones(2), 1, nil, "L "},
	} {
		vals, vecs, err := Smallest(context.Background(), tc.l, tc.mass, tc.k, tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "eigs: ") {
			t.Errorf("%s: error %v, want containing %q", tc.name, err, tc.want)
		}
		if vals != nil || vecs != nil {
			t.Errorf("%s: results returned with error", tc.name)
		}
	}
	// No convergence: an unattainable tolerance in one cycle.
	_, _, err := Smallest(context.Background(), sparsetest.GridLaplacian(30, 30), ones(900), 20, &Settings{Tol: 1e-30, MaxIter: 2})
	var ce *ConvergenceError
	if !errors.As(err, &ce) || ce.Wanted != 20 || ce.Iterations != 2 || ce.Converged != 0 || !(ce.Residual > 1e-30) {
		t.Errorf("error %#v, want ConvergenceError with 0 of 20 converged after 2 cycles", err)
	} else if !strings.Contains(err.Error(), "0 of 20 eigenpairs converged after 2 restart cycles") {
		t.Errorf("message %q", err)
	}
}
