package sparsels_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

func TestPatternOrderAndCSR(t *testing.T) {
	for _, tc := range refCases() {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := tc.inst.L.Dims()
			_, m := tc.inst.Y.Dims()
			I, J := slices.Clone(tc.inst.I), slices.Clone(tc.inst.J)
			p, err := sparsels.NewPattern(n, m, I, J)
			if err != nil {
				t.Fatal(err)
			}
			// The pattern must not alias the caller's slices.
			for k := range I {
				I[k], J[k] = -1, -1
			}
			if r, c := p.Dims(); r != n || c != m {
				t.Errorf("Dims = %d×%d, want %d×%d", r, c, n, m)
			}
			nnz := len(tc.inst.I)
			if p.NNZ() != nnz {
				t.Fatalf("NNZ = %d, want %d", p.NNZ(), nnz)
			}
			for k := range nnz {
				i, j := p.Subscripts(k)
				if i != tc.inst.I[k] || j != tc.inst.J[k] {
					t.Errorf("Subscripts(%d) = (%d, %d), want (%d, %d)", k, i, j, tc.inst.I[k], tc.inst.J[k])
				}
				if kk, ok := p.Index(i, j); !ok || kk != k {
					t.Errorf("Index(%d, %d) = %d, %v, want %d, true", i, j, kk, ok, k)
				}
			}
			// Positions outside the pattern.
			in := map[[2]int]bool{}
			for k := range nnz {
				in[[2]int{tc.inst.I[k], tc.inst.J[k]}] = true
			}
			for i := -1; i <= n; i++ {
				for j := -1; j <= m; j++ {
					if in[[2]int{i, j}] {
						continue
					}
					if k, ok := p.Index(i, j); ok {
						t.Errorf("Index(%d, %d) = %d, true for a position outside the pattern", i, j, k)
					}
				}
			}

			// CSR: the right entries, sorted columns, explicit zeros kept.
			g := slices.Clone(tc.inst.G)
			g[nnz/2] = 0
			csr := p.CSR(g)
			if r, c := csr.Dims(); r != n || c != m {
				t.Errorf("CSR dims %d×%d, want %d×%d", r, c, n, m)
			}
			raw := csr.RawMatrix()
			if len(raw.Indptr) != n+1 || raw.Indptr[0] != 0 || raw.Indptr[n] != nnz || len(raw.Ind) != nnz || len(raw.Data) != nnz {
				t.Fatalf("CSR arrays malformed: indptr %v, %d indices, %d values, want %d", raw.Indptr, len(raw.Ind), len(raw.Data), nnz)
			}
			for i := range n {
				for s := raw.Indptr[i]; s < raw.Indptr[i+1]; s++ {
					if s > raw.Indptr[i] && raw.Ind[s] <= raw.Ind[s-1] {
						t.Errorf("CSR row %d columns not strictly increasing: %v", i, raw.Ind[raw.Indptr[i]:raw.Indptr[i+1]])
					}
					k, ok := p.Index(i, raw.Ind[s])
					if !ok {
						t.Errorf("CSR holds (%d, %d), not in the pattern", i, raw.Ind[s])
						continue
					}
					if raw.Data[s] != g[k] {
						t.Errorf("CSR (%d, %d) = %v, want g[%d] = %v", i, raw.Ind[s], raw.Data[s], k, g[k])
					}
				}
			}

			// Values gathers from a dense matrix and from a CSR matrix, ignoring entries
			// outside the pattern.
			G := mat.NewDense(n, m, nil)
			for i := range n {
				for j := range m {
					G.Set(i, j, 100+float64(i*m+j)) // off-pattern entries must be ignored
				}
			}
			want := make([]float64, nnz)
			for k := range nnz {
				G.Set(tc.inst.I[k], tc.inst.J[k], tc.inst.G[k])
				want[k] = tc.inst.G[k]
			}
			if got := p.Values(nil, G); !slices.Equal(got, want) {
				t.Errorf("Values(dense) = %v, want %v", got, want)
			}
			dst := nanSlice(nnz)
			if got := p.Values(dst, p.CSR(want)); !slices.Equal(got, want) || &got[0] != &dst[0] {
				t.Errorf("Values(CSR of the pattern) = %v, want %v in dst", got, want)
			}
			if got := p.Values(nanSlice(nnz), testprob.Store(testprob.CSR, G, nil)); !slices.Equal(got, want) {
				t.Errorf("Values(CSR with off-pattern entries) = %v, want %v", got, want)
			}
		})
	}
}

