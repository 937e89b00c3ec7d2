package mtx

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/readtest"
)

// readTest is a file together with the matrix it must read as.
type readTest struct {
	name string
	file string
	h    Header
	// dense is the expected full matrix, row-major.
	dense []float64
	// For coordinate files: the stored entries (1-based, as in the file)
	// and their line numbers.
	i, j []int
	v    []float64
	line []int
}

var readTests = []readTest{
	{
		// scipy.io.mmwrite (SciPy < 1.12) of a symmetric sparse matrix.
		name: "scipy coordinate symmetric",
		file: "%%MatrixMarket matrix coordinate real symmetric\n" +
			"%\n" +
			"3 3 5\n" +
			"1 1 4.0000000000000000e+00\n" +
			"2 1 1.0000000000000000e+00\n" +
			"2 2 5.0000000000000000e+00\n" +
			"3 2 2.5000000000000000e+00\n" +
			"3 3 6.0000000000000000e+00\n",
		h:     Header{Coordinate, Real, Symmetric, 3, 3, 5},
		dense: []float64{4, 1, 0, 1, 5, 2.5, 0, 2.5, 6},
		i:     []int{1, 2, 2, 3, 3}, j: []int{1, 1, 2, 2, 3},
		v:    []float64{4, 1, 5, 2.5, 6},
		line: []int{4, 5, 6, 7, 8},
	},
	{
		// scipy.io.mmwrite (SciPy >= 1.12, fast_matrix_market) of a dense array.
		name: "scipy array general",
		file: "%%MatrixMarket matrix array real general\n" +
			"%\n" +
			"2 3\n" +
			"1\n4\n2\n5\n3\n0.1\n",
		h:     Header{Array, Real, General, 2, 3, 6},
		dense: []float64{1, 2, 3, 4, 5, 0.1},
	},
	{
		// scipy.io.mmwrite (SciPy < 1.12) of a dense array.
		name: "scipy array general old",
		file: "%%MatrixMarket matrix array real general\n" +
			"%\n" +
			"2 2\n" +
			"1.0000000000000000e+00\n" +
			"-3.0000000000000000e+00\n" +
			"2.5000000000000000e-01\n" +
			"1.0000000000000000e+10\n",
		h:     Header{Array, Real, General, 2, 2, 4},
		dense: []float64{1, 0.25, -3, 1e10},
	},
	{
		// MATLAB mmwrite.m: "% .16g" values (note the sign space) and a
		// dashed comment block.
		name: "matlab coordinate general",
		file: "%%MatrixMarket matrix coordinate real general\n" +
			"%-------------------------------------------------------------------------------\n" +
			"% Generated 28-Nov-2025\n" +
			"%-------------------------------------------------------------------------------\n" +
			"2 3 3\n" +
			"1 1  1\n" +
			"2 2  3.141592653589793\n" +
			"1 3 -2.5\n",
		h:     Header{Coordinate, Real, General, 2, 3, 3},
		dense: []float64{1, 0, -2.5, 0, 3.141592653589793, 0},
		i:     []int{1, 2, 1}, j: []int{1, 2, 3},
		v:    []float64{1, 3.141592653589793, -2.5},
		line: []int{6, 7, 8},
	},
	{
		// MATLAB with "%g" values, aligned columns and tabs.
		name: "matlab %g aligned",
		file: "%%MatrixMarket matrix coordinate real general\n" +
			"%-------------------------------------------------------------------------------\n" +
			"%  A\n" +
			"%-------------------------------------------------------------------------------\n" +
			"  3   3   2\n" +
			"  1   1\t1.5e-05\n" +
			"  3   2\t-1e+06\n",
		h:     Header{Coordinate, Real, General, 3, 3, 2},
		dense: []float64{1.5e-5, 0, 0, 0, 0, 0, 0, -1e6, 0},
		i:     []int{1, 3}, j: []int{1, 2}, v: []float64{1.5e-5, -1e6}, line: []int{6, 7},
	},
	{
		// MATLAB mmwrite.m of a full matrix.
		name: "matlab array",
		file: "%%MatrixMarket matrix array real general\n" +
			"% Generated 28-Nov-2025\n" +
			"2 1\n" +
			" 0.3333333333333333\n" +
			"-2\n",
		h:     Header{Array, Real, General, 2, 1, 2},
		dense: []float64{0.3333333333333333, -2},
	},
	{
		// Julia MatrixMarket.jl.
		name: "julia coordinate",
		file: "%%MatrixMarket matrix coordinate real general\n" +
			"2 2 2\n" +
			"1 1 1.0\n" +
			"2 2 1.0e10\n",
		h:     Header{Coordinate, Real, General, 2, 2, 2},
		dense: []float64{1, 0, 0, 1e10},
		i:     []int{1, 2}, j: []int{1, 2}, v: []float64{1, 1e10}, line: []int{3, 4},
	},
	{
		name: "case, spaces, CRLF, BOM, comments among data, number forms",
		file: "\xef\xbb\xbf%%MatrixMarket   MATRIX Coordinate\tREAL General  \r\n" +
			"% comment\r\n" +
			"\r\n" +
			"  2 3 5 \r\n" +
			"1 1 1\r\n" +
			"% interleaved comment\r\n" +
			"\r\n" +
			"1 2 -1.5e-3\r\n" +
			"   \t \r\n" +
			"1 3 1E+10\r\n" +
			"2 1 +2.\r\n" +
			"2 2 .5   \r\n" +
			"% trailing comment\r\n" +
			"\r\n",
		h:     Header{Coordinate, Real, General, 2, 3, 5},
		dense: []float64{1, -1.5e-3, 1e10, 2, 0.5, 0},
		i:     []int{1, 1, 1, 2, 2}, j: []int{1, 2, 3, 1, 2},
		v:    []float64{1, -1.5e-3, 1e10, 2, 0.5},
		line: []int{5, 8, 10, 11, 12},
	},
	{
		name:  "%% MatrixMarket with a space, no final newline",
		file:  "%% MatrixMarket matrix coordinate integer general\n1 2 2\n1 2 -7\n1 1 3",
		h:     Header{Coordinate, Integer, General, 1, 2, 2},
		dense: []float64{3, -7},
		i:     []int{1, 1}, j: []int{2, 1}, v: []float64{-7, 3}, line: []int{3, 4},
	},
	{
		name: "pattern general with duplicate",
		file: "%%MatrixMarket matrix coordinate pattern general\n" +
			"3 2 4\n1 1\n3 2\n2 1\n3 2\n",
		h:     Header{Coordinate, Pattern, General, 3, 2, 4},
		dense: []float64{1, 0, 1, 0, 0, 2},
		i:     []int{1, 3, 2, 3}, j: []int{1, 2, 1, 2}, v: []float64{1, 1, 1, 1},
		line: []int{3, 4, 5, 6},
	},
	{
		name: "pattern symmetric",
		file: "%%MatrixMarket matrix coordinate pattern symmetric\n" +
			"3 3 3\n1 1\n3 1\n3 3\n",
		h:     Header{Coordinate, Pattern, Symmetric, 3, 3, 3},
		dense: []float64{1, 0, 1, 0, 0, 0, 1, 0, 1},
		i:     []int{1, 3, 3}, j: []int{1, 1, 3}, v: []float64{1, 1, 1}, line: []int{3, 4, 5},
	},
	{
		name: "integer symmetric, rounded to nearest",
		file: "%%MatrixMarket matrix coordinate integer symmetric\n" +
			"2 2 3\n2 1 -4\n2 2 9007199254740993\n1 1 99999999999999999999\n",
		h:     Header{Coordinate, Integer, Symmetric, 2, 2, 3},
		dense: []float64{1e20, -4, -4, 9007199254740992},
		i:     []int{2, 2, 1}, j: []int{1, 2, 1}, v: []float64{-4, 9007199254740992, 1e20}, line: []int{3, 4, 5},
	},
	{
		name: "skew-symmetric coordinate",
		file: "%%MatrixMarket matrix coordinate real skew-symmetric\n" +
			"3 3 2\n2 1 1.5\n3 2 -2\n",
		h:     Header{Coordinate, Real, SkewSymmetric, 3, 3, 2},
		dense: []float64{0, -1.5, 0, 1.5, 0, 2, 0, -2, 0},
		i:     []int{2, 3}, j: []int{1, 2}, v: []float64{1.5, -2}, line: []int{3, 4},
	},
	{
		// The upper triangle, as some writers store it: mirrored into the
		// lower one as it is read; diagonal entries may come anywhere.
		name: "symmetric coordinate upper triangle",
		file: "%%MatrixMarket matrix coordinate real symmetric\n" +
			"3 3 4\n1 1 2\n1 2 -1\n2 3 -1\n3 3 2\n",
		h:     Header{Coordinate, Real, Symmetric, 3, 3, 4},
		dense: []float64{2, -1, 0, -1, 0, -1, 0, -1, 2},
		i:     []int{1, 2, 3, 3}, j: []int{1, 1, 2, 3}, v: []float64{2, -1, -1, 2}, line: []int{3, 4, 5, 6},
	},
	{
		name: "skew-symmetric coordinate upper triangle",
		file: "%%MatrixMarket matrix coordinate real skew-symmetric\n" +
			"3 3 2\n1 2 -1.5\n2 3 2\n",
		h:     Header{Coordinate, Real, SkewSymmetric, 3, 3, 2},
		dense: []float64{0, -1.5, 0, 1.5, 0, 2, 0, -2, 0},
		i:     []int{2, 3}, j: []int{1, 2}, v: []float64{1.5, -2}, line: []int{3, 4},
	},
	{
		name: "symmetric coordinate with duplicates summed",
		file: "%%MatrixMarket matrix coordinate real symmetric\n" +
			"2 2 3\n2 1 1\n1 1 3\n2 1 0.5\n",
		h:     Header{Coordinate, Real, Symmetric, 2, 2, 3},
		dense: []float64{3, 1.5, 1.5, 0},
		i:     []int{2, 1, 2}, j: []int{1, 1, 1}, v: []float64{1, 3, 0.5}, line: []int{3, 4, 5},
	},
	{
		name: "array symmetric",
		file: "%%MatrixMarket matrix array real symmetric\n" +
			"3 3\n1\n2\n3\n4\n5\n6\n",
		h:     Header{Array, Real, Symmetric, 3, 3, 6},
		dense: []float64{1, 2, 3, 2, 4, 5, 3, 5, 6},
	},
	{
		name: "array skew-symmetric",
		file: "%%MatrixMarket matrix array real skew-symmetric\n" +
			"3 3\n1\n2\n3\n",
		h:     Header{Array, Real, SkewSymmetric, 3, 3, 3},
		dense: []float64{0, -1, -2, 1, 0, -3, 2, 3, 0},
	},
	{
		name: "array integer",
		file: "%%MatrixMarket matrix array integer general\n" +
			"1 3\n-1\n+2\n3\n",
		h:     Header{Array, Integer, General, 1, 3, 3},
		dense: []float64{-1, 2, 3},
	},
	{
		name:  "empty coordinate",
		file:  "%%MatrixMarket matrix coordinate real general\n2 2 0\n",
		h:     Header{Coordinate, Real, General, 2, 2, 0},
		dense: []float64{0, 0, 0, 0},
		i:     []int{}, j: []int{}, v: []float64{}, line: []int{},
	},
}

