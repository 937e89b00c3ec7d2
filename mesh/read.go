package mesh

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MaxLineLength is the longest line, in bytes and without its newline, that
// ReadOBJ, ReadOFF and ReadPLY (header and ascii data) accept. Reading stops
// with a *ParseError as soon as a line exceeds it, so memory use stays
// bounded whatever the input.
const MaxLineLength = 1 << 20

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte order mark that some
// editors write at the start of a text file.
const utf8BOM = "\xef\xbb\xbf"

// ParseError reports malformed mesh input.
type ParseError struct {
	File string // the name given to the reader
	Line int    // 1-based line number of the offending line
	Msg  string // what is wrong
}

// Error returns "mesh: file:line: message".
func (e *ParseError) Error() string {
	return fmt.Sprintf("mesh: %s:%d: %s", e.File, e.Line, e.Msg)
}

// checkEvery is the amount of input, in bytes or values, that the readers
// process between two checks of their context.
const checkEvery = 1 << 16

// cancelled returns an error wrapping ctx.Err() and naming the file and
// line where reading stopped, or nil if ctx is not done.
func cancelled(ctx context.Context, name string, line int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mesh: %s:%d: reading stopped: %w", name, line, err)
	}
	return nil
}

// lineReader yields the lines of an input with their 1-based numbers,
// checking ctx every checkEvery bytes.
type lineReader struct {
	ctx       context.Context
	sc        *bufio.Scanner
	name      string
	line      int
	bom       bool // drop a UTF-8 byte order mark at the start of the first line
	unchecked int  // bytes read since ctx was last checked
}

func newLineReader(ctx context.Context, r io.Reader, name string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineLength)
	return &lineReader{ctx: ctx, sc: sc, name: name, bom: true, unchecked: checkEvery}
}

// next returns the next line and true, or nil and false at the end of input;
// err is non-nil when reading failed.
func (lr *lineReader) next() (line []byte, ok bool, err error) {
	if lr.unchecked >= checkEvery {
		lr.unchecked = 0
		if err := cancelled(lr.ctx, lr.name, lr.line); err != nil {
			return nil, false, err
		}
	}
	if lr.sc.Scan() {
		lr.line++
		line = lr.sc.Bytes()
		lr.unchecked += len(line) + 1
		if lr.bom {
			lr.bom = false
			line = bytes.TrimPrefix(line, []byte(utf8BOM))
		}
		return line, true, nil
	}
	if e := lr.sc.Err(); e != nil {
		if errors.Is(e, bufio.ErrTooLong) {
			return nil, false, lr.errorf(lr.line+1, "line longer than %d bytes", MaxLineLength)
		}
		return nil, false, lr.errorf(lr.line+1, "read error: %v", e)
	}
	return nil, false, nil
}

// nextFields returns the whitespace-separated fields of the next line that
// has any once a '#' comment is removed, and true; nil and false at the end
// of input; err is non-nil when reading failed.
func (lr *lineReader) nextFields() (tok [][]byte, ok bool, err error) {
	for {
		line, ok, err := lr.next()
		if err != nil || !ok {
			return nil, ok, err
		}
		if c := bytes.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		if tok = bytes.Fields(line); len(tok) > 0 {
			return tok, true, nil
		}
	}
}

