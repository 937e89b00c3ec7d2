package mtx_test

// Hostile input for the Matrix Market reader: lying headers, truncation at
// every byte, random and mutated bytes, non-finite and overflowing numbers,
// and broken or inflating gzip streams. Every read error must be an
// *mtx.Error naming the source (and the line where there is one), and memory
// must follow the entries actually present.

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sparsels/sparsels/internal/readtest"
	"github.com/sparsels/sparsels/mtx"
)

// advRead reads data and checks the error contract: no panic, a nil matrix
// with every error, and every error an *mtx.Error with the given name and
// a line number within the input.
func advRead(t *testing.T, rd mtx.Reader, data []byte, name string) (*mtx.Matrix, *mtx.Error) {
	t.Helper()
	m, err := readtest.Read(t, data, func() (*mtx.Matrix, error) { return rd.Read(bytes.NewReader(data), name) })
	if err == nil {
		return m, nil
	}
	var e *mtx.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) for %q", err, err, readtest.Clip(data))
	}
	if e.Name != name || !strings.HasPrefix(err.Error(), name+":") {
		t.Fatalf("error %q does not name the source %q", err, name)
	}
	gz := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
	if lines := bytes.Count(data, []byte("\n")) + 1; e.Line < 0 || (!gz && e.Line > lines) {
		t.Fatalf("error %q on line %d of a %d-line input", err, e.Line, lines)
	}
	return nil, e
}

// TestReadLyingHeaders checks that size lines claiming far more than the
// input holds cost nothing: the error (a truncated file) comes with memory
// proportional to the few entries present, and the reader limits refuse the
// size line before any entry is read.
func TestReadLyingHeaders(t *testing.T) {
	for _, test := range []struct {
		name, file string
		want       string
		line       int
	}{
		{"coordinate, 10¹⁸ entries declared", "%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 1000000000000000000\n1 1 1\n2 2 2\n",
			"size line declares 1000000000000000000 entries, found 2", 4},
		{"array, 10¹⁰ values implied", "%%MatrixMarket matrix array real general\n100000 100000\n1\n2\n3\n",
			"size line implies 10000000000 values, found 3", 5},
		{"symmetric array 3·10⁹ × 3·10⁹", "%%MatrixMarket matrix array real symmetric\n3000000000 3000000000\n1\n",
			"size line implies 4500000001500000000 values, found 1", 3},
		{"array size overflows int", "%%MatrixMarket matrix array real general\n4000000000 4000000000\n1\n",
			"array size 4000000000x4000000000 overflows", 2},
		{"size beyond int", "%%MatrixMarket matrix coordinate real general\n99999999999999999999 1 1\n1 1 1\n",
			"row count 99999999999999999999 too large", 2},
		{"negative size", "%%MatrixMarket matrix coordinate real general\n-5 5 1\n",
			"negative row count -5", 2},
		{"zero size", "%%MatrixMarket matrix coordinate real general\n0 5 0\n", "zero dimension", 2},
		{"non-square symmetric", "%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n", "must be square", 2},
		{"missing size line", "%%MatrixMarket matrix coordinate real general\n% only comments\n", "missing size line", 2},
	} {
		t.Run(test.name, func(t *testing.T) {
			var e *mtx.Error
			bytes := readtest.Allocated(func() { _, e = advRead(t, mtx.Reader{}, []byte(test.file), "lie.mtx") })
			if e == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(e.Msg, test.want) || e.Line != test.line {
				t.Errorf("error %q, want line %d and %q", e, test.line, test.want)
			}
			// The reader reserves room for at most 2¹⁶ entries (2 MiB)
			// before they arrive.
			if bytes > 3<<20 {
				t.Errorf("%d bytes allocated for a %d-byte file", bytes, len(test.file))
			}
		})
	}
	// Limits for untrusted input: reported on the size line, before the
	// (here endless) entries are read.
	endless := io.MultiReader(strings.NewReader("%%MatrixMarket matrix coordinate real general\n10 10 5000000000\n"),
		&repeatReader{line: []byte("1 1 1\n")})
	_, err := mtx.Reader{MaxEntries: 1000}.Read(endless, "limit.mtx")
	if err == nil || !strings.Contains(err.Error(), "limit.mtx:2: 5000000000 entries exceed the limit of 1000") {
		t.Errorf("MaxEntries: %v", err)
	}
	_, err = mtx.Reader{MaxDim: 100}.Read(strings.NewReader("%%MatrixMarket matrix coordinate real general\n101 3 0\n"), "dim.mtx")
	if err == nil || !strings.Contains(err.Error(), "dim.mtx:2: matrix size 101x3 exceeds the limit of 100") {
		t.Errorf("MaxDim: %v", err)
	}
	// A valid file whose dimensions are huge: reading is cheap, and Dense
	// refuses a product that overflows with a panic that names itself.
	m, e := advRead(t, mtx.Reader{}, []byte("%%MatrixMarket matrix coordinate real general\n4611686018427387904 4 0\n"), "big.mtx")
	if e != nil {
		t.Fatal(e)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "mtx: ") {
				t.Errorf("Dense of a 2⁶²×4 matrix: panic %v", r)
			}
		}()
		m.Dense()
	}()
}