func TestRead(t *testing.T) {
	for _, test := range readTests {
		m, err := Read(strings.NewReader(test.file), "t.mtx")
		if err != nil {
			t.Errorf("%s: unexpected error: %v", test.name, err)
			continue
		}
		if m.Header != test.h {
			t.Errorf("%s: header = %+v, want %+v", test.name, m.Header, test.h)
		}
		if m.Name != "t.mtx" {
			t.Errorf("%s: name = %q", test.name, m.Name)
		}
		if test.h.Format == Coordinate {
			if !equalInts(m.I, addInts(test.i, -1)) || !equalInts(m.J, addInts(test.j, -1)) ||
				!equalFloats(m.V, test.v) || !equalInts(m.Line, test.line) {
				t.Errorf("%s: entries I=%v J=%v V=%v Line=%v, want (1-based) %v %v %v %v",
					test.name, m.I, m.J, m.V, m.Line, test.i, test.j, test.v, test.line)
			}
			if m.Data != nil {
				t.Errorf("%s: Data not nil for a coordinate file", test.name)
			}
		} else if m.I != nil || m.V != nil {
			t.Errorf("%s: I or V not nil for an array file", test.name)
		}
		d := m.Dense()
		if r, c := d.Dims(); r != test.h.Rows || c != test.h.Cols || !equalFloats(d.RawMatrix().Data, test.dense) {
			t.Errorf("%s: Dense = %v, want %v", test.name, mat.Formatted(d), test.dense)
		}
		checkMatrix(t, test.name, m)
	}
}

