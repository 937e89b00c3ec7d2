package sparsels_test

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
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

// TestNewPatternErrorMessages checks that every invalid pattern is an error
// that names the offending position, and that degenerate but valid patterns
// are accepted.
func TestNewPatternErrorMessages(t *testing.T) {
	for _, test := range []struct {
		name       string
		rows, cols int
		i, j       []int
		want       []string // substrings of the error; nil means valid
	}{
		{"negative rows", -1, 3, nil, nil, []string{"negative", "-1×3"}},
		{"negative cols", 3, -7, nil, nil, []string{"negative", "3×-7"}},
		{"min int", math.MinInt, 1, nil, nil, []string{"negative"}},
		{"rows over the limit", 1 << 40, 1, nil, nil, []string{"too large", "1099511627776×1"}},
		{"cols over the limit", 1, 1 << 31, nil, nil, []string{"too large"}},
		{"MaxInt32 × MaxInt32", math.MaxInt32, math.MaxInt32, nil, nil, []string{"too large", "32.0 GiB"}},
		{"max int", math.MaxInt, math.MaxInt, []int{0}, []int{0}, []string{"too large"}},
		{"length mismatch", 3, 3, []int{0, 1}, []int{0}, []string{"len(i) = 2", "len(j) = 1"}},
		{"nil j", 3, 3, []int{0}, nil, []string{"len(i) = 1", "len(j) = 0"}},
		{"negative row subscript", 3, 3, []int{0, -1}, []int{0, 0}, []string{"i[1] = -1"}},
		{"row subscript = rows", 3, 3, []int{0, 3}, []int{0, 0}, []string{"i[1] = 3", "[0, 3)"}},
		{"column subscript = cols", 3, 2, []int{0, 1, 2}, []int{0, 1, 2}, []string{"j[2] = 2", "[0, 2)"}},
		{"min int subscript", 3, 3, []int{math.MinInt}, []int{0}, []string{"i[0]"}},
		{"max int subscript", 3, 3, []int{0}, []int{math.MaxInt}, []string{"j[0]"}},
		{"subscript in a zero-row pattern", 0, 3, []int{0}, []int{0}, []string{"i[0] = 0", "[0, 0)"}},
		{"duplicate", 4, 4, []int{1, 2, 3, 2}, []int{1, 0, 3, 0}, []string{"duplicate", "(2, 0)", "positions 1 and 3"}},
		{"duplicate far apart", 2, 2, []int{0, 1, 1, 0, 0}, []int{0, 0, 1, 1, 0}, []string{"(0, 0)", "positions 0 and 4"}},
		{"empty 0×0", 0, 0, nil, nil, nil},
		{"empty 5×0", 5, 0, nil, nil, nil},
		{"empty 0×5", 0, 5, nil, nil, nil},
		{"empty 4×4", 4, 4, []int{}, []int{}, nil},
		{"empty row and column", 3, 3, []int{0, 2}, []int{0, 0}, nil},
		{"at the limit, no entries", 1, 1, nil, nil, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			var pat *sparsels.Pattern
			var err error
			noPanic(t, "NewPattern", func() { pat, err = sparsels.NewPattern(test.rows, test.cols, test.i, test.j) })
			if test.want == nil {
				if err != nil {
					t.Fatalf("valid pattern rejected: %v", err)
				}
				if r, c := pat.Dims(); r != test.rows || c != test.cols || pat.NNZ() != len(test.i) {
					t.Fatalf("pattern %d×%d with %d entries, want %d×%d with %d", r, c, pat.NNZ(), test.rows, test.cols, len(test.i))
				}
				return
			}
			if pat != nil {
				t.Errorf("pattern returned with error %v", err)
			}
			errContains(t, test.name, err, test.want...)
		})
	}
}