// repeatReader returns line forever.
type repeatReader struct {
	line []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.line[r.off:])
		n += c
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}

// advValid is a valid coordinate file with comments, blank lines and CRLF
// endings, and a valid symmetric array file.
var advValid = []string{
	"%%MatrixMarket matrix coordinate real general\r\n% comment\r\n\r\n3 4 5\r\n1 1 1.5\r\n3 4 -2e-3\r\n2 2 7\r\n1 1 0.25\r\n3 1 1e300\r\n% trailing\r\n",
	"%%MatrixMarket matrix array real symmetric\n% c\n3 3\n1\n2\n3\n4\n5\n6\n",
	"%%MatrixMarket matrix coordinate pattern symmetric\n4 4 3\n1 1\n4 2\n3 3\n",
	"%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n2 1 -4\n3 1 9007199254740993\n",
}

// TestReadTruncated reads every prefix of valid files, plain and gzipped:
// each is an error naming the source and a line inside the prefix, or (when
// the cut falls after the last entry) the same matrix as the whole file.
func TestReadTruncated(t *testing.T) {
	for i, file := range advValid {
		whole, e := advRead(t, mtx.Reader{}, []byte(file), "whole.mtx")
		if e != nil {
			t.Fatalf("file %d: %v", i, e)
		}
		for cut := 0; cut < len(file); cut++ {
			m, _ := advRead(t, mtx.Reader{}, []byte(file[:cut]), "cut.mtx")
			if m != nil && (m.Header != whole.Header || len(m.I) != len(whole.I) || len(m.Data) != len(whole.Data)) {
				t.Errorf("file %d cut at %d: accepted a different matrix %+v", i, cut, m.Header)
			}
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(file))
		zw.Close()
		data := gz.Bytes()
		for cut := 2; cut < len(data); cut++ {
			m, _ := advRead(t, mtx.Reader{}, data[:cut], "cut.mtx.gz")
			if m != nil {
				t.Errorf("file %d: gzip stream cut at %d of %d accepted", i, cut, len(data))
			}
		}
		m, _ := advRead(t, mtx.Reader{}, data, "whole.mtx.gz")
		if m == nil || m.Header != whole.Header {
			t.Errorf("file %d: gzipped file not read", i)
		}
		// A corrupted checksum.
		bad := append([]byte(nil), data...)
		bad[len(bad)-6] ^= 0xff
		if m, _ := advRead(t, mtx.Reader{}, bad, "crc.mtx.gz"); m != nil {
			t.Errorf("file %d: gzip stream with a bad checksum accepted", i)
		}
	}
}

// TestReadRandomBytes feeds random and randomly mutated inputs to the
// reader: no panic, no hang, and whatever is accepted must be
// self-consistent (Dense and CSR agree) when small enough to check.
func TestReadRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte("%%MatrixMarket matrix coordinate array real integer pattern general symmetric skew-symmetric 0123456789.-+eE \n\r\tnaNinfINF\x00\xff\x1f\x8b")
	readtest.Random(t, rng, 3000, alphabet, func(int) []byte { return []byte(advValid[rng.IntN(len(advValid))]) }, func(_ int, data []byte) {
		m, _ := advRead(t, mtx.Reader{MaxDim: 1 << 10}, data, "rand.mtx")
		if m == nil {
			return
		}
		d := m.Dense()
		csr := m.CSR()
		for i := 0; i < m.Rows; i++ {
			for j := 0; j < m.Cols; j++ {
				if v, w := csr.At(i, j), d.At(i, j); v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
					t.Fatalf("%q: CSR(%d,%d) = %v, Dense %v", data, i, j, v, w)
				}
				if v := d.At(i, j); math.IsNaN(v) {
					t.Fatalf("%q: NaN accepted at (%d,%d)", data, i, j)
				}
			}
		}
	})
}