// TestPatternValuesMissing checks that Values reports zero for pattern positions a sparse input
// does not store.
func TestPatternValuesMissing(t *testing.T) {
	p, err := sparsels.NewPattern(3, 3, []int{2, 0, 1}, []int{2, 1, 0})
	if err != nil {
		t.Fatal(err)
	}
	src := mat.NewDense(3, 3, []float64{
		0, 5, 7,
		0, 0, 0,
		0, 0, 9,
	})
	for _, kind := range []testprob.Kind{testprob.Dense, testprob.CSR, testprob.CSC, testprob.COO, testprob.DOK} {
		got := p.Values(nanSlice(3), testprob.Store(kind, src, nil))
		if want := []float64{9, 5, 0}; !slices.Equal(got, want) {
			t.Errorf("Values(%v) = %v, want %v", kind, got, want)
		}
	}
}

// hasNumber reports whether msg contains v as a separate number.
func hasNumber(msg string, v int) bool {
	return regexp.MustCompile(fmt.Sprintf(`(^|[^0-9])%d([^0-9]|$)`, v)).MatchString(msg)
}

func TestNewPatternErrors(t *testing.T) {
	for _, c := range []struct {
		name       string
		rows, cols int
		i, j       []int
		mention    []int // numbers the error must contain
	}{
		// The duplicate (1, 2) sits at positions 5 and 8; nothing else in the input is 5 or 8.
		{"duplicate", 3, 4, []int{0, 1, 2, 0, 2, 1, 0, 1, 1}, []int{0, 0, 3, 1, 1, 2, 2, 3, 2}, []int{5, 8}},
		{"duplicate adjacent", 3, 4, []int{2, 2}, []int{3, 3}, []int{0, 1}},
		{"row too large", 3, 4, []int{0, 1, 3}, []int{0, 0, 0}, []int{2}},
		{"negative row", 3, 4, []int{0, -1}, []int{0, 0}, []int{1}},
		{"column too large", 3, 4, []int{0, 1, 2, 1}, []int{0, 0, 0, 9}, []int{3}},
		{"negative column", 3, 4, []int{0, 1}, []int{-7, 0}, []int{0}},
		{"length mismatch", 3, 4, []int{0, 1, 2}, []int{0, 0}, nil},
		{"negative rows", -1, 4, nil, nil, nil},
		{"negative cols", 3, -2, nil, nil, nil},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: NewPattern panicked: %v", c.name, r)
				}
			}()
			p, err := sparsels.NewPattern(c.rows, c.cols, c.i, c.j)
			if err == nil {
				t.Errorf("%s: no error (pattern %v)", c.name, p)
				return
			}
			for _, v := range c.mention {
				if !hasNumber(err.Error(), v) {
					t.Errorf("%s: error %q does not mention %d", c.name, err, v)
				}
			}
		}()
	}
}

func TestNewPatternEmpty(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
		i, j       []int
	}{{3, 4, nil, nil}, {3, 4, []int{}, []int{}}, {0, 0, nil, nil}} {
		p, err := sparsels.NewPattern(c.rows, c.cols, c.i, c.j)
		if err != nil {
			t.Errorf("empty %d×%d pattern rejected: %v", c.rows, c.cols, err)
			continue
		}
		if p.NNZ() != 0 {
			t.Errorf("empty pattern has NNZ %d", p.NNZ())
		}
		if r, cc := p.Dims(); r != c.rows || cc != c.cols {
			t.Errorf("Dims = %d×%d, want %d×%d", r, cc, c.rows, c.cols)
		}
		if c.rows > 0 && c.cols > 0 {
			if _, ok := p.Index(0, 0); ok {
				t.Error("empty pattern reports (0, 0) as present")
			}
			if got := p.Values(nil, mat.NewDense(c.rows, c.cols, nil)); len(got) != 0 {
				t.Errorf("Values of empty pattern has length %d", len(got))
			}
		}
	}
}

func TestPatternPanics(t *testing.T) {
	p, err := sparsels.NewPattern(3, 2, []int{0, 2}, []int{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"Subscripts(-1)", func() { p.Subscripts(-1) }},
		{"Subscripts(NNZ)", func() { p.Subscripts(2) }},
		{"CSR short g", func() { p.CSR([]float64{1}) }},
		{"Values wrong dims", func() { p.Values(nil, mat.NewDense(2, 3, nil)) }},
		{"Values short dst", func() { p.Values(make([]float64, 1), mat.NewDense(3, 2, nil)) }},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", c.name)
					return
				}
				if msg := fmt.Sprint(r); !regexp.MustCompile(`^sparsels: `).MatchString(msg) {
					t.Errorf("%s: panic message %q lacks the package prefix", c.name, msg)
				}
			}()
			c.fn()
		}()
	}
}