// TestNewPatternTooLarge checks that dimensions whose pointer arrays cannot
// be allocated (rows + cols above 2²⁸−2) are an error reported before
// anything proportional to them is allocated: an out-of-memory failure is
// fatal and no recover can catch it. Large but representable dimensions
// cost memory in proportion to them only.
func TestNewPatternTooLarge(t *testing.T) {
	for _, d := range [][2]int{{1 << 40, 1}, {1, 1 << 40}, {1 << 31, 1 << 31}, {math.MaxInt, 2}, {1<<31 - 1 + 1, 0},
		{math.MaxInt32, math.MaxInt32}, {math.MaxInt32, 0}, {1 << 27, 1 << 27}, {0, 1<<28 - 1}} {
		var err error
		bytes := bytesAllocated(func() { _, err = sparsels.NewPattern(d[0], d[1], nil, nil) })
		errContains(t, fmt.Sprint(d), err, "too large", "at most 268435454 rows and columns together")
		if bytes > 1<<16 {
			t.Errorf("%v: %d bytes allocated before the error", d, bytes)
		}
	}
	// Large but representable dimensions cost memory in proportion to them
	// only: 2²⁰ rows with one entry.
	pat, err := sparsels.NewPattern(1<<20, 3, []int{1<<20 - 1}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := pat.Index(1<<20-1, 2); !ok || k != 0 {
		t.Fatalf("Index = %d, %v", k, ok)
	}
}

// FuzzNewPattern checks NewPattern against an independent oracle: it must
// return an error exactly when the dimensions are invalid, the subscript
// lists differ in length, a subscript is out of range or a pair repeats, and
// otherwise a pattern whose Subscripts, Index, RowIndices, RowColumns and
// CSR agree with the input. The seed corpus is in
// testdata/fuzz/FuzzNewPattern. data holds the subscript pairs as signed
// bytes; a last odd byte makes len(i) ≠ len(j).
func FuzzNewPattern(f *testing.F) {
	f.Add(3, 4, []byte{0, 0, 1, 3, 2, 1})
	f.Add(0, 0, []byte{})
	f.Add(-1, 5, []byte{0, 0})
	f.Add(2, 2, []byte{0, 0, 1, 1, 0, 0})
	f.Add(5, 5, []byte{4, 4, 0xff, 0})
	f.Add(1<<40, 1, []byte{})
	f.Add(3, 3, []byte{1, 2, 0})
	f.Fuzz(func(t *testing.T, rows, cols int, data []byte) {
		// Valid dimensions above 2¹⁶ cost memory in proportion to them;
		// fold them so that the fuzzer explores the logic, not the heap.
		if rows > 1<<16 && rows <= 1<<27 {
			rows %= 1 << 10
		}
		if cols > 1<<16 && cols <= 1<<27 {
			cols %= 1 << 10
		}
		var I, J []int
		for k := 0; k+1 < len(data); k += 2 {
			I = append(I, int(int8(data[k])))
			J = append(J, int(int8(data[k+1])))
		}
		if len(data)%2 == 1 {
			J = append(J, 0)
		}
		// The oracle.
		var why string
		switch {
		case rows < 0 || cols < 0:
			why = "negative"
		case rows > 1<<28-2-cols:
			why = "too large"
		case len(I) != len(J):
			why = "differ in length"
		}
		seen := map[[2]int]int{}
		for k := 0; why == "" && k < len(I); k++ {
			if I[k] < 0 || I[k] >= rows || J[k] < 0 || J[k] >= cols {
				why = "out of range"
			}
		}
		for k := 0; why == "" && k < len(I); k++ {
			if _, ok := seen[[2]int{I[k], J[k]}]; ok {
				why = "duplicate"
			}
			seen[[2]int{I[k], J[k]}] = k
		}
		pat, err := sparsels.NewPattern(rows, cols, I, J)
		if why != "" {
			if err == nil || pat != nil {
				t.Fatalf("NewPattern(%d, %d, %v, %v) = %v, %v; want an error about %q", rows, cols, I, J, pat, err, why)
			}
			if !strings.HasPrefix(err.Error(), "sparsels: ") || !strings.Contains(err.Error(), why) {
				t.Fatalf("error %q, want one about %q", err, why)
			}
			if why == "duplicate" {
				// The error names a repeated pair and two of its positions.
				var a, b, k1, k2 int
				if _, err := fmt.Sscanf(err.Error(), "sparsels: duplicate pattern entry (%d, %d) at positions %d and %d", &a, &b, &k1, &k2); err != nil {
					t.Fatalf("unexpected duplicate message: %v", err)
				}
				if k1 < 0 || k1 >= k2 || k2 >= len(I) || I[k1] != a || I[k2] != a || J[k1] != b || J[k2] != b {
					t.Fatalf("error %q names positions that do not hold (%d, %d)", err, a, b)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("NewPattern(%d, %d, %v, %v): %v", rows, cols, I, J, err)
		}
		if r, c := pat.Dims(); r != rows || c != cols || pat.NNZ() != len(I) {
			t.Fatalf("Dims %d×%d NNZ %d", r, c, pat.NNZ())
		}
		for k := range I {
			if i, j := pat.Subscripts(k); i != I[k] || j != J[k] {
				t.Fatalf("Subscripts(%d) = %d, %d, want %d, %d", k, i, j, I[k], J[k])
			}
			if k2, ok := pat.Index(I[k], J[k]); !ok || k2 != k {
				t.Fatalf("Index(%d, %d) = %d, %v, want %d", I[k], J[k], k2, ok, k)
			}
		}
		for _, probe := range [][2]int{{-1, 0}, {0, -1}, {rows, 0}, {0, cols}, {rows / 2, cols / 2}, {int(int8(len(data))), 1}} {
			k, ok := pat.Index(probe[0], probe[1])
			k0, want := seen[probe]
			if ok != want || (ok && k != k0) {
				t.Fatalf("Index(%v) = %d, %v, want %d, %v", probe, k, ok, k0, want)
			}
		}
		total := 0
		for a := 0; a < rows; a++ {
			cols, idx := pat.RowColumns(a), pat.RowIndices(a)
			if len(cols) != len(idx) {
				t.Fatalf("row %d: %d columns, %d indices", a, len(cols), len(idx))
			}
			for s, k := range idx {
				if s > 0 && cols[s] <= cols[s-1] {
					t.Fatalf("row %d: columns %v not ascending", a, cols)
				}
				if i, j := pat.Subscripts(k); i != a || j != cols[s] {
					t.Fatalf("row %d slot %d: index %d is (%d, %d), want (%d, %d)", a, s, k, i, j, a, cols[s])
				}
			}
			total += len(idx)
		}
		if total != len(I) {
			t.Fatalf("rows hold %d entries, want %d", total, len(I))
		}
		g := make([]float64, len(I))
		for k := range g {
			g[k] = float64(k + 1)
		}
		raw := pat.CSR(g).RawMatrix()
		for a := 0; a < rows; a++ {
			for s := raw.Indptr[a]; s < raw.Indptr[a+1]; s++ {
				k := seen[[2]int{a, raw.Ind[s]}]
				if raw.Data[s] != g[k] {
					t.Fatalf("CSR(%d, %d) = %v, want %v", a, raw.Ind[s], raw.Data[s], g[k])
				}
			}
		}
	})
}
