package mtx

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/sparsels/sparsels/internal/bytesize"
)

// Canonical banner tokens, as stored in Header.
const (
	Coordinate = "coordinate"
	Array      = "array"

	Real    = "real"
	Integer = "integer"
	Pattern = "pattern"

	General       = "general"
	Symmetric     = "symmetric"
	SkewSymmetric = "skew-symmetric"
)

// ErrUnsupported is wrapped by the *Error returned for valid Matrix Market
// files that this package does not read: complex or hermitian matrices and
// Matrix Market vectors. Test for it with errors.Is.
var ErrUnsupported = errors.New("not supported")

// Error is a syntax or data error in a Matrix Market source. Its message has
// the form "name:line: msg" (or "name: msg" when Line is 0), followed by
// ": " and the underlying error if Err is not nil.
type Error struct {
	Name string // Name is the source name given to Read, or the path.
	Line int    // Line is the 1-based line number, 0 if not tied to a line.
	Msg  string // Msg describes the problem.
	Err  error  // Err is the underlying error, if any.
}

// Error implements the error interface.
func (e *Error) Error() string {
	var s string
	if e.Line > 0 {
		s = e.Name + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	} else {
		s = e.Name + ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Header describes a Matrix Market file: its banner tokens in lower-case
// canonical form (see the Coordinate, Real, General, ... constants) and its
// size line.
//
// NNZ is the number of entries stored in the file: for coordinate files the
// number of entry lines as declared on the size line, for array files the
// number of values (Rows*Cols for general, n(n+1)/2 for symmetric and
// n(n-1)/2 for skew-symmetric n×n matrices).
type Header struct {
	Format   string
	Field    string
	Symmetry string
	Rows     int
	Cols     int
	NNZ      int
}

// Matrix is a matrix as stored in a Matrix Market file.
//
// For coordinate files, I, J and V hold the entries in file order with
// 0-based indices, symmetry not expanded and duplicates not summed unless
// Reader.Duplicates says so. The entries of symmetric and skew-symmetric
// files are those of the lower triangle, I[k] >= J[k] (I[k] > J[k] for
// skew-symmetric): a file that stores the upper triangle has its entries
// mirrored as they are read, (i, j, v) becoming (j, i, v), or (j, i, −v) for
// skew-symmetric files;
// V is all ones for pattern files, and Line[k] is the 1-based line number of
// entry k in the source. Data is nil.
//
// For array files, Data holds the full Rows×Cols matrix in column-major
// order, element (i, j) at Data[i+j*Rows], with symmetry expanded; I, J, V
// and Line are nil.
//
// Integer values are stored as float64, rounded to nearest (exact up to
// 2^53 in magnitude).
type Matrix struct {
	Header
	Name string // Name is the source name used in error messages.

	I, J []int
	V    []float64
	Line []int

	Data []float64
}

// Reader reads Matrix Market files subject to optional limits, for
// untrusted input. The zero value imposes no limits beyond those of the
// input itself: memory use is always proportional to the entries actually
// present, never to what the size line claims.
type Reader struct {
	// MaxEntries, if positive, is the largest number of stored entries
	// (Header.NNZ) accepted; a larger size line is an error reported before
	// any entry is read.
	MaxEntries int
	// MaxDim, if positive, is the largest number of rows and of columns
	// accepted. It bounds the memory of Matrix.CSR (O(Rows+entries)) and,
	// with MaxDim*MaxDim, of Matrix.Dense.
	MaxDim int
	// MaxBytes, if positive, bounds the storage of the returned Matrix:
	// 32 bytes per stored coordinate entry (I, J, V and Line) and 8 per
	// array value, plus 8·Rows·Cols for the expansion of a symmetric or
	// skew-symmetric array. A size line whose entries cannot fit is an
	// error reported before any entry is read; see Storage. While reading,
	// the storage grows with the entries that arrive and the memory in use
	// stays below about three times the final storage.
	MaxBytes int64
	// Duplicates says what Read does with coordinate entries that repeat
	// a position: keep them (the default), sum them, or reject them.
	Duplicates Duplicates
}

// Read reads a Matrix Market matrix from r with no limits; see Reader.Read.
func Read(r io.Reader, name string) (*Matrix, error) {
	return Reader{}.Read(r, name)
}

// ReadFile reads the Matrix Market file at path with no limits; see
// Reader.ReadFile.
func ReadFile(path string) (*Matrix, error) {
	return Reader{}.ReadFile(path)
}

// ReadFile opens the file at path and reads it with rd.Read, using path as
// the source name. Gzip-compressed files are decompressed.
func (rd Reader) ReadFile(path string) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return rd.Read(f, path)
}

// Read reads a Matrix Market matrix from r, which may be gzip-compressed
// (detected by the magic bytes 0x1f 0x8b). The name is used in error
// messages and stored in the result. All problems with the input are
// returned as an *Error naming the source and line. Read consumes r to the
// end, since anything but comments and blank lines after the last entry is
// an error. Its cost is linear in the size of the input.
func (rd Reader) Read(r io.Reader, name string) (*Matrix, error) {
	br := bufio.NewReaderSize(r, bufSize)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{Name: name, Msg: "gzip", Err: err}
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, bufSize)
	}
	p := parser{rd: rd, br: br, name: name}
	return p.parse()
}