func (lr *lineReader) errorf(line int, format string, args ...any) error {
	return &ParseError{File: lr.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// parseCoord parses a finite float64.
func parseCoord(tok []byte) (float64, error) {
	x, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", tok)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("non-finite coordinate %q", tok)
	}
	return x, nil
}

// hasRepeat reports whether idx holds a repeated value. buf is scratch space.
func hasRepeat(idx []int, buf *[]int) bool {
	if len(idx) <= 8 {
		for a := range idx {
			for b := a + 1; b < len(idx); b++ {
				if idx[a] == idx[b] {
					return true
				}
			}
		}
		return false
	}
	*buf = append((*buf)[:0], idx...)
	slices.Sort(*buf)
	for k := 1; k < len(*buf); k++ {
		if (*buf)[k] == (*buf)[k-1] {
			return true
		}
	}
	return false
}

// fan appends the fan triangulation (p0, pk, pk+1) of polygon p to f.
func fan(f [][3]int, p []int) [][3]int {
	for k := 1; k+1 < len(p); k++ {
		f = append(f, [3]int{p[0], p[k], p[k+1]})
	}
	return f
}

// ReadOBJ reads a Wavefront OBJ mesh from r; name is used in error messages.
//
// Vertex records "v x y z [w ...]" use the first three numbers as the
// position (further numbers, such as a homogeneous weight or vertex colours,
// must be valid numbers and are ignored). Face records "f a b c ..." accept the
// forms a, a/t, a/t/n and a//n, 1-based indices, and negative indices relative
// to the vertices read so far (-1 is the last one); positive indices may refer
// to vertices defined later in the file. Polygons with more than three
// vertices are fan-triangulated from their first vertex. Comments (#) and all
// other records (vn, vt, o, g, s, usemtl, mtllib, l, ...) are ignored. A
// UTF-8 byte order mark at the start of the input is skipped.
//
// ReadOBJ returns a *ParseError naming the line for a bad number, a
// non-finite coordinate, an index of 0 or out of range, a face with fewer
// than three vertices or with a repeated vertex, a line longer than
// MaxLineLength, and a file without vertices or faces. Memory use is
// proportional to the input size.
//
// ReadOBJ checks ctx before reading and then after every 64 KiB of input or
// so; once ctx is done it returns an error wrapping ctx.Err() that names the
// file and the last line read. A Read of r that blocks is not interrupted.
func ReadOBJ(ctx context.Context, r io.Reader, name string) (*Mesh, error) {
	lr := newLineReader(ctx, r, name)
	m := &Mesh{}
	var poly, scratch []int
	maxIdx, maxIdxLine := -1, 0
	for {
		tok, ok, err := lr.nextFields()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch string(tok[0]) {
		case "v":
			if len(tok) < 4 {
				return nil, lr.errorf(lr.line, "vertex needs 3 coordinates, have %d", len(tok)-1)
			}
			var p [3]float64
			for k, t := range tok[1:] {
				x, err := parseCoord(t)
				if err != nil {
					return nil, lr.errorf(lr.line, "vertex: %v", err)
				}
				if k < 3 {
					p[k] = x
				}
			}
			m.V = append(m.V, p)
		case "f":
			if len(tok) < 4 {
				return nil, lr.errorf(lr.line, "face needs at least 3 vertices, have %d", len(tok)-1)
			}
			poly = poly[:0]
			for _, t := range tok[1:] {
				s := t
				if k := bytes.IndexByte(s, '/'); k >= 0 {
					s = s[:k]
				}
				v, err := strconv.Atoi(string(s))
				switch {
				case err != nil:
					return nil, lr.errorf(lr.line, "bad vertex index %q", t)
				case v == 0:
					return nil, lr.errorf(lr.line, "vertex index 0 (OBJ indices start at 1)")
				case v < 0:
					if v < -len(m.V) {
						return nil, lr.errorf(lr.line, "relative vertex index %d out of range: %d vertices so far", v, len(m.V))
					}
					v += len(m.V)
				default:
					v--
					if v > maxIdx {
						maxIdx, maxIdxLine = v, lr.line
					}
				}
				poly = append(poly, v)
			}
			if hasRepeat(poly, &scratch) {
				return nil, lr.errorf(lr.line, "degenerate face: repeated vertex")
			}
			m.F = fan(m.F, poly)
		}
	}
	if len(m.V) == 0 || len(m.F) == 0 {
		return nil, lr.errorf(lr.line, "empty mesh: %d vertices, %d faces", len(m.V), len(m.F))
	}
	if maxIdx >= len(m.V) {
		return nil, lr.errorf(maxIdxLine, "vertex index %d out of range: %d vertices", maxIdx+1, len(m.V))
	}
	return m, nil
}

// maxPrealloc bounds the capacity reserved from an OFF header's counts, so a
// lying header cannot make ReadOFF allocate more than the data it contains.
const maxPrealloc = 1 << 16

// ReadOFF reads an Object File Format mesh from r; name is used in error
// messages.
//
// The first non-comment line is "OFF", optionally followed on the same line
// by the counts; otherwise the counts "nv nf [ne]" come on the next
// non-comment line (ne is ignored). Then come nv vertex lines "x y z ..." (the
// first three numbers are the position, the rest such as colours is ignored)
// and nf face lines "k v1 ... vk ..." with 0-based indices (trailing colour
// values are ignored). Polygons with more than three vertices are
// fan-triangulated. Comments start with # and run to the end of the line;
// blank lines are skipped; anything after the last face is ignored. A UTF-8
// byte order mark at the start of the input is skipped. Binary OFF ("OFF
// BINARY") is not supported and is reported as such.
//
// ReadOFF returns a *ParseError naming the line for a missing header, bad
// counts or numbers, non-finite coordinates, an index out of range, a face with
// fewer than three vertices, fewer indices than declared, or a repeated vertex,
// a truncated file (fewer vertices or faces than the header declares), and an
// empty mesh. The counts in the header only bound the number of records read:
// memory use is proportional to the input size, not to the counts.
// Cancellation through ctx is as for ReadOBJ.
func ReadOFF(ctx context.Context, r io.Reader, name string) (*Mesh, error) {
	lr := newLineReader(ctx, r, name)
	m := &Mesh{}
	const (
		stHeader = iota
		stCounts
		stVerts
		stFaces
		stDone
	)
	state := stHeader
	nv, nf, facesRead := 0, 0, 0
	var poly, scratch []int
	parseCounts := func(tok [][]byte) error {
		if len(tok) < 2 || len(tok) > 3 {
			return lr.errorf(lr.line, "want counts \"nv nf [ne]\", have %d fields", len(tok))
		}
		var c [3]int
		for k, t := range tok {
			v, err := strconv.Atoi(string(t))
			if err != nil || v < 0 {
				return lr.errorf(lr.line, "bad count %q", t)
			}
			c[k] = v
		}
		nv, nf = c[0], c[1]
		if nv == 0 || nf == 0 {
			return lr.errorf(lr.line, "empty mesh: header declares %d vertices, %d faces", nv, nf)
		}
		m.V = make([][3]float64, 0, min(nv, maxPrealloc))
		m.F = make([][3]int, 0, min(nf, maxPrealloc))
		state = stVerts
		return nil
	}
	for state != stDone {
		tok, ok, err := lr.nextFields()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch state {
		case stHeader:
			if string(tok[0]) != "OFF" {
				return nil, lr.errorf(lr.line, "missing OFF header, have %q", tok[0])
			}
			if len(tok) > 1 && string(tok[1]) == "BINARY" {
				return nil, lr.errorf(lr.line, "binary OFF (header \"OFF BINARY\") is not supported: convert the file to ascii OFF")
			}
			state = stCounts
			if len(tok) > 1 {
				if err := parseCounts(tok[1:]); err != nil {
					return nil, err
				}
			}
		case stCounts:
			if err := parseCounts(tok); err != nil {
				return nil, err
			}
		case stVerts:
			if len(tok) < 3 {
				return nil, lr.errorf(lr.line, "vertex needs 3 coordinates, have %d", len(tok))
			}
			var p [3]float64
			for k := range 3 {
				x, err := parseCoord(tok[k])
				if err != nil {
					return nil, lr.errorf(lr.line, "vertex %d: %v", len(m.V), err)
				}
				p[k] = x
			}
			m.V = append(m.V, p)
			if len(m.V) == nv {
				state = stFaces
			}
		case stFaces:
			k, err := strconv.Atoi(string(tok[0]))
			if err != nil {
				return nil, lr.errorf(lr.line, "face %d: bad vertex count %q", facesRead, tok[0])
			}
			if k < 3 {
				return nil, lr.errorf(lr.line, "face %d: needs at least 3 vertices, have %d", facesRead, k)
			}
			if len(tok)-1 < k {
				return nil, lr.errorf(lr.line, "face %d: declares %d vertices, lists %d", facesRead, k, len(tok)-1)
			}
			poly = poly[:0]
			for _, t := range tok[1 : k+1] {
				v, err := strconv.Atoi(string(t))
				if err != nil {
					return nil, lr.errorf(lr.line, "face %d: bad vertex index %q", facesRead, t)
				}
				if v < 0 || v >= nv {
					return nil, lr.errorf(lr.line, "face %d: vertex index %d out of range [0, %d)", facesRead, v, nv)
				}
				poly = append(poly, v)
			}
			if hasRepeat(poly, &scratch) {
				return nil, lr.errorf(lr.line, "face %d: degenerate face: repeated vertex", facesRead)
			}
			m.F = fan(m.F, poly)
			facesRead++
			if facesRead == nf {
				state = stDone
			}
		}
	}
	switch state {
	case stHeader:
		return nil, lr.errorf(lr.line, "empty file: missing OFF header")
	case stCounts:
		return nil, lr.errorf(lr.line, "truncated OFF: missing counts")
	case stVerts:
		return nil, lr.errorf(lr.line, "truncated OFF: header declares %d vertices, file has %d", nv, len(m.V))
	case stFaces:
		return nil, lr.errorf(lr.line, "truncated OFF: header declares %d faces, file has %d", nf, facesRead)
	}
	return m, nil
}

// ReadFile reads the mesh in the file at path, choosing the format by the
// extension (.obj, .off or .ply, case insensitive). Errors name the path.
// Cancellation through ctx is as for ReadOBJ.
func ReadFile(ctx context.Context, path string) (*Mesh, error) {
	var read func(context.Context, io.Reader, string) (*Mesh, error)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".obj":
		read = ReadOBJ
	case ".off":
		read = ReadOFF
	case ".ply":
		read = ReadPLY
	default:
		return nil, fmt.Errorf("mesh: %s: unknown mesh format %q (want .obj, .off or .ply)", path, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mesh: %w", err)
	}
	defer f.Close()
	return read(ctx, bufio.NewReader(f), path)
}
