package testprob

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// dense copies any matrix to a *mat.Dense through At (which sums COO duplicates).
func dense(a mat.Matrix) *mat.Dense {
	r, c := a.Dims()
	d := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			d.Set(i, j, a.At(i, j))
		}
	}
	return d
}

func kindOf(a mat.Matrix) Kind {
	switch a.(type) {
	case *mat.Dense:
		return Dense
	case *mat.DiagDense:
		return Diag
	case *sparse.CSR:
		return CSR
	case *sparse.CSC:
		return CSC
	case *sparse.COO:
		return COO
	case *sparse.DOK:
		return DOK
	}
	return -1
}

func TestRandom(t *testing.T) {
	for _, s := range []Spec{
		{N: 7, M: 5, R: 3, C: 4, NNZPerRow: 2, LKind: CSR, YKind: CSC, BKind: COO, Seed: 1},
		{N: 12, M: 9, R: 6, C: 2, NNZPerRow: 3, LKind: DOK, YKind: Dense, BKind: CSR, Symmetric: true, Seed: 2},
		{N: 10, M: 10, R: 10, C: 10, NNZPerRow: 4, LKind: Diag, YKind: Diag, BKind: Diag, Seed: 3},
		{N: 9, M: 8, R: 5, C: 3, NNZPerRow: 2.5, LKind: COO, YKind: DOK, BKind: CSC, EmptyRows: true, EmptyCols: true, Seed: 4},
		{N: 5, M: 4, R: 2, C: 3, NNZPerRow: 0.2, Seed: 5},
		{N: 3, M: 3, R: 1, C: 1, NNZPerRow: 100, EmptyRows: true, Seed: 6}, // clamped to the available positions
		{N: 4, M: 6, R: 2, C: 2, NNZPerRow: 0, Seed: 7},
	} {
		inst := Random(s)
		if got := kindOf(inst.L); got != s.LKind {
			t.Errorf("seed %d: L stored as %v, want %v", s.Seed, got, s.LKind)
		}
		if got := kindOf(inst.Y); got != s.YKind {
			t.Errorf("seed %d: Y stored as %v, want %v", s.Seed, got, s.YKind)
		}
		if got := kindOf(inst.B); got != s.BKind {
			t.Errorf("seed %d: B stored as %v, want %v", s.Seed, got, s.BKind)
		}
		if kindOf(inst.X) != Dense {
			t.Errorf("seed %d: X is %T, want *mat.Dense", s.Seed, inst.X)
		}
		for _, c := range []struct {
			name       string
			a          mat.Matrix
			rows, cols int
		}{{"X", inst.X, s.R, s.C}, {"Y", inst.Y, s.R, s.M}, {"L", inst.L, s.N, s.N}, {"B", inst.B, s.M, s.C}} {
			if r, cc := c.a.Dims(); r != c.rows || cc != c.cols {
				t.Errorf("seed %d: %s is %d×%d, want %d×%d", s.Seed, c.name, r, cc, c.rows, c.cols)
			}
		}

		availRows, availCols := s.N, s.M
		if s.EmptyRows {
			availRows -= max(1, s.N/3)
		}
		if s.EmptyCols {
			availCols -= max(1, s.M/3)
		}
		wantNNZ := min(int(math.Round(s.NNZPerRow*float64(s.N))), availRows*availCols)
		if len(inst.I) != wantNNZ || len(inst.J) != wantNNZ || len(inst.G) != wantNNZ {
			t.Errorf("seed %d: pattern lengths %d %d %d, want %d", s.Seed, len(inst.I), len(inst.J), len(inst.G), wantNNZ)
		}
		seen := map[[2]int]int{}
		rowsUsed := map[int]bool{}
		colsUsed := map[int]bool{}
		for k := range inst.I {
			i, j := inst.I[k], inst.J[k]
			if i < 0 || i >= s.N || j < 0 || j >= s.M {
				t.Fatalf("seed %d: entry %d at (%d, %d) out of range", s.Seed, k, i, j)
			}
			if l, dup := seen[[2]int{i, j}]; dup {
				t.Errorf("seed %d: entries %d and %d both at (%d, %d)", s.Seed, l, k, i, j)
			}
			seen[[2]int{i, j}] = k
			rowsUsed[i], colsUsed[j] = true, true
			if g := inst.G[k]; !(g >= -1 && g <= 1) {
				t.Errorf("seed %d: G[%d] = %v outside [-1, 1]", s.Seed, k, g)
			}
		}
		if s.EmptyRows && len(rowsUsed) > availRows {
			t.Errorf("seed %d: %d rows used, at most %d allowed", s.Seed, len(rowsUsed), availRows)
		}
		if s.EmptyCols && len(colsUsed) > availCols {
			t.Errorf("seed %d: %d columns used, at most %d allowed", s.Seed, len(colsUsed), availCols)
		}
		if s.Symmetric {
			l := dense(inst.L)
			if !mat.Equal(l, l.T()) {
				t.Errorf("seed %d: L not symmetric", s.Seed)
			}
		}
		if s.LKind == Diag {
			l := dense(inst.L)
			for i := range s.N {
				for j := range s.N {
					if i != j && l.At(i, j) != 0 {
						t.Errorf("seed %d: diagonal L has L[%d,%d] = %v", s.Seed, i, j, l.At(i, j))
					}
				}
			}
		}
		again := Random(s)
		if !reflect.DeepEqual(inst, again) {
			t.Errorf("seed %d: Random is not deterministic", s.Seed)
		}
	}
}

