package cholesky

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// shiftedLaplacian returns L + diag(shift) for the Laplacian triplets ts.
func shifted(n int, ts []triplet, shift []float64) *sparse.CSR {
	ts = slices.Clone(ts)
	for i, s := range shift {
		ts = append(ts, triplet{i, i, s})
	}
	return sparsetest.BuildCSR(n, ts)
}

func testSPDMatrices() []struct {
	name string
	a    *sparse.CSR
} {
	rnd := rand.New(rand.NewPCG(1, 2))
	grid := sparsetest.GraphLaplacian(20*15, sparsetest.GridEdges(20, 15))
	gridShift := make([]float64, 300)
	for i := range gridShift {
		gridShift[i] = 0.01 + rnd.Float64()
	}
	geo := sparsetest.GraphLaplacian(250, sparsetest.GeometricEdges(250, 0.12, rnd))
	geoShift := make([]float64, 250)
	for i := range geoShift {
		geoShift[i] = 1e-3
	}
	pathShift := make([]float64, 100)
	pathShift[0] = 1
	return []struct {
		name string
		a    *sparse.CSR
	}{
		{"grid20x15+diag", shifted(300, grid, gridShift)},
		{"shuffledGrid", permuteSym(shifted(300, grid, gridShift), rnd.Perm(300))},
		{"geometric250", shifted(250, geo, geoShift)},
		{"path100+e0", shifted(100, sparsetest.GraphLaplacian(100, func() []triplet {
			var es []triplet
			for i := 0; i+1 < 100; i++ {
				es = append(es, triplet{i, i + 1, 1})
			}
			return es
		}()), pathShift)},
		{"1x1", sparsetest.BuildCSR(1, []triplet{{0, 0, 4}})},
	}
}

func TestCholeskySolve(t *testing.T) {
	for _, tc := range testSPDMatrices() {
		n, _ := tc.a.Dims()
		dense := sparsetest.Dense(tc.a)
		sym := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				sym.SetSym(i, j, dense.At(i, j))
			}
		}
		var ref mat.Cholesky
		if !ref.Factorize(sym) {
			t.Fatalf("%s: reference factorization failed", tc.name)
		}
		rcmPerm, err := ReverseCuthillMcKee(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(3, 4))
		b := make([]float64, n)
		for i := range b {
			b[i] = rnd.NormFloat64()
		}
		var want mat.VecDense
		if err := ref.SolveVecTo(&want, mat.NewVecDense(n, b)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			name string
			perm []int
		}{{"md", nil}, {"rcm", rcmPerm}, {"natural", identityPerm(n)}} {
			var c Cholesky
			if err := c.Factorize(tc.a, p.perm); err != nil {
				t.Fatalf("%s/%s: %v", tc.name, p.name, err)
			}
			x := c.SolveTo(nil, b)
			// Residual relative to ‖A‖_F ‖x‖.
			var ax mat.VecDense
			ax.MulVec(dense, mat.NewVecDense(n, x))
			ax.SubVec(&ax, mat.NewVecDense(n, b))
			rel := mat.Norm(&ax, 2) / (mat.Norm(dense, 2) * floats.Norm(x, 2))
			if rel > 1e-14 {
				t.Errorf("%s/%s: relative residual %g", tc.name, p.name, rel)
			}
			diff := floats.Distance(x, want.RawVector().Data, math.Inf(1))
			if diff > 1e-10*floats.Norm(x, math.Inf(1)) {
				t.Errorf("%s/%s: solution differs from dense Cholesky by %g", tc.name, p.name, diff)
			}
			if got, want := c.LogDet(), ref.LogDet(); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("%s/%s: LogDet = %v, want %v", tc.name, p.name, got, want)
			}
			// In-place solve agrees.
			y := slices.Clone(b)
			c.SolveTo(y, y)
			if !floats.Equal(x, y) {
				t.Errorf("%s/%s: in-place SolveTo differs", tc.name, p.name)
			}
			// Multiple right-hand sides agree with single solves.
			const m = 3
			bm := mat.NewDense(n, m, nil)
			for i := 0; i < n; i++ {
				for j := 0; j < m; j++ {
					bm.Set(i, j, rnd.NormFloat64())
				}
			}
			xm := c.SolveMatTo(nil, bm)
			// A non-Dense right-hand side (transpose view) gives the same.
			if xt := c.SolveMatTo(nil, mat.DenseCopyOf(bm.T()).T()); !mat.Equal(xt, xm) {
				t.Errorf("%s/%s: SolveMatTo differs for a non-Dense right-hand side", tc.name, p.name)
			}
			// SolveManyTo, in place on the columns of bm one after another.
			many := mat.DenseCopyOf(bm.T()).RawMatrix().Data
			c.SolveManyTo(many, many, m)
			for j := 0; j < m; j++ {
				xj := c.SolveTo(nil, mat.Col(nil, j, bm))
				if d := floats.Distance(xj, mat.Col(nil, j, xm), math.Inf(1)); d > 1e-12*floats.Norm(xj, math.Inf(1)) {
					t.Errorf("%s/%s: SolveMatTo column %d differs by %g", tc.name, p.name, j, d)
				}
				if d := floats.Distance(xj, many[j*n:(j+1)*n], math.Inf(1)); d > 1e-12*floats.Norm(xj, math.Inf(1)) {
					t.Errorf("%s/%s: SolveManyTo right-hand side %d differs by %g", tc.name, p.name, j, d)
				}
			}
		}
	}
}

