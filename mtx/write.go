package mtx

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// writer formats Matrix Market output into a buffered writer.
type writer struct {
	bw  *bufio.Writer
	buf []byte
}

func newWriter(w io.Writer) *writer {
	return &writer{bw: bufio.NewWriterSize(w, 1<<16), buf: make([]byte, 0, 80)}
}

// head writes the banner, the comment lines and the size line.
func (w *writer) head(h Header, comment string) {
	w.bw.WriteString("%%MatrixMarket matrix " + h.Format + " " + h.Field + " " + h.Symmetry + "\n")
	if comment != "" {
		for _, line := range strings.Split(strings.TrimSuffix(comment, "\n"), "\n") {
			line = strings.TrimRight(line, "\r")
			if line == "" {
				w.bw.WriteString("%\n")
			} else {
				w.bw.WriteString("% " + line + "\n")
			}
		}
	}
	b := strconv.AppendInt(w.buf[:0], int64(h.Rows), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(h.Cols), 10)
	if h.Format == Coordinate {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(h.NNZ), 10)
	}
	b = append(b, '\n')
	w.buf = b
	w.bw.Write(b)
}

// entry writes "i+1 j+1 v" (or "i+1 j+1" for a pattern field) for 0-based
// i and j, or just the value if i < 0.
func (w *writer) entry(i, j int, v float64, field string) {
	b := w.buf[:0]
	if i >= 0 {
		b = strconv.AppendInt(b, int64(i)+1, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(j)+1, 10)
		if field != Pattern {
			b = append(b, ' ')
		}
	}
	switch field {
	case Real:
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	case Integer:
		// All digits of the integral value, never an exponent.
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	b = append(b, '\n')
	w.buf = b
	w.bw.Write(b)
}

func (w *writer) flush() error {
	return w.bw.Flush()
}

func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

// checkValue reports whether v can be written exactly in the given field.
func checkValue(v float64, field string) string {
	switch {
	case field == Pattern:
		return ""
	case !finite(v):
		return "is not finite"
	case field == Integer && v != math.Trunc(v):
		return "is not an integer"
	}
	return ""
}

// WriteDense writes the r×c matrix a to w as a Matrix Market "array real
// general" file: the banner, the comment (each of its lines prefixed with
// "% "), the size line "r c" and the r*c elements in column-major order,
// one per line, in the shortest form that reads back to the same float64.
//
// WriteDense returns an error, before writing anything, if an element is
// NaN or infinite, and otherwise any error from w. It panics if a has a
// zero dimension. It calls a.At twice per element.
func WriteDense(w io.Writer, a mat.Matrix, comment string) error {
	r, c := a.Dims()
	if r <= 0 || c <= 0 {
		panic("mtx: WriteDense: zero-size matrix")
	}
	if c > math.MaxInt/r {
		panic("mtx: WriteDense: matrix size overflows")
	}
	for j := 0; j < c; j++ {
		for i := 0; i < r; i++ {
			if v := a.At(i, j); !finite(v) {
				return fmt.Errorf("mtx: WriteDense: element (%d, %d) = %v is not finite", i, j, v)
			}
		}
	}
	ew := newWriter(w)
	ew.head(Header{Format: Array, Field: Real, Symmetry: General, Rows: r, Cols: c}, comment)
	for j := 0; j < c; j++ {
		for i := 0; i < r; i++ {
			ew.entry(-1, -1, a.At(i, j), Real)
		}
	}
	return ew.flush()
}

// WriteCoordinate writes the rows×cols matrix with entries (i[k], j[k],
// v[k]) to w as a Matrix Market "coordinate real general" file, entries in
// the given order with the 0-based indices written 1-based. If v is nil it
// writes a "coordinate pattern general" file holding only the positions.
// Duplicate positions are written as given. The comment is written as in
// WriteDense.
//
// WriteCoordinate returns an error, before writing anything, if a value is
// NaN or infinite, and otherwise any error from w. It panics if rows or
// cols is not positive, if len(j) != len(i), if v is not nil and
// len(v) != len(i), or if an index is out of range.
func WriteCoordinate(w io.Writer, rows, cols int, i, j []int, v []float64, comment string) error {
	if rows <= 0 || cols <= 0 {
		panic("mtx: WriteCoordinate: non-positive dimension")
	}
	if len(j) != len(i) || (v != nil && len(v) != len(i)) {
		panic("mtx: WriteCoordinate: index and value slices differ in length")
	}
	for k := range i {
		if i[k] < 0 || i[k] >= rows || j[k] < 0 || j[k] >= cols {
			panic(fmt.Sprintf("mtx: WriteCoordinate: entry %d at (%d, %d) out of range for %dx%d", k, i[k], j[k], rows, cols))
		}
		if v != nil && !finite(v[k]) {
			return fmt.Errorf("mtx: WriteCoordinate: entry %d at (%d, %d) = %v is not finite", k, i[k], j[k], v[k])
		}
	}
	field := Real
	if v == nil {
		field = Pattern
	}
	ew := newWriter(w)
	ew.head(Header{Format: Coordinate, Field: field, Symmetry: General, Rows: rows, Cols: cols, NNZ: len(i)}, comment)
	for k := range i {
		var x float64
		if v != nil {
			x = v[k]
		}
		ew.entry(i[k], j[k], x, field)
	}
	return ew.flush()
}

// WriteSparse writes a to w as a Matrix Market "coordinate real general"
// file. If a implements mat.NonZeroDoer (directly, or wrapped in
// mat.Transpose), the entries are those visited by DoNonZero, in its order
// and including any stored zeros, so that a sparse matrix keeps its
// pattern. Otherwise a is scanned with At in column-major order and its
// nonzero elements are written. The comment is written as in WriteDense.
//
// WriteSparse visits a twice: once to count and check the entries and
// once to write them. It returns an error, before writing anything, if a
// value is NaN or infinite, if the two visits disagree, and otherwise any
// error from w. It panics if a has a zero dimension.
func WriteSparse(w io.Writer, a mat.Matrix, comment string) error {
	r, c := a.Dims()
	if r <= 0 || c <= 0 {
		panic("mtx: WriteSparse: zero-size matrix")
	}
	var do func(fn func(i, j int, v float64))
	switch t := a.(type) {
	case mat.NonZeroDoer:
		do = t.DoNonZero
	case mat.Transpose:
		if nz, ok := t.Matrix.(mat.NonZeroDoer); ok {
			do = func(fn func(i, j int, v float64)) {
				nz.DoNonZero(func(i, j int, v float64) { fn(j, i, v) })
			}
		}
	}
	if do == nil {
		do = func(fn func(i, j int, v float64)) {
			for j := 0; j < c; j++ {
				for i := 0; i < r; i++ {
					if v := a.At(i, j); v != 0 {
						fn(i, j, v)
					}
				}
			}
		}
	}
	var (
		n   int
		bad error
	)
	do(func(i, j int, v float64) {
		if bad == nil {
			if i < 0 || i >= r || j < 0 || j >= c {
				bad = fmt.Errorf("mtx: WriteSparse: entry at (%d, %d) out of range for %dx%d", i, j, r, c)
			} else if !finite(v) {
				bad = fmt.Errorf("mtx: WriteSparse: entry at (%d, %d) = %v is not finite", i, j, v)
			}
		}
		n++
	})
	if bad != nil {
		return bad
	}
	ew := newWriter(w)
	ew.head(Header{Format: Coordinate, Field: Real, Symmetry: General, Rows: r, Cols: c, NNZ: n}, comment)
	written := 0
	do(func(i, j int, v float64) {
		if written < n {
			ew.entry(i, j, v, Real)
		}
		written++
	})
	if written != n {
		return fmt.Errorf("mtx: WriteSparse: matrix changed while writing: %d entries counted, %d visited", n, written)
	}
	return ew.flush()
}

// Write writes m to w in the format described by its Header, so that Read
// returns the same matrix: Format, Field and Symmetry are used as given,
// Rows and Cols give the size line, and NNZ is ignored (the number of
// entries follows from I or from the symmetry). Coordinate entries are
// written in order; for the pattern field V is ignored and may be nil.
// Array data must be the full column-major matrix, of which the lower
// triangle is written for symmetric and the strict lower triangle for
// skew-symmetric matrices. The comment is written as in WriteDense.
//
// Write returns an error, before writing anything, if a value is not
// finite, an integer-field value is not an integer, a
// symmetric coordinate entry lies above the diagonal (or a skew-symmetric
// one is not strictly below it), or symmetric array data is not symmetric
// (skew-symmetric: Data[j+i*Rows] == -Data[i+j*Rows] and a zero diagonal);
// otherwise it returns any error from w. It panics if the Header tokens are
// not a supported combination, a dimension is not positive, a symmetric
// matrix is not square, the slice lengths disagree or an index is out of
// range.
func Write(w io.Writer, m *Matrix, comment string) error {
	h := m.Header
	switch {
	case h.Format != Coordinate && h.Format != Array,
		h.Field != Real && h.Field != Integer && h.Field != Pattern,
		h.Symmetry != General && h.Symmetry != Symmetric && h.Symmetry != SkewSymmetric,
		h.Format == Array && h.Field == Pattern,
		h.Field == Pattern && h.Symmetry == SkewSymmetric:
		panic(fmt.Sprintf("mtx: Write: unsupported header %s %s %s", h.Format, h.Field, h.Symmetry))
	case h.Rows <= 0 || h.Cols <= 0:
		panic("mtx: Write: non-positive dimension")
	case h.Symmetry != General && h.Rows != h.Cols:
		panic("mtx: Write: " + h.Symmetry + " matrix is not square")
	}
	if h.Format == Coordinate {
		return writeCoordinate(w, m, comment)
	}
	return writeArray(w, m, comment)
}

func writeCoordinate(w io.Writer, m *Matrix, comment string) error {
	h := m.Header
	if len(m.J) != len(m.I) || (h.Field != Pattern && len(m.V) != len(m.I)) {
		panic("mtx: Write: index and value slices differ in length")
	}
	for k, i := range m.I {
		j := m.J[k]
		if i < 0 || i >= h.Rows || j < 0 || j >= h.Cols {
			panic(fmt.Sprintf("mtx: Write: entry %d at (%d, %d) out of range for %dx%d", k, i, j, h.Rows, h.Cols))
		}
		switch {
		case h.Symmetry == Symmetric && i < j:
			return fmt.Errorf("mtx: Write: entry %d at (%d, %d) is above the diagonal of a symmetric matrix", k, i, j)
		case h.Symmetry == SkewSymmetric && i <= j:
			return fmt.Errorf("mtx: Write: entry %d at (%d, %d) is not below the diagonal of a skew-symmetric matrix", k, i, j)
		}
		if h.Field != Pattern {
			if msg := checkValue(m.V[k], h.Field); msg != "" {
				return fmt.Errorf("mtx: Write: entry %d at (%d, %d) = %v %s", k, i, j, m.V[k], msg)
			}
		}
	}
	h.NNZ = len(m.I)
	ew := newWriter(w)
	ew.head(h, comment)
	for k, i := range m.I {
		var v float64
		if h.Field != Pattern {
			v = m.V[k]
		}
		ew.entry(i, m.J[k], v, h.Field)
	}
	return ew.flush()
}

func writeArray(w io.Writer, m *Matrix, comment string) error {
	h := m.Header
	r, c := h.Rows, h.Cols
	if c > math.MaxInt/r || len(m.Data) != r*c {
		panic("mtx: Write: len(Data) != Rows*Cols")
	}
	d := m.Data
	for j := 0; j < c; j++ {
		for i := 0; i < r; i++ {
			v := d[i+j*r]
			if msg := checkValue(v, h.Field); msg != "" {
				return fmt.Errorf("mtx: Write: element (%d, %d) = %v %s", i, j, v, msg)
			}
			switch {
			case h.Symmetry == Symmetric && i > j && d[j+i*r] != v:
				return fmt.Errorf("mtx: Write: symmetric data differs at (%d, %d) and (%d, %d)", i, j, j, i)
			case h.Symmetry == SkewSymmetric && i == j && v != 0:
				return fmt.Errorf("mtx: Write: skew-symmetric data has nonzero diagonal element (%d, %d)", i, j)
			case h.Symmetry == SkewSymmetric && i > j && d[j+i*r] != -v:
				return fmt.Errorf("mtx: Write: skew-symmetric data is not antisymmetric at (%d, %d) and (%d, %d)", i, j, j, i)
			}
		}
	}
	switch h.Symmetry {
	case General:
		h.NNZ = r * c
	case Symmetric:
		h.NNZ = r*(r-1)/2 + r
	default:
		h.NNZ = r * (r - 1) / 2
	}
	ew := newWriter(w)
	ew.head(h, comment)
	for j := 0; j < c; j++ {
		i0 := 0
		switch h.Symmetry {
		case Symmetric:
			i0 = j
		case SkewSymmetric:
			i0 = j + 1
		}
		for i := i0; i < r; i++ {
			ew.entry(-1, -1, d[i+j*r], h.Field)
		}
	}
	return ew.flush()
}

// WriteFile atomically replaces the file at path with the output of write.
// It creates a temporary file in the same directory, passes it to write
// (through a gzip compressor if path ends in ".gz", any case), flushes,
// fsyncs and closes it, gives it the permissions of the file it replaces
// (0644 for a new file) and renames it over path. If anything fails,
// including a panic in write, the temporary file is removed and an
// existing file at path is left untouched. An error returned by write is
// returned unchanged.
func WriteFile(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var out io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(base), ".gz") {
		zw = gzip.NewWriter(bw)
		out = zw
	}
	if err := write(out); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("mtx: WriteFile %s: %w", path, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mtx: WriteFile %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	committed = true
	// Make the rename durable; not all systems can sync a directory.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