func TestRandomPatternOrderShuffled(t *testing.T) {
	inst := Random(Spec{N: 10, M: 10, R: 2, C: 2, NNZPerRow: 3, Seed: 11})
	sorted := true
	for k := 1; k < len(inst.I); k++ {
		if inst.I[k] < inst.I[k-1] || (inst.I[k] == inst.I[k-1] && inst.J[k] < inst.J[k-1]) {
			sorted = false
		}
	}
	if sorted {
		t.Errorf("pattern of 30 entries came out sorted: %v %v", inst.I, inst.J)
	}
}

func TestRandomSparseDensity(t *testing.T) {
	inst := Random(Spec{N: 40, M: 3, R: 3, C: 3, NNZPerRow: 1, LKind: CSR, Seed: 12})
	raw := inst.L.(*sparse.CSR).RawMatrix()
	frac := float64(len(raw.Data)) / (40 * 40)
	if frac < 0.3 || frac > 0.5 {
		t.Errorf("L has %d nonzeros out of 1600 (%.2f), want about %v", len(raw.Data), frac, sparseDensity)
	}
	for i := range 40 {
		if raw.Indptr[i+1] == raw.Indptr[i] {
			t.Errorf("row %d of L is empty", i)
		}
	}
}

func TestRandomPanics(t *testing.T) {
	for _, s := range []Spec{
		{N: 3, M: 4, R: 3, C: 3, YKind: Diag},
		{N: 3, M: 4, R: 4, C: 3, BKind: Diag},
		{N: 0, M: 4, R: 4, C: 3},
		{N: 3, M: 4, R: 4, C: 3, NNZPerRow: math.NaN()},
		{N: 3, M: 4, R: 4, C: 3, LKind: 17},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Random(%+v) did not panic", s)
				}
			}()
			Random(s)
		}()
	}
}

func TestStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := mat.NewDense(5, 4, []float64{
		0, 1, 0, 2,
		3, 0, 0, 0,
		0, 0, 0, 0,
		4, 5, 6, 7,
		0, 0, 8, 0,
	})
	for _, kind := range []Kind{Dense, CSR, CSC, COO, DOK} {
		a := Store(kind, src, rng)
		if kindOf(a) != kind {
			t.Errorf("Store(%v) returned %T", kind, a)
		}
		if !mat.Equal(dense(a), src) {
			t.Errorf("Store(%v) changed the values:\n%v", kind, mat.Formatted(dense(a)))
		}
	}
	csr := Store(CSR, src, nil).(*sparse.CSR).RawMatrix()
	if want := []int{0, 2, 3, 3, 7, 8}; !reflect.DeepEqual(csr.Indptr, want) {
		t.Errorf("CSR indptr %v, want %v", csr.Indptr, want)
	}
	if want := []int{1, 3, 0, 0, 1, 2, 3, 2}; !reflect.DeepEqual(csr.Ind, want) {
		t.Errorf("CSR ind %v, want %v", csr.Ind, want)
	}
	csc := Store(CSC, src, nil).(*sparse.CSC).RawMatrix()
	if want := []int{1, 3, 0, 3, 3, 4, 0, 3}; !reflect.DeepEqual(csc.Ind, want) {
		t.Errorf("CSC ind %v, want %v", csc.Ind, want)
	}
	if coo := Store(COO, src, rng).(*sparse.COO); coo.NNZ() != 8 {
		t.Errorf("COO has %d entries, want 8", coo.NNZ())
	}
	sq := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	if d := dense(Store(Diag, sq, nil)); !mat.Equal(d, mat.NewDense(2, 2, []float64{1, 0, 0, 4})) {
		t.Errorf("Store(Diag) = %v", mat.Formatted(d))
	}
}