const (
	// bufSize is the read buffer size; data lines may not be longer.
	bufSize = 1 << 16
	// prealloc caps the capacity reserved from a size line before the
	// entries have actually arrived.
	prealloc = 1 << 16
)

type parser struct {
	rd   Reader
	br   *bufio.Reader
	name string
	line int // number of the line last returned by next
	tok  [4][]byte

	mergeAt int          // entry count at which duplicates are merged while reading
	scratch orderScratch // work arrays of merge
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Name: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// readLine returns the next line without its line terminator, or io.EOF.
// The returned slice is only valid until the next call.
func (p *parser) readLine() ([]byte, error) {
	b, err := p.br.ReadSlice('\n')
	if len(b) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	p.line++
	switch err {
	case nil, io.EOF:
		return b, nil
	case bufio.ErrBufferFull:
		if t := trimSpace(b); len(t) > 0 && t[0] == '%' {
			// A long comment line: skip it without storing it.
			for err == bufio.ErrBufferFull {
				_, err = p.br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, &Error{Name: p.name, Line: p.line, Msg: "read error", Err: err}
			}
			return b[:0], nil
		}
		return nil, p.errorf(p.line, "line longer than %d bytes", bufSize)
	default:
		return nil, &Error{Name: p.name, Line: p.line, Msg: "read error", Err: err}
	}
}

// next returns the next line that is neither blank nor a comment, with
// surrounding white space removed, or io.EOF.
func (p *parser) next() ([]byte, error) {
	for {
		b, err := p.readLine()
		if err != nil {
			return nil, err
		}
		b = trimSpace(b)
		if len(b) == 0 || b[0] == '%' {
			continue
		}
		return b, nil
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// fields splits b at white space into p.tok, storing at most len(p.tok)
// tokens, and returns the total number of tokens.
func (p *parser) fields(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			break
		}
		s := i
		for i < len(b) && !isSpace(b[i]) {
			i++
		}
		if n < len(p.tok) {
			p.tok[n] = b[s:i]
		}
		n++
	}
	return n
}

// parseInt parses an optionally signed decimal integer. It reports
// ok == false for a syntax error and overflow == true when the value does
// not fit in an int.
func parseInt(b []byte) (v int, ok, overflow bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false, false
	}
	const limit = math.MaxInt / 10
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		d := int(c - '0')
		if v > limit || (v == limit && d > math.MaxInt%10) {
			overflow = true
			continue // keep checking the syntax
		}
		v = v*10 + d
	}
	if overflow {
		return 0, true, true
	}
	if neg {
		v = -v
	}
	return v, true, false
}

func (p *parser) parse() (*Matrix, error) {
	m := &Matrix{Name: p.name}
	if err := p.banner(&m.Header); err != nil {
		return nil, err
	}
	if err := p.size(&m.Header); err != nil {
		return nil, err
	}
	var err error
	if m.Format == Coordinate {
		err = p.coordinate(m)
	} else {
		err = p.array(m)
	}
	if err != nil {
		return nil, err
	}
	// Nothing but comments and blank lines may follow the entries.
	if b, err := p.next(); err == nil {
		return nil, p.errorf(p.line, "too many entries: size line declares %d, unexpected %q", m.NNZ, clip(b))
	} else if err != io.EOF {
		return nil, err
	}
	return m, nil
}