func addInts(a []int, d int) []int {
	b := make([]int, len(a))
	for k, x := range a {
		b[k] = x + d
	}
	return b
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// equalFloats compares bit patterns, so -0 != 0.
func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return true
}

// checkMatrix verifies the invariants of a successfully read Matrix, and
// that Dense, CSR, Triplets and Duplicate agree with each other and with
// independent computations. Matrices too large to expand are checked
// structurally only.
func checkMatrix(t *testing.T, name string, m *Matrix) {
	t.Helper()
	h := m.Header
	if h.Rows <= 0 || h.Cols <= 0 {
		t.Fatalf("%s: non-positive size %dx%d", name, h.Rows, h.Cols)
	}
	if h.Symmetry != General && h.Rows != h.Cols {
		t.Fatalf("%s: non-square %s", name, h.Symmetry)
	}
	switch h.Format {
	case Coordinate:
		if len(m.I) != h.NNZ || len(m.J) != h.NNZ || len(m.V) != h.NNZ || len(m.Line) != h.NNZ {
			t.Fatalf("%s: entry slices of lengths %d %d %d %d, NNZ %d", name, len(m.I), len(m.J), len(m.V), len(m.Line), h.NNZ)
		}
		for k := range m.I {
			i, j, v := m.I[k], m.J[k], m.V[k]
			if i < 0 || i >= h.Rows || j < 0 || j >= h.Cols {
				t.Fatalf("%s: entry %d (%d,%d) out of range", name, k, i, j)
			}
			if (h.Symmetry == Symmetric && i < j) || (h.Symmetry == SkewSymmetric && i <= j) {
				t.Fatalf("%s: entry %d (%d,%d) in the wrong triangle", name, k, i, j)
			}
			if !finite(v) || (h.Field == Pattern && v != 1) || (h.Field == Integer && v != math.Trunc(v)) {
				t.Fatalf("%s: entry %d has value %v", name, k, v)
			}
			if k > 0 && m.Line[k] <= m.Line[k-1] {
				t.Fatalf("%s: line numbers not increasing: %v", name, m.Line)
			}
		}
		checkDuplicate(t, name, m)
	case Array:
		if len(m.Data) != h.Rows*h.Cols {
			t.Fatalf("%s: len(Data) = %d for %dx%d", name, len(m.Data), h.Rows, h.Cols)
		}
		for _, v := range m.Data {
			if !finite(v) {
				t.Fatalf("%s: non-finite data %v", name, v)
			}
		}
	default:
		t.Fatalf("%s: format %q", name, h.Format)
	}
	if h.Format == Array && h.Rows*h.Cols > 1<<20 {
		return
	}

	// Reference: the expanded triplets summed in order into a map.
	ti, tj, tv := m.Triplets()
	if len(ti) != len(tj) || len(ti) != len(tv) {
		t.Fatalf("%s: Triplets lengths %d %d %d", name, len(ti), len(tj), len(tv))
	}
	want := make(map[[2]int]float64)
	for k := range ti {
		want[[2]int{ti[k], tj[k]}] += tv[k]
	}
	if h.Format == Array {
		for i := 0; i < h.Rows; i++ {
			for j := 0; j < h.Cols; j++ {
				if want[[2]int{i, j}] != m.Data[i+j*h.Rows] {
					t.Fatalf("%s: Triplets disagree with Data at (%d,%d)", name, i, j)
				}
			}
		}
	}
	if h.Rows <= 1<<16 {
		csr := m.CSR()
		if r, c := csr.Dims(); r != h.Rows || c != h.Cols {
			t.Fatalf("%s: CSR is %dx%d, header %dx%d", name, r, c, h.Rows, h.Cols)
		}
		raw := csr.RawMatrix()
		if len(raw.Indptr) != h.Rows+1 || raw.Indptr[0] != 0 || raw.Indptr[h.Rows] != len(raw.Ind) || len(raw.Ind) != len(raw.Data) {
			t.Fatalf("%s: bad CSR arrays", name)
		}
		for i := 0; i < h.Rows; i++ {
			if raw.Indptr[i] > raw.Indptr[i+1] {
				t.Fatalf("%s: CSR Indptr decreases at row %d", name, i)
			}
			for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
				j := raw.Ind[p]
				if j < 0 || j >= h.Cols || (p > raw.Indptr[i] && j <= raw.Ind[p-1]) {
					t.Fatalf("%s: CSR row %d columns not strictly increasing: %v", name, i, raw.Ind[raw.Indptr[i]:raw.Indptr[i+1]])
				}
				w, ok := want[[2]int{i, j}]
				if !ok || raw.Data[p] != w {
					t.Fatalf("%s: CSR (%d,%d) = %v, reference %v (present %t)", name, i, j, raw.Data[p], w, ok)
				}
			}
		}
		// Every position of the triplets is stored: the CSR pattern of a
		// coordinate file is exactly the set of positions in the file.
		if len(raw.Ind) != len(want) {
			t.Fatalf("%s: CSR stores %d entries, triplets have %d distinct positions", name, len(raw.Ind), len(want))
		}
	}
	if h.Cols > (1<<20)/h.Rows {
		return
	}
	d := m.Dense()
	if r, c := d.Dims(); r != h.Rows || c != h.Cols {
		t.Fatalf("%s: Dense is %dx%d, header %dx%d", name, r, c, h.Rows, h.Cols)
	}
	for i := 0; i < h.Rows; i++ {
		for j := 0; j < h.Cols; j++ {
			if dv, w := d.At(i, j), want[[2]int{i, j}]; dv != w {
				t.Fatalf("%s: Dense (%d,%d) = %v, reference %v", name, i, j, dv, w)
			}
		}
	}
}