func TestCoarsening(t *testing.T) {
	for _, c := range []struct {
		n, m, cc int
		denseY   bool
		seed     uint64
	}{
		{n: 60, m: 9, cc: 3, seed: 1},
		{n: 45, m: 12, cc: 5, denseY: true, seed: 2},
		{n: 10, m: 4, cc: 2, seed: 3}, // fewer coarse vertices than entries per row
		{n: 5, m: 1, cc: 1, seed: 4},
		{n: 7, m: 7, cc: 2, seed: 5},
	} {
		inst := Coarsening(c.n, c.m, c.cc, c.denseY, c.seed)
		per := min(c.m, 7)
		if len(inst.I) != c.n*per || len(inst.J) != c.n*per || len(inst.G) != c.n*per || len(inst.GTrue) != c.n*per {
			t.Fatalf("n=%d m=%d: pattern lengths %d %d %d %d, want %d", c.n, c.m,
				len(inst.I), len(inst.J), len(inst.G), len(inst.GTrue), c.n*per)
		}
		clusterUsed := make([]bool, c.m)
		for i := range c.n {
			row := inst.I[i*per : (i+1)*per]
			cols := inst.J[i*per : (i+1)*per]
			for _, vals := range [][]float64{inst.G[i*per : (i+1)*per], inst.GTrue[i*per : (i+1)*per]} {
				sum := 0.0
				for q, v := range vals {
					if !(v > 0) {
						t.Errorf("n=%d: row %d value %d = %v not positive", c.n, i, q, v)
					}
					sum += v
				}
				if math.Abs(sum-1) > 4e-16*float64(per) {
					t.Errorf("n=%d: row %d sums to %v", c.n, i, sum)
				}
			}
			g := inst.G[i*per : (i+1)*per]
			seenCol := map[int]bool{}
			for q := range per {
				if row[q] != i {
					t.Fatalf("n=%d: entry %d of row block %d is in row %d", c.n, q, i, row[q])
				}
				if cols[q] < 0 || cols[q] >= c.m || seenCol[cols[q]] {
					t.Errorf("n=%d: row %d has bad or repeated column %d", c.n, i, cols[q])
				}
				seenCol[cols[q]] = true
				if q > 0 && g[q] >= g[0] {
					t.Errorf("n=%d: row %d: value %v at column %d not below cluster value %v", c.n, i, g[q], cols[q], g[0])
				}
			}
			clusterUsed[cols[0]] = true
		}
		for j, ok := range clusterUsed {
			if !ok {
				t.Errorf("n=%d m=%d: cluster %d is empty", c.n, c.m, j)
			}
		}

		// L: symmetric, zero row sums, at most 7 nonzeros per row, sorted columns, PSD.
		csr, ok := inst.L.(*sparse.CSR)
		if !ok {
			t.Fatalf("L is %T, want *sparse.CSR", inst.L)
		}
		raw := csr.RawMatrix()
		for i := range c.n {
			if cnt := raw.Indptr[i+1] - raw.Indptr[i]; cnt > 7 {
				t.Errorf("n=%d: L row %d has %d nonzeros", c.n, i, cnt)
			}
			sum := 0.0
			for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
				if p > raw.Indptr[i] && raw.Ind[p] <= raw.Ind[p-1] {
					t.Errorf("n=%d: L row %d columns not strictly increasing", c.n, i)
				}
				sum += raw.Data[p]
			}
			if math.Abs(sum) > 1e-14 {
				t.Errorf("n=%d: L row %d sums to %v", c.n, i, sum)
			}
		}
		l := dense(inst.L)
		if !mat.Equal(l, l.T()) {
			t.Errorf("n=%d: L not symmetric", c.n)
		}
		var eig mat.EigenSym
		if !eig.Factorize(mat.NewSymDense(c.n, l.RawMatrix().Data), false) {
			t.Fatal("eigendecomposition failed")
		}
		if lo := eig.Values(nil)[0]; lo < -1e-12 {
			t.Errorf("n=%d: L has eigenvalue %v", c.n, lo)
		}

		// Y, B types and X = Y Gtᵀ L Gt B by dense products.
		if c.denseY {
			if _, ok := inst.Y.(*mat.Dense); !ok {
				t.Errorf("dense Y is %T", inst.Y)
			}
		} else if _, ok := inst.Y.(*mat.DiagDense); !ok {
			t.Errorf("Y is %T, want *mat.DiagDense", inst.Y)
		}
		gt := mat.NewDense(c.n, c.m, nil)
		for k := range inst.I {
			gt.Set(inst.I[k], inst.J[k], inst.GTrue[k])
		}
		var t1, t2, t3, want mat.Dense
		t1.Mul(l, gt)
		t2.Mul(gt.T(), &t1)
		t3.Mul(dense(inst.Y), &t2)
		want.Mul(&t3, inst.B)
		// Rounding scale: the same product of the absolute values.
		abs := func(a mat.Matrix) *mat.Dense {
			d := dense(a)
			d.Apply(func(_, _ int, v float64) float64 { return math.Abs(v) }, d)
			return d
		}
		var scale mat.Dense
		t1.Mul(abs(l), gt)
		t2.Mul(gt.T(), &t1)
		t3.Mul(abs(inst.Y), &t2)
		scale.Mul(&t3, abs(inst.B))
		var diff mat.Dense
		diff.Sub(&want, inst.X)
		if e := mat.Norm(&diff, 2); e > 1e-13*mat.Norm(&scale, 2) {
			t.Errorf("n=%d: X differs from Y Gtᵀ L Gt B by %v (scale %v)", c.n, e, mat.Norm(&scale, 2))
		}
		if !reflect.DeepEqual(inst, Coarsening(c.n, c.m, c.cc, c.denseY, c.seed)) {
			t.Errorf("n=%d: Coarsening is not deterministic", c.n)
		}
	}
}

func TestCoarseningLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large instance")
	}
	inst := Coarsening(6000, 500, 100, false, 1)
	if len(inst.G) != 6000*7 {
		t.Errorf("nnz = %d, want %d", len(inst.G), 6000*7)
	}
	if nnz := inst.L.(*sparse.CSR).NNZ(); nnz < 6*6000 || nnz > 7*6000 {
		t.Errorf("L has %d nonzeros, want about 7 per row", nnz)
	}
}

func TestCoarseningPanics(t *testing.T) {
	for _, c := range [][3]int{{3, 4, 1}, {3, 0, 1}, {3, 2, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Coarsening(%v) did not panic", c)
				}
			}()
			Coarsening(c[0], c[1], c[2], false, 1)
		}()
	}
}
