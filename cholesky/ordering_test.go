package cholesky

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

func isPerm(p []int, n int) bool {
	if len(p) != n {
		return false
	}
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			return false
		}
	}
	return true
}

func TestOrderingsArePermutations(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	// Two components plus two isolated vertices, shuffled.
	var es []triplet
	for i := 0; i < 9; i++ {
		es = append(es, triplet{i, i + 1, 1})
	}
	for i := 12; i < 29; i++ {
		es = append(es, triplet{i, i + 1 + i%3, 1})
	}
	disconnected := sparsetest.BuildCSR(33, sparsetest.GraphLaplacian(33, es))
	for _, tc := range []struct {
		name string
		a    *sparse.CSR
	}{
		{"empty", sparse.NewCSR(0, 0, []int{0}, nil, nil)},
		{"single", sparsetest.BuildCSR(1, []triplet{{0, 0, 1}})},
		{"grid", sparsetest.GridLaplacian(13, 7)},
		{"shuffledGrid", permuteSym(sparsetest.GridLaplacian(13, 7), rnd.Perm(91))},
		{"disconnected", permuteSym(disconnected, rnd.Perm(33))},
		{"geometric", sparsetest.BuildCSR(200, sparsetest.GraphLaplacian(200, sparsetest.GeometricEdges(200, 0.15, rnd)))},
		{"upperOnly", sparsetest.BuildCSR(4, []triplet{{0, 3, 1}, {1, 2, 1}, {0, 1, 1}})},
	} {
		n, _ := tc.a.Dims()
		for _, o := range []struct {
			name string
			f    func(*sparse.CSR) ([]int, error)
		}{{"rcm", ReverseCuthillMcKee}, {"md", MinimumDegree}, {"nd", NestedDissection}, {"nd4", smallLeaves(4)}} {
			p, err := o.f(tc.a)
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.name, o.name, err)
			}
			if !isPerm(p, n) {
				t.Errorf("%s/%s: %v is not a permutation of 0..%d", tc.name, o.name, p, n-1)
			}
			p2, _ := o.f(tc.a)
			if !slices.Equal(p, p2) {
				t.Errorf("%s/%s: not deterministic", tc.name, o.name)
			}
		}
	}
}