// checkDuplicate compares Duplicate with a quadratic search.
func checkDuplicate(t *testing.T, name string, m *Matrix) {
	t.Helper()
	k1, k2, ok := m.Duplicate()
	if len(m.I) > 3000 {
		if ok && (k1 >= k2 || m.I[k1] != m.I[k2] || m.J[k1] != m.J[k2]) {
			t.Fatalf("%s: Duplicate = %d, %d: not a duplicate", name, k1, k2)
		}
		return
	}
	w1, w2, wok := 0, 0, false
search:
	for b := range m.I {
		for a := 0; a < b; a++ {
			if m.I[a] == m.I[b] && m.J[a] == m.J[b] {
				w1, w2, wok = a, b, true
				break search
			}
		}
	}
	if k1 != w1 || k2 != w2 || ok != wok {
		t.Fatalf("%s: Duplicate = %d, %d, %t; want %d, %d, %t", name, k1, k2, ok, w1, w2, wok)
	}
}

func TestReadErrors(t *testing.T) {
	const (
		coord = "%%MatrixMarket matrix coordinate real general\n"
		sym   = "%%MatrixMarket matrix coordinate real symmetric\n"
		skew  = "%%MatrixMarket matrix coordinate real skew-symmetric\n"
		integ = "%%MatrixMarket matrix coordinate integer general\n"
		patt  = "%%MatrixMarket matrix coordinate pattern general\n"
		array = "%%MatrixMarket matrix array real general\n"
	)
	// line17 puts a bad entry on line 17 of L.mtx, as in the package
	// documentation.
	line17 := coord + strings.Repeat("% comment\n", 14) + "40 40 1\n3 0 1.0\n"
	for _, test := range []struct {
		name, file, want string
		rd               Reader
		unsupported      bool
	}{
		{name: "empty", file: "", want: "t.mtx: empty file: missing %%MatrixMarket banner"},
		{name: "no banner", file: "1 1 1\n", want: `t.mtx:1: missing %%MatrixMarket banner, found "1 1 1"`},
		{name: "banner not first", file: "\n" + coord + "1 1 0\n", want: `t.mtx:1: missing %%MatrixMarket banner, found ""`},
		{name: "wrong magic", file: "%%MatrixMarkt matrix coordinate real general\n", want: `t.mtx:1: missing %%MatrixMarket banner, found "%%MatrixMarkt matrix coordinate real gen..."`},
		{name: "short banner", file: "%%MatrixMarket matrix coordinate real\n", want: `t.mtx:1: banner must have 5 tokens: %%MatrixMarket matrix <format> <field> <symmetry>, found "%%MatrixMarket matrix coordinate real"`},
		{name: "long banner", file: "%%MatrixMarket matrix coordinate real general x\n", want: `t.mtx:1: banner must have 5 tokens`},
		{name: "format", file: "%%MatrixMarket matrix sparse real general\n", want: `t.mtx:1: unknown format "sparse": want coordinate or array`},
		{name: "field", file: "%%MatrixMarket matrix coordinate float general\n", want: `t.mtx:1: unknown field "float": want real, integer or pattern`},
		{name: "symmetry", file: "%%MatrixMarket matrix coordinate real upper\n", want: `t.mtx:1: unknown symmetry "upper": want general, symmetric or skew-symmetric`},
		{name: "complex", file: "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", want: "t.mtx:1: field complex: not supported", unsupported: true},
		{name: "hermitian", file: "%%MatrixMarket matrix coordinate real Hermitian\n", want: "t.mtx:1: symmetry hermitian: not supported", unsupported: true},
		{name: "vector", file: "%%MatrixMarket vector coordinate real general\n", want: `t.mtx:1: object "vector": not supported`, unsupported: true},
		{name: "array pattern", file: "%%MatrixMarket matrix array pattern general\n", want: "t.mtx:1: invalid banner: array format with pattern field"},
		{name: "pattern skew", file: "%%MatrixMarket matrix coordinate pattern skew-symmetric\n", want: "t.mtx:1: invalid banner: pattern field with skew-symmetric symmetry"},

		{name: "no size line", file: coord + "% only a comment\n", want: "t.mtx:2: unexpected end of file: missing size line"},
		{name: "size tokens", file: coord + "3 3\n", want: `t.mtx:2: bad size line "3 3": want 3 integers (rows, columns, entries), found 2 tokens`},
		{name: "array size tokens", file: array + "3 3 9\n", want: `t.mtx:2: bad size line "3 3 9": want 2 integers (rows, columns), found 3 tokens`},
		{name: "size syntax", file: coord + "3 x 2\n", want: `t.mtx:2: bad size line "3 x 2": invalid column count "x"`},
		{name: "size float", file: coord + "3 3 2.0\n", want: `t.mtx:2: bad size line "3 3 2.0": invalid entry count "2.0"`},
		{name: "size negative", file: coord + "-3 3 2\n", want: "t.mtx:2: bad size line: negative row count -3"},
		{name: "size overflow", file: coord + "3 99999999999999999999 2\n", want: "t.mtx:2: bad size line: column count 99999999999999999999 too large"},
		{name: "nnz overflow", file: coord + "3 3 99999999999999999999\n", want: "t.mtx:2: bad size line: entry count 99999999999999999999 too large"},
		{name: "zero size", file: coord + "0 3 0\n", want: "t.mtx:2: matrix size 0x3 has a zero dimension"},
		{name: "symmetric not square", file: sym + "3 4 1\n", want: "t.mtx:2: symmetric matrix must be square, size line says 3x4"},
		{name: "array overflow", file: array + "4294967296 4294967296\n", want: "t.mtx:2: array size 4294967296x4294967296 overflows"},
		{name: "max entries", file: coord + "3 3 10\n", rd: Reader{MaxEntries: 5}, want: "t.mtx:2: 10 entries exceed the limit of 5"},
		{name: "max entries array", file: array + "3 3\n", rd: Reader{MaxEntries: 5}, want: "t.mtx:2: 9 entries exceed the limit of 5"},
		{name: "max dim", file: coord + "100 3 1\n", rd: Reader{MaxDim: 50}, want: "t.mtx:2: matrix size 100x3 exceeds the limit of 50 rows and columns"},

		{name: "column index 0", file: line17, want: "t.mtx:17: column index 0 out of range 1..40"},
		{name: "row index too big", file: coord + "3 3 1\n4 1 1\n", want: "t.mtx:3: row index 4 out of range 1..3"},
		{name: "negative index", file: coord + "3 3 1\n1 -2 1\n", want: "t.mtx:3: column index -2 out of range 1..3"},
		{name: "huge index", file: coord + "3 3 1\n99999999999999999999 1 1\n", want: "t.mtx:3: row index 99999999999999999999 out of range 1..3"},
		{name: "float index", file: coord + "3 3 1\n1.5 1 2\n", want: `t.mtx:3: invalid row index "1.5"`},
		{name: "too few tokens", file: coord + "3 3 1\n1 1\n", want: `t.mtx:3: want 3 tokens (row, column, value), found 2 tokens in "1 1"`},
		{name: "too many tokens", file: coord + "3 3 1\n1 1 1 0\n", want: `t.mtx:3: want 3 tokens (row, column, value), found 4 tokens in "1 1 1 0"`},
		{name: "pattern with value", file: patt + "3 3 1\n1 1 1\n", want: `t.mtx:3: want 2 tokens (row, column), found 3 tokens in "1 1 1"`},
		{name: "NaN", file: coord + "3 3 2\n1 1 1\n2 2 NaN\n", want: "t.mtx:4: value NaN is not a finite number"},
		{name: "Inf", file: coord + "3 3 1\n1 1 -inf\n", want: "t.mtx:3: value -inf is not a finite number"},
		{name: "overflowing value", file: coord + "3 3 1\n1 1 1e400\n", want: "t.mtx:3: value 1e400 overflows float64"},
		{name: "bad value", file: coord + "3 3 1\n1 1 abc\n", want: `t.mtx:3: invalid value "abc"`},
		{name: "Fortran exponent", file: coord + "3 3 1\n1 1 1.0D+00\n", want: `t.mtx:3: invalid value "1.0D+00"`},
		{name: "digit separator", file: coord + "3 3 1\n1 1 1_000\n", want: `t.mtx:3: invalid value "1_000"`},
		{name: "integer field float", file: integ + "3 3 1\n1 1 1.5\n", want: `t.mtx:3: invalid integer value "1.5"`},
		{name: "integer sign only", file: integ + "3 3 1\n1 1 -\n", want: `t.mtx:3: invalid integer value "-"`},
		{name: "integer overflow", file: integ + "3 3 1\n1 1 1" + strings.Repeat("0", 309) + "\n", want: "t.mtx:3: integer value 1000000000000000000000000000000000000000... overflows float64"},
		{name: "truncated", file: coord + "3 3 5\n1 1 1\n2 2 1\n3 3 1\n", want: "t.mtx:5: unexpected end of file: size line declares 5 entries, found 3"},
		{name: "truncated mid-line", file: coord + "3 3 2\n1 1 1\n2 2", want: `t.mtx:4: want 3 tokens (row, column, value), found 2 tokens in "2 2"`},
		{name: "too many entries", file: coord + "3 3 1\n1 1 1\n% c\n\n2 2 1\n", want: `t.mtx:6: too many entries: size line declares 1, unexpected "2 2 1"`},
		{name: "symmetric both triangles", file: sym + "3 3 3\n1 2 1\n2 2 1\n2 1 1\n", want: "t.mtx:5: entry (2,1) is below the diagonal but line 3 stores (1,2) above it: a symmetric file stores one triangle, not both"},
		{name: "symmetric lower then upper", file: sym + "3 3 2\n3 1 1\n% c\n2 3 1\n", want: "t.mtx:5: entry (2,3) is above the diagonal but line 3 stores (3,1) below it: a symmetric file stores one triangle, not both"},
		{name: "skew diagonal", file: skew + "3 3 1\n2 2 1\n", want: "t.mtx:3: entry (2,2) is on the diagonal: a skew-symmetric file stores only one strict triangle"},
		{name: "skew both triangles", file: skew + "3 3 2\n2 3 1\n3 2 1\n", want: "t.mtx:4: entry (3,2) is below the diagonal but line 3 stores (2,3) above it: a skew-symmetric file stores one triangle, not both"},
		{name: "array truncated", file: array + "2 2\n1\n2\n3\n", want: "t.mtx:5: unexpected end of file: size line implies 4 values, found 3"},
		{name: "array row per line", file: array + "2 2\n1 2\n3 4\n", want: `t.mtx:3: want 1 value per line in array format, found 2 tokens in "1 2"`},
		{name: "array too many", file: array + "1 1\n1\n2\n", want: `t.mtx:4: too many entries: size line declares 1, unexpected "2"`},
		{name: "array NaN", file: array + "1 2\n1\nnan\n", want: "t.mtx:4: value nan is not a finite number"},
		{name: "long line", file: coord + "3 3 1\n" + "1 1 " + strings.Repeat("1", bufSize) + "\n", want: "t.mtx:3: line longer than 65536 bytes"},
	} {
		m, err := test.rd.Read(strings.NewReader(test.file), "t.mtx")
		if err == nil {
			t.Errorf("%s: no error, read %+v", test.name, m.Header)
			continue
		}
		if m != nil {
			t.Errorf("%s: non-nil matrix with error", test.name)
		}
		if !strings.HasPrefix(err.Error(), test.want) {
			t.Errorf("%s: error\n%q, want\n%q", test.name, err, test.want)
		}
		var e *Error
		if !errors.As(err, &e) || e.Name != "t.mtx" {
			t.Errorf("%s: error %T does not carry the name", test.name, err)
		}
		if errors.Is(err, ErrUnsupported) != test.unsupported {
			t.Errorf("%s: errors.Is(err, ErrUnsupported) = %t", test.name, !test.unsupported)
		}
	}
}