// TestReadBadNumbers checks that NaN, infinities, overflowing and malformed
// numbers and indices are errors naming the line.
func TestReadBadNumbers(t *testing.T) {
	const head = "%%MatrixMarket matrix coordinate real general\n% c\n3 3 2\n1 1 1\n"
	const ihead = "%%MatrixMarket matrix coordinate integer general\n3 3 1\n"
	for _, test := range []struct {
		file string
		line int
		want string
	}{
		{head + "2 2 nan\n", 5, "not a finite number"},
		{head + "2 2 NaN\n", 5, "not a finite number"},
		{head + "2 2 inf\n", 5, "not a finite number"},
		{head + "2 2 -Infinity\n", 5, "not a finite number"},
		{head + "2 2 +INF\n", 5, "not a finite number"},
		{head + "2 2 1e309\n", 5, "overflows"},
		{head + "2 2 -1e400\n", 5, "overflows"},
		{head + "2 2 0x1p1024\n", 5, ""},
		{head + "2 2 1.5.5\n", 5, "invalid value"},
		{head + "2 2 --1\n", 5, "invalid value"},
		{head + "2 2 \n", 5, "found 2 tokens"},
		{head + "2 2 1 4\n", 5, "found 4 tokens"},
		{head + "0 2 1\n", 5, "row index 0 out of range 1..3"},
		{head + "2 4 1\n", 5, "column index 4 out of range 1..3"},
		{head + "-1 2 1\n", 5, "row index"},
		{head + "99999999999999999999 2 1\n", 5, "row index"},
		{head + "2 2 1\n3 3 3\n", 6, "too many entries"},
		{ihead + "1 1 1.5\n", 3, "invalid integer value"},
		{ihead + "1 1 1e3\n", 3, "invalid integer value"},
		{ihead + "1 1 999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999\n", 3, "overflows"},
		{"%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n1 2 5\n2 1 5\n", 4, "one triangle, not both"},
		{"%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 2 5\n", 3, "on the diagonal"},
		{"%%MatrixMarket matrix coordinate complex general\n3 3 1\n1 1 1 0\n", 1, "complex"},
		{"%%MatrixMarket vector coordinate real general\n3 1\n", 1, ""},
		{"%%MatrixMarket matrix array pattern general\n3 3\n", 1, "array format with pattern field"},
		{"%%MatrixMarket matrix coordinate real general\n" + strings.Repeat("%", 1<<17) + "\n1 1 1\n1 1 " + strings.Repeat(" ", 1<<17) + "2\n", 4, "longer than"},
		{"\xef\xbb\xbf%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 nan\n", 3, "not a finite number"},
		{"garbage\n", 1, "missing %%MatrixMarket banner"},
		{"", 0, ""},
	} {
		_, e := advRead(t, mtx.Reader{}, []byte(test.file), "bad.mtx")
		if e == nil {
			if test.want != "" || strings.Contains(test.file, "0x1p1024") {
				t.Errorf("%q accepted", readtest.Clip([]byte(test.file)))
			}
			continue
		}
		if e.Line != test.line || !strings.Contains(strings.ToLower(e.Error()), strings.ToLower(test.want)) {
			t.Errorf("%q: error %q, want line %d and %q", readtest.Clip([]byte(test.file)), e, test.line, test.want)
		}
	}
	// Unsupported but valid files wrap ErrUnsupported.
	_, err := mtx.Read(strings.NewReader("%%MatrixMarket matrix coordinate complex hermitian\n2 2 1\n1 1 1 0\n"), "h.mtx")
	if !errors.Is(err, mtx.ErrUnsupported) {
		t.Errorf("hermitian: %v does not wrap ErrUnsupported", err)
	}
}

// TestReadGzipCommentBomb reads a gzipped file that inflates to 8 MiB of comment
// lines around one entry: it must be read in linear time and with memory
// that does not grow with the comments.
func TestReadGzipCommentBomb(t *testing.T) {
	var raw bytes.Buffer
	raw.WriteString("%%MatrixMarket matrix coordinate real general\n")
	for raw.Len() < 8<<20 {
		raw.WriteString("% padding padding padding padding padding padding padding padding\n")
	}
	raw.WriteString("2 2 1\n2 1 3.5\n")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw.Bytes())
	zw.Close()
	t0 := time.Now()
	var m *mtx.Matrix
	bytes := readtest.Allocated(func() { m, _ = advRead(t, mtx.Reader{}, gz.Bytes(), "bomb.mtx.gz") })
	if m == nil || len(m.I) != 1 || m.V[0] != 3.5 || m.Line[0] != strings.Count(raw.String(), "\n") {
		t.Fatalf("bomb not read correctly: %+v", m)
	}
	if bytes > 4<<20 {
		t.Errorf("%d bytes allocated to read %d bytes of comments (%d compressed)", bytes, raw.Len(), gz.Len())
	}
	t.Logf("%d compressed bytes, %d inflated, read in %v with %d bytes allocated", gz.Len(), raw.Len(), time.Since(t0), bytes)
}