func TestRCMReducesEnvelope(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const nx, ny = 30, 20
	a := permuteSym(sparsetest.GridLaplacian(nx, ny), rnd.Perm(nx*ny))
	natEnv, natBand, err := Envelope(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReverseCuthillMcKee(a)
	if err != nil {
		t.Fatal(err)
	}
	env, band, err := Envelope(a, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("30×20 grid: RCM envelope %d bandwidth %d; shuffled %d, %d", env, band, natEnv, natBand)
	// A breadth-first numbering of a 30×20 grid from a corner has levels of
	// at most 20 vertices, and an edge joins the same or adjacent levels, so
	// the bandwidth is below 2·20 and the envelope below n·2·20; a shuffled
	// order has bandwidth near n and envelope near n²/3.
	if band >= 2*ny || env >= 2*ny*nx*ny || env*10 > natEnv {
		t.Errorf("RCM envelope %d bandwidth %d; shuffled order envelope %d bandwidth %d", env, band, natEnv, natBand)
	}
	// The path graph in a shuffled order is restored to bandwidth 1.
	path := permuteSym(sparsetest.PathLaplacian(50), rnd.Perm(50))
	p, _ = ReverseCuthillMcKee(path)
	env, band, _ = Envelope(path, p)
	if band != 1 || env != 49 {
		t.Errorf("path: RCM envelope %d bandwidth %d, want 49 and 1", env, band)
	}
}

func TestEnvelopeHandComputed(t *testing.T) {
	// Pattern with off-diagonal pairs {0,3}, {1,2}: rows 0..3 have first
	// columns 0, 1, 1, 0 so the envelope is 0+0+1+3 = 4, bandwidth 3.
	a := sparsetest.BuildCSR(4, []triplet{{0, 3, 1}, {2, 1, 1}})
	env, band, err := Envelope(a, nil)
	if err != nil || env != 4 || band != 3 {
		t.Errorf("got %d %d %v, want 4 3 <nil>", env, band, err)
	}
	// Order 0,3,1,2 gives first columns 0,0,2,2: envelope 1+1 = 2, bandwidth 1.
	env, band, err = Envelope(a, []int{0, 3, 1, 2})
	if err != nil || env != 2 || band != 1 {
		t.Errorf("got %d %d %v, want 2 1 <nil>", env, band, err)
	}
	if _, _, err := Envelope(a, []int{0, 1}); err == nil {
		t.Error("no error for short permutation")
	}
}

// TestMinimumDegreeFill checks the fill of the minimum degree ordering: on a
// star no fill at all (leaves first), and on a shuffled grid much less than
// RCM and the shuffled order.
func TestMinimumDegreeFill(t *testing.T) {
	const leaves = 20
	var es []triplet
	for i := 1; i <= leaves; i++ {
		es = append(es, triplet{0, i, 1})
	}
	star := sparsetest.BuildCSR(leaves+1, sparsetest.GraphLaplacian(leaves+1, es))
	p, err := MinimumDegree(star)
	if err != nil {
		t.Fatal(err)
	}
	// The centre goes when at most one leaf is left (degree ties then).
	if at := slices.Index(p, 0); at < leaves-1 {
		t.Errorf("star centre eliminated at step %d, want ≥ %d", at, leaves-1)
	}

	rnd := rand.New(rand.NewPCG(9, 10))
	const nx, ny = 40, 40
	a := shuffledGrid(nx, ny, rnd)
	md, _ := MinimumDegree(a)
	rcmP, _ := ReverseCuthillMcKee(a)
	nMD, nRCM, nNat := factorNNZ(t, a, md), factorNNZ(t, a, rcmP), factorNNZ(t, a, identityPerm(nx*ny))
	t.Logf("nnz(L) on shuffled %dx%d grid: MD %d, RCM %d, shuffled %d", nx, ny, nMD, nRCM, nNat)
	if !(nMD < nRCM && nRCM < nNat) || nMD > 15*nx*ny {
		t.Errorf("nnz(L): MD %d, RCM %d, shuffled %d", nMD, nRCM, nNat)
	}
	var c Cholesky
	if err := c.Factorize(star, md[:0:0]); err == nil {
		t.Error("no error for empty permutation")
	}
	if err := c.Factorize(shifted(leaves+1, sparsetest.GraphLaplacian(leaves+1, es), []float64{1}), p); err != nil {
		t.Fatal(err)
	}
	if c.NNZ() != 2*leaves+1 {
		t.Errorf("star nnz(L) = %d, want %d (no fill)", c.NNZ(), 2*leaves+1)
	}
}

// smallLeaves returns NestedDissection with leaves of at most leaf vertices,
// so that small test graphs are dissected down to a few vertices.
func smallLeaves(leaf int) func(*sparse.CSR) ([]int, error) {
	return func(a *sparse.CSR) ([]int, error) {
		defer func(old int) { dissectionLeaf = old }(dissectionLeaf)
		dissectionLeaf = leaf
		return NestedDissection(a)
	}
}

// TestNestedDissectionFill checks the nested dissection ordering on grids
// large enough to be dissected: a factor within 1.6 times the size of the
// minimum degree one and far below RCM's, on a shuffled grid, and the
// default ordering of Factorize above mdCutoff.
func TestNestedDissectionFill(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ nx, ny int }{{60, 60}, {120, 30}, {1000, 3}} {
		a := shuffledGrid(tc.nx, tc.ny, rnd)
		md, _ := MinimumDegree(a)
		rcmP, _ := ReverseCuthillMcKee(a)
		nMD, nRCM := factorNNZ(t, a, md), factorNNZ(t, a, rcmP)
		for _, leaf := range []int{16, dissectionLeaf} {
			nd, err := smallLeaves(leaf)(a)
			if err != nil {
				t.Fatal(err)
			}
			nND := factorNNZ(t, a, nd)
			t.Logf("nnz(L) on shuffled %dx%d grid: ND (leaves ≤ %d) %d, MD %d, RCM %d", tc.nx, tc.ny, leaf, nND, nMD, nRCM)
			if float64(nND) > 1.6*float64(nMD) || (tc.ny > 3 && nND > nRCM) {
				t.Errorf("%dx%d leaves ≤ %d: nnz(L) ND %d, MD %d, RCM %d", tc.nx, tc.ny, leaf, nND, nMD, nRCM)
			}
		}
	}

	const nx = 150 // n = 22500 > mdCutoff
	a := sparsetest.GridLaplacian(nx, nx)
	raw := a.RawMatrix()
	for i := 0; i < nx*nx; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if raw.Ind[p] == i {
				raw.Data[p] += 1e-2
			}
		}
	}
	var c Cholesky
	if err := c.Factorize(a, nil); err != nil {
		t.Fatal(err)
	}
	nd, _ := NestedDissection(a)
	if !slices.Equal(c.Perm(), nd) {
		t.Errorf("Factorize at n = %d does not use NestedDissection by default", nx*nx)
	}
}

// shuffledGrid returns the Laplacian of the nx×ny grid graph plus 0.1·I,
// symmetrically permuted by rnd.Perm.
func shuffledGrid(nx, ny int, rnd *rand.Rand) *sparse.CSR {
	n := nx * ny
	ts := sparsetest.GraphLaplacian(n, sparsetest.GridEdges(nx, ny))
	for i := 0; i < n; i++ {
		ts = append(ts, triplet{i, i, 0.1})
	}
	return permuteSym(sparsetest.BuildCSR(n, ts), rnd.Perm(n))
}

// factorNNZ returns nnz(L) of the factorization of a under perm, failing the
// test if it fails.
func factorNNZ(t *testing.T, a *sparse.CSR, perm []int) int {
	t.Helper()
	var c Cholesky
	if err := c.Factorize(a, perm); err != nil {
		t.Fatal(err)
	}
	return c.NNZ()
}
