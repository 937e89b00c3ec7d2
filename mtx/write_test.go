package mtx

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// randFloat returns a random finite float64 drawn from all bit patterns,
// or one of a few special values.
func randFloat(rng *rand.Rand) float64 {
	specials := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 1e-320, 123456789012345678}
	if rng.IntN(4) == 0 {
		return specials[rng.IntN(len(specials))]
	}
	for {
		v := math.Float64frombits(rng.Uint64())
		if finite(v) {
			return v
		}
	}
}

// randMatrix returns a random Matrix of the given kind whose Write output
// reads back identically.
func randMatrix(rng *rand.Rand, h Header) *Matrix {
	m := &Matrix{Header: h}
	val := func() float64 {
		switch h.Field {
		case Pattern:
			return 1
		case Integer:
			if rng.IntN(5) == 0 {
				return []float64{-(1 << 63), 1 << 63, 1e300, -math.MaxFloat64, math.Copysign(0, -1), -1}[rng.IntN(6)]
			}
			return float64(rng.Int64N(1<<54) - 1<<53)
		}
		return randFloat(rng)
	}
	if h.Format == Array {
		r, c := h.Rows, h.Cols
		m.Data = make([]float64, r*c)
		for j := 0; j < c; j++ {
			for i := 0; i < r; i++ {
				switch {
				case h.Symmetry == General:
					m.Data[i+j*r] = val()
				case i == j && h.Symmetry == SkewSymmetric:
				case i >= j:
					v := val()
					m.Data[i+j*r] = v
					if h.Symmetry == SkewSymmetric {
						v = -v
					}
					m.Data[j+i*r] = v
				}
			}
		}
		switch h.Symmetry {
		case General:
			m.NNZ = r * c
		case Symmetric:
			m.NNZ = r * (r + 1) / 2
		default:
			m.NNZ = r * (r - 1) / 2
		}
		return m
	}
	for k := 0; k < h.NNZ; k++ {
		i, j := rng.IntN(h.Rows), rng.IntN(h.Cols)
		switch h.Symmetry {
		case Symmetric:
			i, j = max(i, j), min(i, j)
		case SkewSymmetric:
			i, j = max(i, j), min(i, j)
			if i == j {
				if i == 0 {
					i = 1
				} else {
					j = i - 1
				}
			}
		}
		if k > 0 && rng.IntN(8) == 0 { // repeat an earlier position
			p := rng.IntN(k)
			i, j = m.I[p], m.J[p]
		}
		m.I = append(m.I, i)
		m.J = append(m.J, j)
		m.V = append(m.V, val())
		m.Line = append(m.Line, 0)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var kinds []Header
	for _, format := range []string{Coordinate, Array} {
		for _, field := range []string{Real, Integer, Pattern} {
			for _, symmetry := range []string{General, Symmetric, SkewSymmetric} {
				if (format == Array && field == Pattern) || (field == Pattern && symmetry == SkewSymmetric) {
					continue
				}
				kinds = append(kinds, Header{Format: format, Field: field, Symmetry: symmetry})
			}
		}
	}
	for _, h := range kinds {
		for trial := 0; trial < 20; trial++ {
			h.Rows = 2 + rng.IntN(12)
			h.Cols = h.Rows
			if h.Symmetry == General {
				h.Cols = 1 + rng.IntN(12)
			}
			h.NNZ = rng.IntN(40)
			want := randMatrix(rng, h)
			var buf bytes.Buffer
			if err := Write(&buf, want, "round trip\nsecond line"); err != nil {
				t.Fatalf("%+v: Write: %v", h, err)
			}
			got, err := Read(&buf, "rt.mtx")
			if err != nil {
				t.Fatalf("%+v: Read: %v", h, err)
			}
			name := h.Format + " " + h.Field + " " + h.Symmetry
			if got.Header != want.Header {
				t.Fatalf("%s: header %+v, want %+v", name, got.Header, want.Header)
			}
			if !equalInts(got.I, want.I) || !equalInts(got.J, want.J) || !equalFloats(got.V, want.V) || !equalFloats(got.Data, want.Data) {
				t.Fatalf("%s: round trip changed the matrix:\n got %v %v %v %v\nwant %v %v %v %v", name,
					got.I, got.J, got.V, got.Data, want.I, want.J, want.V, want.Data)
			}
			checkMatrix(t, name, got)
		}
	}
}

func TestWriteDense(t *testing.T) {
	a := mat.NewDense(2, 3, []float64{1, -0.5, 3e-300, 0.1, 0, 1e21})
	var buf bytes.Buffer
	if err := WriteDense(&buf, a, "X\n\r\nmade by a test\n"); err != nil {
		t.Fatal(err)
	}
	const want = "%%MatrixMarket matrix array real general\n" +
		"% X\n%\n% made by a test\n" +
		"2 3\n1\n0.1\n-0.5\n0\n3e-300\n1e+21\n"
	if buf.String() != want {
		t.Errorf("WriteDense wrote\n%s\nwant\n%s", buf.String(), want)
	}
	m, err := Read(&buf, "X.mtx")
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(m.Dense(), a) {
		t.Errorf("round trip: %v", mat.Formatted(m.Dense()))
	}

	// A transposed view, and random full-precision values.
	rng := rand.New(rand.NewPCG(3, 4))
	b := mat.NewDense(7, 5, nil)
	for i := 0; i < 7; i++ {
		for j := 0; j < 5; j++ {
			b.Set(i, j, randFloat(rng))
		}
	}
	buf.Reset()
	if err := WriteDense(&buf, b.T(), ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "%\n") {
		t.Errorf("empty comment produced a comment line")
	}
	m, err = Read(&buf, "BT.mtx")
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dense()
	for i := 0; i < 5; i++ {
		for j := 0; j < 7; j++ {
			if math.Float64bits(d.At(i, j)) != math.Float64bits(b.At(j, i)) {
				t.Fatalf("element (%d,%d) = %v, want %v", i, j, d.At(i, j), b.At(j, i))
			}
		}
	}
}

func TestWriteCoordinate(t *testing.T) {
	for _, test := range []struct {
		name string
		v    []float64
		want string
	}{
		{
			name: "real",
			v:    []float64{2.5, 0, -1e-7},
			want: "%%MatrixMarket matrix coordinate real general\n% G\n3 2 3\n3 1 2.5\n1 2 0\n3 1 -1e-07\n",
		},
		{
			name: "pattern",
			want: "%%MatrixMarket matrix coordinate pattern general\n% G\n3 2 3\n3 1\n1 2\n3 1\n",
		},
	} {
		i, j := []int{2, 0, 2}, []int{0, 1, 0}
		var buf bytes.Buffer
		if err := WriteCoordinate(&buf, 3, 2, i, j, test.v, "G"); err != nil {
			t.Fatal(err)
		}
		if buf.String() != test.want {
			t.Errorf("%s: wrote\n%s\nwant\n%s", test.name, buf.String(), test.want)
		}
		m, err := Read(&buf, "G.mtx")
		if err != nil {
			t.Fatal(err)
		}
		wantV := test.v
		if wantV == nil {
			wantV = []float64{1, 1, 1}
		}
		if !equalInts(m.I, i) || !equalInts(m.J, j) || !equalFloats(m.V, wantV) {
			t.Errorf("%s: read back %v %v %v", test.name, m.I, m.J, m.V)
		}
		if k1, k2, ok := m.Duplicate(); !ok || k1 != 0 || k2 != 2 || m.Line[k1] != 4 || m.Line[k2] != 6 {
			t.Errorf("%s: Duplicate = %d, %d, %t", test.name, k1, k2, ok)
		}
	}
}

func TestWriteSparse(t *testing.T) {
	// A CSR matrix with an explicit zero: DoNonZero keeps it in the file.
	csr := sparse.NewCSR(2, 3, []int{0, 2, 3}, []int{0, 2, 1}, []float64{1.5, 0, -2})
	var buf bytes.Buffer
	if err := WriteSparse(&buf, csr, ""); err != nil {
		t.Fatal(err)
	}
	want := "%%MatrixMarket matrix coordinate real general\n2 3 3\n1 1 1.5\n1 3 0\n2 2 -2\n"
	if buf.String() != want {
		t.Errorf("CSR: wrote\n%s\nwant\n%s", buf.String(), want)
	}

	// Its transpose as a mat.Transpose wrapper: still through DoNonZero.
	buf.Reset()
	if err := WriteSparse(&buf, mat.Transpose{Matrix: csr}, ""); err != nil {
		t.Fatal(err)
	}
	want = "%%MatrixMarket matrix coordinate real general\n3 2 3\n1 1 1.5\n3 1 0\n2 2 -2\n"
	if buf.String() != want {
		t.Errorf("Transpose: wrote\n%s\nwant\n%s", buf.String(), want)
	}

	// A dense matrix: scanned with At, zeros dropped, column-major.
	buf.Reset()
	if err := WriteSparse(&buf, mat.NewDense(2, 2, []float64{0, 3, 4, 0}), "D"); err != nil {
		t.Fatal(err)
	}
	want = "%%MatrixMarket matrix coordinate real general\n% D\n2 2 2\n2 1 4\n1 2 3\n"
	if buf.String() != want {
		t.Errorf("Dense: wrote\n%s\nwant\n%s", buf.String(), want)
	}

	// Read back into a CSR with the same pattern, explicit zero included.
	m, err := Read(strings.NewReader("%%MatrixMarket matrix coordinate real general\n2 3 3\n1 1 1.5\n1 3 0\n2 2 -2\n"), "c.mtx")
	if err != nil {
		t.Fatal(err)
	}
	raw := m.CSR().RawMatrix()
	if !equalInts(raw.Indptr, []int{0, 2, 3}) || !equalInts(raw.Ind, []int{0, 2, 1}) || !equalFloats(raw.Data, []float64{1.5, 0, -2}) {
		t.Errorf("CSR = %v %v %v", raw.Indptr, raw.Ind, raw.Data)
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errFail = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errFail
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	nan := math.NaN()
	sym := &Matrix{Header: Header{Array, Real, Symmetric, 2, 2, 0}, Data: []float64{1, 2, 3, 4}}
	skew := &Matrix{Header: Header{Array, Real, SkewSymmetric, 2, 2, 0}, Data: []float64{1, 2, -2, 0}}
	upper := &Matrix{Header: Header{Coordinate, Real, Symmetric, 2, 2, 0}, I: []int{0}, J: []int{1}, V: []float64{1}}
	frac := &Matrix{Header: Header{Coordinate, Integer, General, 2, 2, 0}, I: []int{0}, J: []int{1}, V: []float64{1.5}}
	big := &Matrix{Header: Header{Array, Integer, General, 1, 1, 0}, Data: []float64{1e-300}}
	for _, test := range []struct {
		name  string
		write func(w io.Writer) error
		want  string
	}{
		{"dense NaN", func(w io.Writer) error {
			return WriteDense(w, mat.NewDense(2, 2, []float64{1, 2, nan, 4}), "")
		}, "mtx: WriteDense: element (1, 0) = NaN is not finite"},
		{"coordinate Inf", func(w io.Writer) error {
			return WriteCoordinate(w, 2, 2, []int{0, 1}, []int{0, 1}, []float64{1, math.Inf(-1)}, "")
		}, "mtx: WriteCoordinate: entry 1 at (1, 1) = -Inf is not finite"},
		{"sparse NaN", func(w io.Writer) error {
			return WriteSparse(w, sparse.NewCSR(1, 2, []int{0, 1}, []int{1}, []float64{nan}), "")
		}, "mtx: WriteSparse: entry at (0, 1) = NaN is not finite"},
		{"symmetric data", func(w io.Writer) error { return Write(w, sym, "") },
			"mtx: Write: symmetric data differs at (1, 0) and (0, 1)"},
		{"skew diagonal", func(w io.Writer) error { return Write(w, skew, "") },
			"mtx: Write: skew-symmetric data has nonzero diagonal element (0, 0)"},
		{"symmetric upper", func(w io.Writer) error { return Write(w, upper, "") },
			"mtx: Write: entry 0 at (0, 1) is above the diagonal of a symmetric matrix"},
		{"integer fraction", func(w io.Writer) error { return Write(w, frac, "") },
			"mtx: Write: entry 0 at (0, 1) = 1.5 is not an integer"},
		{"integer array fraction", func(w io.Writer) error { return Write(w, big, "") },
			"mtx: Write: element (0, 0) = 1e-300 is not an integer"},
	} {
		var buf bytes.Buffer
		err := test.write(&buf)
		if err == nil || err.Error() != test.want {
			t.Errorf("%s: error %v, want %s", test.name, err, test.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", test.name, buf.Len())
		}
	}

	// Errors from the destination are returned.
	a := mat.NewDense(100, 100, nil)
	if err := WriteDense(&failWriter{n: 1000}, a, ""); !errors.Is(err, errFail) {
		t.Errorf("WriteDense to a failing writer: %v", err)
	}
	if err := WriteCoordinate(&failWriter{n: 10}, 1, 1, []int{0}, []int{0}, []float64{1}, ""); !errors.Is(err, errFail) {
		t.Errorf("WriteCoordinate to a failing writer: %v", err)
	}
}

func TestWritePanics(t *testing.T) {
	for _, test := range []struct {
		name string
		f    func()
	}{
		{"dense empty", func() { WriteDense(io.Discard, &mat.Dense{}, "") }},
		{"coordinate zero rows", func() { WriteCoordinate(io.Discard, 0, 1, nil, nil, nil, "") }},
		{"coordinate lengths", func() { WriteCoordinate(io.Discard, 2, 2, []int{0}, []int{0, 1}, nil, "") }},
		{"coordinate values", func() { WriteCoordinate(io.Discard, 2, 2, []int{0}, []int{0}, []float64{}, "") }},
		{"coordinate range", func() { WriteCoordinate(io.Discard, 2, 2, []int{2}, []int{0}, nil, "") }},
		{"sparse empty", func() { WriteSparse(io.Discard, &mat.Dense{}, "") }},
		{"write header", func() { Write(io.Discard, &Matrix{Header: Header{Array, Pattern, General, 1, 1, 0}}, "") }},
		{"write square", func() { Write(io.Discard, &Matrix{Header: Header{Array, Real, Symmetric, 1, 2, 0}}, "") }},
		{"write data", func() {
			Write(io.Discard, &Matrix{Header: Header{Array, Real, General, 2, 2, 0}, Data: []float64{1}}, "")
		}},
		{"write index", func() {
			Write(io.Discard, &Matrix{Header: Header{Coordinate, Pattern, General, 2, 2, 0}, I: []int{0}, J: []int{-1}}, "")
		}},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "mtx: ") {
					t.Errorf("%s: recovered %v, want an mtx: panic", test.name, r)
				}
			}()
			test.f()
		}()
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "X.mtx")
	a := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	writeA := func(w io.Writer) error { return WriteDense(w, a, "") }

	if err := WriteFile(path, writeA); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, %v; want 0644", fi.Mode(), err)
	}
	if m, err := ReadFile(path); err != nil || !mat.Equal(m.Dense(), a) {
		t.Fatalf("reading back: %v", err)
	}

	// A failing callback, after writing part of the output, and a
	// panicking one, leave the old file and no temporary behind.
	failing := func(w io.Writer) error {
		io.WriteString(w, "%%MatrixMarket matrix array real general\n2 2\n9\n")
		return errFail
	}
	if err := WriteFile(path, failing); err != errFail {
		t.Errorf("failing callback: error %v, want it unchanged", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v", r)
			}
		}()
		WriteFile(path, func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("boom")
		})
	}()
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, old) {
		t.Errorf("old file changed: %q, %v", got, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "X.mtx" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only X.mtx", names)
	}

	// Replacing keeps the permissions of the replaced file.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	b := mat.NewDense(1, 1, []float64{-7})
	if err := WriteFile(path, func(w io.Writer) error { return WriteDense(w, b, "") }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, %v; want 0600", fi.Mode(), err)
	}
	if m, err := ReadFile(path); err != nil || m.Dense().At(0, 0) != -7 {
		t.Errorf("replaced file does not read back: %v", err)
	}

	// A .gz name is compressed and reads back.
	gzPath := filepath.Join(dir, "X.mtx.GZ")
	if err := WriteFile(gzPath, writeA); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(gzPath)
	if err != nil || len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		t.Fatalf("%s is not gzip: %v", gzPath, err)
	}
	if m, err := ReadFile(gzPath); err != nil || !mat.Equal(m.Dense(), a) {
		t.Errorf("reading back %s: %v", gzPath, err)
	}

	// A missing directory is an error.
	if err := WriteFile(filepath.Join(dir, "no", "such", "X.mtx"), writeA); err == nil {
		t.Errorf("no error for a missing directory")
	}
}