func TestLongCommentLine(t *testing.T) {
	// Comment lines may be longer than the read buffer.
	file := "%%MatrixMarket matrix coordinate real general\n" +
		"%" + strings.Repeat("x", 3*bufSize) + "\n" +
		"2 2 1\n" +
		"%" + strings.Repeat("y", bufSize+7) + "\n" +
		"2 1 3\n"
	m, err := Read(strings.NewReader(file), "t.mtx")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.I) != 1 || m.I[0] != 1 || m.J[0] != 0 || m.V[0] != 3 || m.Line[0] != 5 {
		t.Errorf("got I=%v J=%v V=%v Line=%v", m.I, m.J, m.V, m.Line)
	}
}

func TestLyingHeader(t *testing.T) {
	const limit = 4 << 20 // bytes; the preallocation cap is 2 MiB
	for _, test := range []struct {
		name, file, want string
	}{
		{
			name: "coordinate",
			file: "%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 999999999999\n1 1 1\n2 2 2\n3 3 3\n",
			want: "t.mtx:5: unexpected end of file: size line declares 999999999999 entries, found 3",
		},
		{
			name: "coordinate MaxInt",
			file: "%%MatrixMarket matrix coordinate pattern symmetric\n9223372036854775807 9223372036854775807 9223372036854775807\n1 1\n",
			want: "t.mtx:3: unexpected end of file: size line declares 9223372036854775807 entries, found 1",
		},
		{
			name: "array",
			file: "%%MatrixMarket matrix array real general\n100000 100000\n1\n2\n",
			want: "t.mtx:4: unexpected end of file: size line implies 10000000000 values, found 2",
		},
		{
			name: "array symmetric",
			file: "%%MatrixMarket matrix array real symmetric\n3000000000 3000000000\n1\n2\n",
			want: "t.mtx:4: unexpected end of file: size line implies 4500000001500000000 values, found 2",
		},
	} {
		var err error
		start := time.Now()
		n := readtest.Allocated(func() {
			_, err = Read(strings.NewReader(test.file), "t.mtx")
		})
		if err == nil || err.Error() != test.want {
			t.Errorf("%s: error %v, want %s", test.name, err, test.want)
		}
		if n > limit {
			t.Errorf("%s: allocated %d bytes, want at most %d", test.name, n, limit)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %v", test.name, d)
		}
	}

	// A huge but sparse matrix whose header tells the truth is fine, and
	// Duplicate and Triplets do not allocate in proportion to its size.
	file := "%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 3\n1000000000 1 1\n5 5 2\n1000000000 1 3\n"
	var m *Matrix
	var err error
	n := readtest.Allocated(func() {
		m, err = Read(strings.NewReader(file), "t.mtx")
		if err != nil {
			return
		}
		k1, k2, ok := m.Duplicate()
		if !ok || k1 != 0 || k2 != 2 {
			t.Errorf("Duplicate = %d, %d, %t, want 0, 2, true", k1, k2, ok)
		}
		m.Triplets()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n > limit {
		t.Errorf("huge sparse matrix: allocated %d bytes", n)
	}
}

func TestGzip(t *testing.T) {
	const file = "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5\n2 1 -2\n"
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write([]byte(file))
	zw.Close()
	gz := zbuf.Bytes()

	check := func(name string, m *Matrix, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !equalInts(m.I, []int{0, 1}) || !equalInts(m.J, []int{0, 0}) || !equalFloats(m.V, []float64{1.5, -2}) {
			t.Errorf("%s: got I=%v J=%v V=%v", name, m.I, m.J, m.V)
		}
	}
	m, err := Read(bytes.NewReader(gz), "t.mtx.gz")
	check("Read", m, err)

	dir := t.TempDir()
	for _, name := range []string{"a.mtx.gz", "misnamed.mtx"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, gz, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadFile(path)
		check(name, m, err)
		if m.Name != path {
			t.Errorf("%s: Name = %q", name, m.Name)
		}
	}
	// A plain file named .gz is read as plain text.
	path := filepath.Join(dir, "plain.mtx.gz")
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err = ReadFile(path)
	check("plain .gz", m, err)

	// Damaged gzip streams are read errors naming the source.
	bad := bytes.Clone(gz)
	bad[len(bad)-5] ^= 0xff // corrupt the CRC-32 / length trailer
	if _, err := Read(bytes.NewReader(bad), "bad.mtx.gz"); err == nil || !strings.HasPrefix(err.Error(), "bad.mtx.gz") || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("corrupt trailer: error %v", err)
	}
	if _, err := Read(bytes.NewReader(gz[:len(gz)/2]), "cut.mtx.gz"); err == nil || !strings.HasPrefix(err.Error(), "cut.mtx.gz") {
		t.Errorf("truncated gzip: error %v", err)
	}
	if _, err := Read(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), "hdr.mtx.gz"); err == nil || !strings.HasPrefix(err.Error(), "hdr.mtx.gz: gzip") {
		t.Errorf("bad gzip header: error %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.mtx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v", err)
	}
}

