package sparsels_test

import (
	"math"
	"slices"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// modelTol is the element-wise tolerance of Model and CoarseOperator against
// the dense reference, relative to the same product of absolute values.
const modelTol = 1e-14

// absOf returns a dense copy of a with every entry replaced by its
// absolute value.
func absOf(a mat.Matrix) *mat.Dense { return absDense(mat.DenseCopyOf(a)) }

// denseChain returns the dense product of ms, left to right.
func denseChain(ms ...mat.Matrix) *mat.Dense {
	var acc mat.Dense
	acc.CloneFrom(ms[0])
	for _, m := range ms[1:] {
		var next mat.Dense
		next.Mul(&acc, m)
		acc = next
	}
	return &acc
}

// checkClose compares got with want entry by entry, allowing modelTol times
// the entry of bound (plus the smallest normal number for exact zeros).
func checkClose(t *testing.T, what string, got, want, bound mat.Matrix) {
	t.Helper()
	r, c := want.Dims()
	if gr, gc := got.Dims(); gr != r || gc != c {
		t.Fatalf("%s is %d×%d, want %d×%d", what, gr, gc, r, c)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			g, w := got.At(i, j), want.At(i, j)
			if math.Abs(g-w) > modelTol*bound.At(i, j)+math.SmallestNonzeroFloat64 {
				t.Fatalf("%s[%d,%d] = %v, want %v (bound %v)", what, i, j, g, w, bound.At(i, j))
			}
		}
	}
}

func TestModelAgainstDense(t *testing.T) {
	for _, c := range refCases() {
		t.Run(c.name, func(t *testing.T) {
			inst := c.inst
			p := newTestProblem(t, inst)
			G := mat.DenseCopyOf(p.Pattern().CSR(inst.G))
			want := denseChain(inst.Y, G.T(), inst.L, G, inst.B)
			bound := denseChain(absOf(inst.Y), absOf(G.T()), absOf(inst.L), absOf(G), absOf(inst.B))

			var got mat.Dense
			p.Model(&got, inst.G)
			checkClose(t, "Model", &got, want, bound)

			// Residual is X minus the model.
			var f, xm, xb mat.Dense
			p.Residual(&f, inst.G)
			xm.Sub(inst.X, &got)
			xb.Add(absOf(inst.X), bound)
			checkClose(t, "X − Model", &xm, &f, &xb)

			wantS := denseChain(G.T(), inst.L, G)
			boundS := denseChain(absOf(G.T()), absOf(inst.L), absOf(G))
			S := p.CoarseOperator(inst.G)
			checkClose(t, "Problem.CoarseOperator", S, wantS, boundS)
			checkCSRSorted(t, S)
			S2 := sparsels.CoarseOperator(inst.L, p.Pattern(), inst.G)
			checkClose(t, "CoarseOperator", S2, wantS, boundS)
			if !slices.Equal(S.RawMatrix().Ind, S2.RawMatrix().Ind) || !slices.Equal(S.RawMatrix().Data, S2.RawMatrix().Data) {
				t.Errorf("CoarseOperator and Problem.CoarseOperator differ")
			}
		})
	}
}

// checkCSRSorted checks that every row of a has strictly ascending columns.
func checkCSRSorted(t *testing.T, a *sparse.CSR) {
	t.Helper()
	raw := a.RawMatrix()
	for i := 0; i < raw.I; i++ {
		for s := raw.Indptr[i] + 1; s < raw.Indptr[i+1]; s++ {
			if raw.Ind[s] <= raw.Ind[s-1] {
				t.Fatalf("row %d: columns %v not strictly ascending", i, raw.Ind[raw.Indptr[i]:raw.Indptr[i+1]])
			}
		}
	}
}

// TestCoarseOperatorStructure checks that S is stored on the structure the
// patterns of G and L imply, explicit zeros included, whatever the values.
func TestCoarseOperatorStructure(t *testing.T) {
	// G 4×3 and L the path Laplacian on 4 vertices; g is zero at the
	// entries of column 2, so S's row and column 2 are structural zeros.
	pat, err := sparsels.NewPattern(4, 3, []int{0, 1, 1, 2, 3, 3}, []int{0, 0, 1, 1, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	L := mat.NewDense(4, 4, []float64{1, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 1})
	g := []float64{1, 0.5, 0.5, 1, 0.7, 0}
	S := sparsels.CoarseOperator(mat.Transpose{Matrix: L}, pat, g)
	// Structure: G column 0 has rows {0,1}, column 1 rows {1,2,3},
	// column 2 row {3}; L couples neighbours, so every pair of columns
	// whose rows are within distance 1 is coupled: all but (0,2) and (2,0).
	raw := S.RawMatrix()
	wantPtr := []int{0, 2, 5, 7}
	wantInd := []int{0, 1, 0, 1, 2, 1, 2}
	if !slices.Equal(raw.Indptr, wantPtr) || !slices.Equal(raw.Ind, wantInd) {
		t.Fatalf("structure ptr %v ind %v, want %v %v", raw.Indptr, raw.Ind, wantPtr, wantInd)
	}
	for s := raw.Indptr[2]; s < raw.Indptr[3]; s++ {
		if raw.Data[s] != 0 {
			t.Errorf("S[2,%d] = %v, want an explicit 0", raw.Ind[s], raw.Data[s])
		}
	}
	// Values against the dense product.
	G := mat.DenseCopyOf(pat.CSR(g))
	checkClose(t, "S", S, denseChain(G.T(), L, G), denseChain(absOf(G.T()), absOf(L), absOf(G)))
}

func TestModelPanics(t *testing.T) {
	inst := testprob.Coarsening(20, 4, 3, false, 9)
	p := newTestProblem(t, inst)
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"short g", func() { p.Model(&mat.Dense{}, inst.G[1:]) }},
		{"wrong dst", func() { p.Model(mat.NewDense(4, 2, nil), inst.G) }},
		{"CoarseOperator short g", func() { p.CoarseOperator(inst.G[1:]) }},
		{"CoarseOperator L shape", func() { sparsels.CoarseOperator(mat.NewDense(3, 3, nil), p.Pattern(), inst.G) }},
		{"CoarseOperator nil pattern", func() { sparsels.CoarseOperator(inst.L, nil, inst.G) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.fn()
		}()
	}
}

func TestModelAllocs(t *testing.T) {
	if testprob.RaceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, denseY := range []bool{false, true} {
		inst := testprob.Coarsening(300, 40, 10, denseY, 4)
		p := newTestProblem(t, inst)
		dst := mat.NewDense(40, 10, nil)
		p.Model(dst, inst.G)
		if a := testing.AllocsPerRun(20, func() { p.Model(dst, inst.G) }); a != 0 {
			t.Errorf("denseY %v: Model allocates %v times per call", denseY, a)
		}
	}
}