// TestCholeskyHandComputed checks a 3×3 factor against hand-computed values:
// A = [4 2 0; 2 5 3; 0 3 10] has L = [2 0 0; 1 2 0; 0 1.5 sqrt(7.75)].
func TestCholeskyHandComputed(t *testing.T) {
	a := sparsetest.BuildCSR(3, []triplet{{0, 0, 4}, {1, 0, 2}, {0, 1, 2}, {1, 1, 5}, {2, 1, 3}, {1, 2, 3}, {2, 2, 10}})
	var c Cholesky
	if err := c.Factorize(a, identityPerm(3)); err != nil {
		t.Fatal(err)
	}
	if c.NNZ() != 5 {
		t.Errorf("NNZ = %d, want 5", c.NNZ())
	}
	want := []float64{2, 1, 2, 1.5, math.Sqrt(7.75)}
	if !floats.EqualApprox(c.val, want, 1e-15) {
		t.Errorf("L values = %v, want %v", c.val, want)
	}
	// A x = b with x = (1, -1, 2): b = (2, 3, 17).
	x := c.SolveTo(nil, []float64{2, 3, 17})
	if !floats.EqualApprox(x, []float64{1, -1, 2}, 1e-14) {
		t.Errorf("x = %v, want [1 -1 2]", x)
	}
	// The empty matrix factorizes.
	var e Cholesky
	if err := e.Factorize(sparse.NewCSR(0, 0, []int{0}, nil, nil), nil); err != nil || len(e.SolveTo(nil, nil)) != 0 {
		t.Errorf("empty matrix: %v", err)
	}
}

// TestCholeskyLowerDuplicates checks that only the lower triangle is read,
// that duplicates are summed and that unsorted columns are accepted.
func TestCholeskyLowerDuplicates(t *testing.T) {
	// Lower triangle of [4 2 0; 2 5 3; 0 3 10] with the (1,1) entry split in
	// two, columns out of order and a garbage upper triangle.
	indptr := []int{0, 2, 6, 8}
	ind := []int{2, 0, 1, 0, 1, 2, 2, 1}
	data := []float64{99, 4, 3, 2, 2, -7, 10, 3}
	a := sparse.NewCSR(3, 3, indptr, ind, data)
	var c Cholesky
	perm := []int{2, 0, 1}
	if err := c.Factorize(a, perm); err != nil {
		t.Fatal(err)
	}
	perm[0] = 1 // Factorize copies perm.
	if got := c.Perm(); !slices.Equal(got, []int{2, 0, 1}) {
		t.Errorf("Perm = %v, want [2 0 1]", got)
	}
	x := c.SolveTo(nil, []float64{2, 3, 17})
	if !floats.EqualApprox(x, []float64{1, -1, 2}, 1e-14) {
		t.Errorf("x = %v, want [1 -1 2]", x)
	}
}

// TestFactorNNZ checks the symbolic count against the factorization itself,
// for the default ordering, the identity and reverse Cuthill–McKee, and a
// dense count of the nonzeros of the factor computed by gonum.
func TestFactorNNZ(t *testing.T) {
	for _, tc := range testSPDMatrices() {
		n, _ := tc.a.Dims()
		ident := make([]int, n)
		for i := range ident {
			ident[i] = i
		}
		rcm, err := ReverseCuthillMcKee(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		for _, perm := range [][]int{nil, ident, rcm} {
			var c Cholesky
			if err := c.Factorize(tc.a, perm); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got, err := FactorNNZ(tc.a, perm)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got != c.NNZ() {
				t.Errorf("%s: FactorNNZ = %d, factorization stores %d", tc.name, got, c.NNZ())
			}
		}
	}
	// The identity ordering of a path Laplacian fills nothing: 2n−1
	// entries; an arrow matrix with its hub first fills completely.
	if got, err := FactorNNZ(sparsetest.PathLaplacian(7), []int{0, 1, 2, 3, 4, 5, 6}); err != nil || got != 13 {
		t.Errorf("path of 7: FactorNNZ = %d, %v; want 13", got, err)
	}
	var arrow []triplet
	for i := 1; i < 6; i++ {
		arrow = append(arrow, triplet{0, i, 1})
	}
	A := sparsetest.BuildCSR(6, sparsetest.GraphLaplacian(6, arrow))
	// Shift to make it positive definite: a Laplacian plus the identity.
	raw := A.RawMatrix()
	for i := range 6 {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if raw.Ind[p] == i {
				raw.Data[p]++
			}
		}
	}
	if got, err := FactorNNZ(A, []int{0, 1, 2, 3, 4, 5}); err != nil || got != 21 {
		t.Errorf("arrow, hub first: FactorNNZ = %d, %v; want 21 (dense lower triangle)", got, err)
	}
	if got, err := FactorNNZ(A, []int{1, 2, 3, 4, 5, 0}); err != nil || got != 11 {
		t.Errorf("arrow, hub last: FactorNNZ = %d, %v; want 11", got, err)
	}
	if _, err := FactorNNZ(A, []int{0, 0, 1, 2, 3, 4}); err == nil {
		t.Error("FactorNNZ accepted a repeated index in perm")
	}
}