// TestRandomInput feeds random bytes and randomly damaged valid files to
// Read: it must never panic, and what it accepts must be consistent.
func TestRandomInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 3000
	if testing.Short() {
		n = 500
	}
	alphabet := []byte("0123456789 \n\t\r%%.-+eEMatrixMarket")
	accepted := 0
	for trial := 0; trial < n; trial++ {
		var in []byte
		if trial%3 == 0 {
			in = make([]byte, rng.IntN(200))
			for k := range in {
				if rng.IntN(2) == 0 {
					in[k] = byte(rng.UintN(256))
				} else {
					in[k] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		} else {
			in = []byte(readTests[rng.IntN(len(readTests))].file)
			for e := 1 + rng.IntN(3); e > 0 && len(in) > 0; e-- {
				k := rng.IntN(len(in))
				switch rng.IntN(4) {
				case 0:
					in[k] = alphabet[rng.IntN(len(alphabet))]
				case 1:
					in = in[:k]
				case 2:
					in = append(in[:k], in[k+1:]...)
				default:
					in = append(in[:k], append([]byte{alphabet[rng.IntN(len(alphabet))]}, in[k:]...)...)
				}
			}
		}
		m, err := Read(bytes.NewReader(in), "r.mtx")
		if err != nil {
			if m != nil || !strings.HasPrefix(err.Error(), "r.mtx") {
				t.Fatalf("input %q: error %v with matrix %v", in, err, m)
			}
			continue
		}
		accepted++
		checkMatrix(t, strconv.Quote(string(in)), m)
	}
	if accepted == 0 {
		t.Errorf("no random input was accepted; the test checks nothing")
	}
	t.Logf("%d of %d inputs accepted", accepted, n)
}

// bigFile returns a coordinate file of nnz random entries.
func bigFile(nnz int) []byte {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 100000
	var buf bytes.Buffer
	buf.WriteString("%%MatrixMarket matrix coordinate real general\n% big\n")
	buf.WriteString(strconv.Itoa(n) + " " + strconv.Itoa(n) + " " + strconv.Itoa(nnz) + "\n")
	b := make([]byte, 0, 64)
	for k := 0; k < nnz; k++ {
		b = strconv.AppendInt(b[:0], int64(1+rng.IntN(n)), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(1+rng.IntN(n)), 10)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, rng.NormFloat64(), 'g', -1, 64)
		b = append(b, '\n')
		buf.Write(b)
	}
	return buf.Bytes()
}

func TestReadSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10^6-entry file")
	}
	const nnz = 1000000
	file := bigFile(nnz)
	// The baseline, timed in the same run: splitting the same bytes into
	// lines and fields and parsing every field with strconv, the least any
	// reader must do. No absolute time is asserted.
	start := time.Now()
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			v, _ := strconv.ParseFloat(f, 64)
			sum += v
		}
	}
	base := time.Since(start)
	start = time.Now()
	m, err := Read(bytes.NewReader(file), "big.mtx")
	d := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.I) != nnz {
		t.Fatalf("read %d entries", len(m.I))
	}
	t.Logf("read %d entries (%d MB) in %v; strconv baseline %v (checksum %g)", nnz, len(file)>>20, d, base, sum)
	if d > 10*base {
		t.Errorf("reading %d entries took %v, over 10 times the strconv baseline %v", nnz, d, base)
	}
}
