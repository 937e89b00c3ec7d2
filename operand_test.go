package sparsels_test

import (
	"math"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// atCounter wraps a sparse matrix and counts the calls to At, so that a test
// can tell whether a matrix was read through its sparse structure.
type atCounter struct {
	*sparse.CSR
	calls *int
}

func (a atCounter) At(i, j int) float64 {
	*a.calls++
	return a.CSR.At(i, j)
}

// TestNewProblemUnwrapsTransposes checks that operands wrapped in gonum's
// transpose types are read through the sparse matrix they wrap, never entry
// by entry with At, and give the same problem as the matrix itself.
func TestNewProblemUnwrapsTransposes(t *testing.T) {
	inst := testprob.Coarsening(60, 8, 3, false, 7)
	pat, err := sparsels.NewPattern(60, 8, inst.I, inst.J)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	// Lᵀ stored as CSR, so that wrapping it in a transpose gives back L.
	lt := sparse.NewCSR(60, 60, nil, nil, nil)
	lt.Clone(inst.L.(*sparse.CSR).T())
	var calls int
	counted := atCounter{CSR: lt, calls: &calls}
	csrL := inst.L.(*sparse.CSR)
	for _, tc := range []struct {
		name string
		L    mat.Matrix
	}{
		{"mat.Transpose", mat.Transpose{Matrix: counted}},
		{"nested mat.Transpose", mat.Transpose{Matrix: mat.Transpose{Matrix: mat.Transpose{Matrix: counted}}}},
		{"CSR.T() wrapped back", mat.Transpose{Matrix: csrL.T()}},
	} {
		calls = 0
		p, err := sparsels.NewProblem(inst.X, inst.Y, tc.L, inst.B, pat)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if calls != 0 {
			t.Errorf("%s: L read with %d calls to At, want 0 (through DoNonZero)", tc.name, calls)
		}
		want, _ := ref.EnergyGradient(nil, inst.G)
		got, _ := p.EnergyGradient(nil, inst.G)
		if got != want {
			t.Errorf("%s: energy %v, want %v from the unwrapped L", tc.name, got, want)
		}
	}

	// A transposed dense X and B, and a transposed vector: the values must
	// come out transposed.
	xt := mat.DenseCopyOf(inst.X.T())
	bt := mat.DenseCopyOf(inst.B.T())
	p, err := sparsels.NewProblem(xt.T(), inst.Y, inst.L, bt.T(), pat)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Energy(inst.G), ref.Energy(inst.G); got != want {
		t.Errorf("transposed dense X and B: energy %v, want %v", got, want)
	}
}

// TestNewConstraintsTransposedVector checks a constraint matrix given as
// the transpose of a row vector (mat.TransposeVec).
func TestNewConstraintsTransposedVector(t *testing.T) {
	pat, err := sparsels.NewPattern(2, 3, []int{0, 0, 1, 1}, []int{0, 1, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	// C = 1 (3×1) as the transpose of a 1×3 row, D = 1 (2×1).
	ones := mat.NewVecDense(3, []float64{1, 1, 1})
	C := mat.Transpose{Matrix: ones.T()}
	D := mat.NewVecDense(2, []float64{1, 1})
	cs, err := sparsels.NewConstraints(pat, C, D)
	if err != nil {
		t.Fatal(err)
	}
	g := cs.Project(nil, []float64{1, 1, 0, 0})
	if s0, s1 := g[0]+g[1], g[2]+g[3]; math.Abs(s0-1) > 1e-15 || math.Abs(s1-1) > 1e-15 {
		t.Errorf("projected rows sum to %v and %v, want 1", s0, s1)
	}
}

// TestValuesTransposedSparse checks that Pattern.Values reads a transposed
// sparse matrix through its structure and with its subscripts swapped.
func TestValuesTransposedSparse(t *testing.T) {
	pat, err := sparsels.NewPattern(3, 2, []int{2, 0, 1}, []int{1, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	// Gᵀ (2×3) as CSR: G[0,0] = 1, G[1,0] = 2, G[2,1] = 3.
	gt := sparse.NewCSR(2, 3, []int{0, 2, 3}, []int{0, 1, 2}, []float64{1, 2, 3})
	var calls int
	got := pat.Values(nil, mat.Transpose{Matrix: atCounter{CSR: gt, calls: &calls}})
	if want := []float64{3, 1, 2}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Values = %v, want %v", got, want)
	}
	if calls != 0 {
		t.Errorf("Values read the transposed CSR with %d calls to At, want 0", calls)
	}
}