// clip shortens b for quoting in a message.
func clip(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

func (p *parser) banner(h *Header) error {
	b, err := p.readLine()
	if err == io.EOF {
		return &Error{Name: p.name, Msg: "empty file: missing %%MatrixMarket banner"}
	}
	if err != nil {
		return err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	b = trimSpace(b)
	if !bytes.HasPrefix(b, []byte("%%")) {
		return p.errorf(p.line, "missing %%%%MatrixMarket banner, found %q", clip(b))
	}
	f := strings.Fields(strings.ToLower(string(b[2:])))
	if len(f) == 0 || f[0] != "matrixmarket" {
		return p.errorf(p.line, "missing %%%%MatrixMarket banner, found %q", clip(b))
	}
	f = f[1:]
	if len(f) > 0 && f[0] != "matrix" {
		return &Error{Name: p.name, Line: p.line, Msg: fmt.Sprintf("object %q", f[0]), Err: ErrUnsupported}
	}
	if len(f) != 4 {
		return p.errorf(p.line, "banner must have 5 tokens: %%%%MatrixMarket matrix <format> <field> <symmetry>, found %q", clip(b))
	}
	h.Format, h.Field, h.Symmetry = f[1], f[2], f[3]
	switch h.Format {
	case Coordinate, Array:
	default:
		return p.errorf(p.line, "unknown format %q: want coordinate or array", h.Format)
	}
	switch h.Field {
	case Real, Integer, Pattern:
	case "double":
		h.Field = Real
	case "complex":
		return &Error{Name: p.name, Line: p.line, Msg: "field complex", Err: ErrUnsupported}
	default:
		return p.errorf(p.line, "unknown field %q: want real, integer or pattern", h.Field)
	}
	switch h.Symmetry {
	case General, Symmetric, SkewSymmetric:
	case "hermitian":
		return &Error{Name: p.name, Line: p.line, Msg: "symmetry hermitian", Err: ErrUnsupported}
	default:
		return p.errorf(p.line, "unknown symmetry %q: want general, symmetric or skew-symmetric", h.Symmetry)
	}
	if h.Format == Array && h.Field == Pattern {
		return p.errorf(p.line, "invalid banner: array format with pattern field")
	}
	if h.Field == Pattern && h.Symmetry == SkewSymmetric {
		return p.errorf(p.line, "invalid banner: pattern field with skew-symmetric symmetry")
	}
	return nil
}

func (p *parser) size(h *Header) error {
	b, err := p.next()
	if err == io.EOF {
		return p.errorf(p.line, "unexpected end of file: missing size line")
	}
	if err != nil {
		return err
	}
	want, what := 3, "rows, columns, entries"
	if h.Format == Array {
		want, what = 2, "rows, columns"
	}
	if n := p.fields(b); n != want {
		return p.errorf(p.line, "bad size line %q: want %d integers (%s), found %d tokens", clip(b), want, what, n)
	}
	var vals [3]int
	names := [3]string{"row count", "column count", "entry count"}
	for k := 0; k < want; k++ {
		v, ok, overflow := parseInt(p.tok[k])
		switch {
		case !ok:
			return p.errorf(p.line, "bad size line %q: invalid %s %q", clip(b), names[k], p.tok[k])
		case overflow:
			return p.errorf(p.line, "bad size line: %s %s too large", names[k], p.tok[k])
		case v < 0:
			return p.errorf(p.line, "bad size line: negative %s %d", names[k], v)
		}
		vals[k] = v
	}
	h.Rows, h.Cols = vals[0], vals[1]
	if h.Rows == 0 || h.Cols == 0 {
		return p.errorf(p.line, "matrix size %dx%d has a zero dimension", h.Rows, h.Cols)
	}
	if h.Symmetry != General && h.Rows != h.Cols {
		return p.errorf(p.line, "%s matrix must be square, size line says %dx%d", h.Symmetry, h.Rows, h.Cols)
	}
	if max := p.rd.MaxDim; max > 0 && (h.Rows > max || h.Cols > max) {
		return p.errorf(p.line, "matrix size %dx%d exceeds the limit of %d rows and columns", h.Rows, h.Cols, max)
	}
	if h.Format == Coordinate {
		h.NNZ = vals[2]
	} else {
		n := h.Rows
		switch {
		case h.Cols > math.MaxInt/h.Rows:
			return p.errorf(p.line, "array size %dx%d overflows", h.Rows, h.Cols)
		case h.Symmetry == General:
			h.NNZ = h.Rows * h.Cols
		case h.Symmetry == Symmetric:
			h.NNZ = n*(n-1)/2 + n
		default:
			h.NNZ = n * (n - 1) / 2
		}
	}
	if max := p.rd.MaxEntries; max > 0 && h.NNZ > max {
		return p.errorf(p.line, "%d entries exceed the limit of %d", h.NNZ, max)
	}
	if max := p.rd.MaxBytes; max > 0 {
		if need := p.rd.Storage(*h); need > float64(max) {
			return p.errorf(p.line, "%s, over the memory limit of %s", storageText(*h, need), bytesize.Format(float64(max)))
		}
	}
	return nil
}

// value parses one value token of the given field.
func (p *parser) value(tok []byte, field string) (float64, error) {
	if field == Integer {
		// Any decimal integer, rounded to the nearest float64.
		d := tok
		if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
			d = d[1:]
		}
		if len(d) == 0 {
			return 0, p.errorf(p.line, "invalid integer value %q", clip(tok))
		}
		for _, c := range d {
			if c < '0' || c > '9' {
				return 0, p.errorf(p.line, "invalid integer value %q", clip(tok))
			}
		}
		v, err := strconv.ParseFloat(string(tok), 64)
		if err != nil {
			return 0, p.errorf(p.line, "integer value %s overflows float64", clip(tok))
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err == nil && bytes.IndexByte(tok, '_') >= 0 {
		// strconv accepts Go digit separators; C's strtod does not.
		err = strconv.ErrSyntax
	}
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0) {
			return 0, p.errorf(p.line, "value %s overflows float64", clip(tok))
		}
		if !errors.Is(err, strconv.ErrRange) {
			return 0, p.errorf(p.line, "invalid value %q", clip(tok))
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, p.errorf(p.line, "value %s is not a finite number", clip(tok))
	}
	return v, nil
}

// index parses a 1-based index token and returns it 0-based.
func (p *parser) index(tok []byte, what string, n int) (int, error) {
	v, ok, overflow := parseInt(tok)
	if !ok {
		return 0, p.errorf(p.line, "invalid %s index %q", what, clip(tok))
	}
	if overflow || v < 1 || v > n {
		return 0, p.errorf(p.line, "%s index %s out of range 1..%d", what, clip(tok), n)
	}
	return v - 1, nil
}

func (p *parser) coordinate(m *Matrix) error {
	nnz := m.NNZ
	p.mergeAt = mergeThreshold(p.rd.Duplicates, m.Header)
	c := min(nnz, prealloc, p.mergeAt)
	m.I = make([]int, 0, c)
	m.J = make([]int, 0, c)
	m.V = make([]float64, 0, c)
	m.Line = make([]int, 0, c)
	want, what := 3, "3 tokens (row, column, value)"
	if m.Field == Pattern {
		want, what = 2, "2 tokens (row, column)"
	}
	var tri triangleSide
	for k := 0; k < nnz; k++ {
		b, err := p.next()
		if err == io.EOF {
			return p.errorf(p.line, "unexpected end of file: size line declares %d entries, found %d", nnz, k)
		}
		if err != nil {
			return err
		}
		if n := p.fields(b); n != want {
			return p.errorf(p.line, "want %s, found %d tokens in %q", what, n, clip(b))
		}
		i, err := p.index(p.tok[0], "row", m.Rows)
		if err != nil {
			return err
		}
		j, err := p.index(p.tok[1], "column", m.Cols)
		if err != nil {
			return err
		}
		upper, err := p.triangle(m, &tri, i, j)
		if err != nil {
			return err
		}
		v := 1.0
		if m.Field != Pattern {
			if v, err = p.value(p.tok[2], m.Field); err != nil {
				return err
			}
		}
		if upper {
			// Mirror into the lower triangle: A[j,i] = A[i,j] for
			// symmetric, −A[i,j] for skew-symmetric files.
			i, j = j, i
			if m.Symmetry == SkewSymmetric {
				v = -v
			}
		}
		if len(m.I) == p.mergeAt {
			if err := p.merge(m); err != nil {
				return err
			}
		}
		if len(m.I) == cap(m.I) {
			lim := min(nnz, p.mergeAt)
			m.I = grow(m.I, lim)
			m.J = grow(m.J, lim)
			m.V = grow(m.V, lim)
			m.Line = grow(m.Line, lim)
		}
		m.I = append(m.I, i)
		m.J = append(m.J, j)
		m.V = append(m.V, v)
		m.Line = append(m.Line, p.line)
	}
	return p.merge(m)
}

// triangleSide records which triangle the off-diagonal entries of a
// symmetric or skew-symmetric coordinate file are in: the first such entry
// decides, and line and (i, j) name it in errors.
type triangleSide struct {
	seen, upper bool
	line, i, j  int
}

// triangle checks the entry (i, j) (0-based) of a symmetric or
// skew-symmetric file m against the triangle of the earlier entries and
// reports whether it is in the upper triangle. A file may store either
// triangle, but only one: an entry on the other side of the diagonal from
// the first off-diagonal entry is an error naming both lines, as is a
// diagonal entry of a skew-symmetric file.
func (p *parser) triangle(m *Matrix, t *triangleSide, i, j int) (upper bool, err error) {
	if m.Symmetry != Symmetric && m.Symmetry != SkewSymmetric {
		return false, nil
	}
	if i == j {
		if m.Symmetry == SkewSymmetric {
			return false, p.errorf(p.line, "entry (%d,%d) is on the diagonal: a skew-symmetric file stores only one strict triangle", i+1, j+1)
		}
		return false, nil
	}
	upper = i < j
	if !t.seen {
		*t = triangleSide{seen: true, upper: upper, line: p.line, i: i, j: j}
		return upper, nil
	}
	if upper != t.upper {
		side, other := "above", "below"
		if !upper {
			side, other = other, side
		}
		return false, p.errorf(p.line, "entry (%d,%d) is %s the diagonal but line %d stores (%d,%d) %s it: a %s file stores one triangle, not both",
			i+1, j+1, side, t.line, t.i+1, t.j+1, other, m.Symmetry)
	}
	return upper, nil
}

// grow returns s with its capacity doubled, but not beyond limit, which
// the caller has checked to be larger than len(s). Doubling costs fewer
// copies than append's growth for large slices, and the capacity stays
// within twice the number of elements that have actually arrived.
func grow[T any](s []T, limit int) []T {
	t := make([]T, len(s), min(2*cap(s)+16, limit))
	copy(t, s)
	return t
}

func (p *parser) array(m *Matrix) error {
	total := m.NNZ
	vals := make([]float64, 0, min(total, prealloc))
	for k := 0; k < total; k++ {
		b, err := p.next()
		if err == io.EOF {
			return p.errorf(p.line, "unexpected end of file: size line implies %d values, found %d", total, k)
		}
		if err != nil {
			return err
		}
		if n := p.fields(b); n != 1 {
			return p.errorf(p.line, "want 1 value per line in array format, found %d tokens in %q", n, clip(b))
		}
		v, err := p.value(p.tok[0], m.Field)
		if err != nil {
			return err
		}
		if len(vals) == cap(vals) {
			vals = grow(vals, total)
		}
		vals = append(vals, v)
	}
	if m.Symmetry == General {
		m.Data = vals
		return nil
	}
	// Expand the packed lower triangle, stored column by column.
	n := m.Rows
	m.Data = make([]float64, n*n)
	k := 0
	for j := 0; j < n; j++ {
		i0 := j
		if m.Symmetry == SkewSymmetric {
			i0 = j + 1
		}
		for i := i0; i < n; i++ {
			v := vals[k]
			k++
			m.Data[i+j*n] = v
			if m.Symmetry == SkewSymmetric {
				v = -v
			}
			m.Data[j+i*n] = v
		}
	}
	return nil
}
