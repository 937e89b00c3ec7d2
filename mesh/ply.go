package mesh

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// MaxPLYElements bounds the element counts of a PLY header, so that a lying
// header cannot make ReadPLY allocate without bound (memory grows only as
// elements are actually read).
const MaxPLYElements = 1 << 31

// plyProperty is one property of a PLY element: a scalar, or a list with a
// count type.
type plyProperty struct {
	name       string
	typ        string // scalar or list item type
	countTyp   string // list count type; "" for a scalar
	coordinate int    // 0, 1, 2 for the vertex's x, y, z; -1 otherwise
	indices    bool   // the face's vertex index list
}

type plyElement struct {
	name  string
	count int
	props []plyProperty
	line  int // header line of the element
}

var plySizes = map[string]int{
	"char": 1, "uchar": 1, "int8": 1, "uint8": 1,
	"short": 2, "ushort": 2, "int16": 2, "uint16": 2,
	"int": 4, "uint": 4, "int32": 4, "uint32": 4, "float": 4, "float32": 4,
	"double": 8, "float64": 8,
}

// ReadPLY reads a Stanford PLY mesh from r (ascii, binary_little_endian or
// binary_big_endian, version 1.0); name is used in error messages. A UTF-8
// byte order mark at the start of the input is skipped.
//
// The vertex element must have the properties x, y and z (of any numeric
// type); the face element a list property vertex_indices (or
// vertex_index) with 0-based indices. Other properties and elements,
// scalars and lists alike (such as per-face texture coordinates, a list
// property of the vertices, or an edge element with a list), are read and
// ignored; in ascii data their values must still be numbers. Polygons with
// more than three vertices are fan-triangulated from their first vertex.
//
// ReadPLY returns a *ParseError for a malformed header, a bad or non-finite
// number, an index out of range, a face with fewer than three vertices or a
// repeated vertex, truncated data, and a file without vertices or faces.
// Errors in the header and in ascii data name the line; errors in binary
// data name the element and are reported at the end_header line.
// Cancellation through ctx is as for ReadOBJ (in binary data, ctx is
// checked after every 8 Ki values).
func ReadPLY(ctx context.Context, r io.Reader, name string) (*Mesh, error) {
	br := bufio.NewReader(r)
	elems, format, line, err := readPLYHeader(ctx, br, name)
	if err != nil {
		return nil, err
	}
	m := &Mesh{}
	var dr plyDataReader
	if format == "ascii" {
		lr := newLineReader(ctx, br, name)
		lr.bom = false // only at the start of the file
		dr = &plyASCII{lr: lr, first: line}
	} else {
		var order binary.ByteOrder = binary.LittleEndian
		if format == "binary_big_endian" {
			order = binary.BigEndian
		}
		dr = &plyBinary{r: br, order: order}
	}
	var poly, scratch []int
	unchecked := 0 // values read since ctx was last checked
	for _, e := range elems {
		if len(e.props) == 0 {
			continue // occupies no data (checkPLYElements keeps vertex and face non-empty)
		}
		for idx := range e.count {
			if unchecked += len(e.props); unchecked >= checkEvery/8 {
				unchecked = 0
				if err := cancelled(ctx, name, max(line, dr.where())); err != nil {
					return nil, err
				}
			}
			if err := dr.begin(); err != nil {
				if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
					return nil, err
				}
				return nil, plyErr(name, dr, line, e, idx, err)
			}
			var v [3]float64
			for _, p := range e.props {
				if p.countTyp == "" {
					x, err := dr.scalar(p.typ)
					if err != nil {
						return nil, plyErr(name, dr, line, e, idx, err)
					}
					if p.coordinate >= 0 && e.name == "vertex" {
						if math.IsNaN(x) || math.IsInf(x, 0) {
							return nil, plyErr(name, dr, line, e, idx, fmt.Errorf("coordinate %s = %v is not finite", p.name, x))
						}
						v[p.coordinate] = x
					}
					continue
				}
				cnt, err := dr.scalar(p.countTyp)
				if err != nil {
					return nil, plyErr(name, dr, line, e, idx, err)
				}
				if cnt < 0 || cnt > MaxLineLength || cnt != math.Trunc(cnt) {
					return nil, plyErr(name, dr, line, e, idx, fmt.Errorf("bad list length %v", cnt))
				}
				// Only the face's vertex index list holds indices; the values
				// of any other list (texture coordinates, an edge's or a
				// vertex's lists) are read and ignored.
				isFace := p.indices && e.name == "face"
				unchecked += int(cnt)
				poly = poly[:0]
				for range int(cnt) {
					x, err := dr.scalar(p.typ)
					if err != nil {
						return nil, plyErr(name, dr, line, e, idx, err)
					}
					if !isFace {
						continue
					}
					if x != math.Trunc(x) || x < 0 || x >= float64(len(m.V)) {
						return nil, plyErr(name, dr, line, e, idx, fmt.Errorf("vertex index %v out of range [0, %d)", x, len(m.V)))
					}
					poly = append(poly, int(x))
				}
				if isFace {
					if len(poly) < 3 {
						return nil, plyErr(name, dr, line, e, idx, fmt.Errorf("face with %d vertices", len(poly)))
					}
					if hasRepeat(poly, &scratch) {
						return nil, plyErr(name, dr, line, e, idx, errors.New("face repeats a vertex"))
					}
					m.F = fan(m.F, poly)
				}
			}
			if e.name == "vertex" {
				m.V = append(m.V, v)
			}
			if err := dr.end(); err != nil {
				return nil, plyErr(name, dr, line, e, idx, err)
			}
		}
	}
	if len(m.V) == 0 || len(m.F) == 0 {
		return nil, &ParseError{File: name, Line: line, Msg: fmt.Sprintf("no mesh: %d vertices, %d faces", len(m.V), len(m.F))}
	}
	return m, nil
}

// readPLYHeader parses the header up to end_header and returns the elements,
// the format and the line number of end_header.
func readPLYHeader(ctx context.Context, br *bufio.Reader, name string) ([]plyElement, string, int, error) {
	errorf := func(line int, format string, args ...any) error {
		return &ParseError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var elems []plyElement
	format := ""
	for line := 1; ; line++ {
		if line%1024 == 1 {
			if err := cancelled(ctx, name, line-1); err != nil {
				return nil, "", 0, err
			}
		}
		s, err := readHeaderLine(br)
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, "", 0, errorf(line, "line longer than %d bytes", MaxLineLength)
		}
		if err != nil && (err != io.EOF || s == "") {
			return nil, "", 0, errorf(line, "truncated PLY header")
		}
		if line == 1 {
			s = strings.TrimPrefix(s, utf8BOM)
		}
		f := strings.Fields(s)
		if line == 1 {
			if len(f) != 1 || f[0] != "ply" {
				return nil, "", 0, errorf(line, "not a PLY file: first line %q", strings.TrimSpace(s))
			}
			continue
		}
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "comment", "obj_info":
		case "format":
			if len(f) != 3 || f[2] != "1.0" || (f[1] != "ascii" && f[1] != "binary_little_endian" && f[1] != "binary_big_endian") {
				return nil, "", 0, errorf(line, "unsupported format %q", strings.TrimSpace(s))
			}
			format = f[1]
		case "element":
			if len(f) != 3 {
				return nil, "", 0, errorf(line, "malformed element line %q", strings.TrimSpace(s))
			}
			n, err := strconv.Atoi(f[2])
			if err != nil || n < 0 || n > MaxPLYElements {
				return nil, "", 0, errorf(line, "bad element count %q", f[2])
			}
			elems = append(elems, plyElement{name: f[1], count: n, line: line})
		case "property":
			if len(elems) == 0 {
				return nil, "", 0, errorf(line, "property before any element")
			}
			p, err := parsePLYProperty(f)
			if err != nil {
				return nil, "", 0, errorf(line, "%v", err)
			}
			e := &elems[len(elems)-1]
			e.props = append(e.props, p)
		case "end_header":
			if format == "" {
				return nil, "", 0, errorf(line, "missing format line")
			}
			if err := checkPLYElements(elems); err != nil {
				return nil, "", 0, errorf(line, "%v", err)
			}
			return elems, format, line, nil
		default:
			return nil, "", 0, errorf(line, "unknown header keyword %q", f[0])
		}
	}
}

// readHeaderLine returns the next line of br including its newline, or
// bufio.ErrTooLong as soon as the line exceeds MaxLineLength bytes before
// the newline: memory stays bounded however long the line is.
func readHeaderLine(br *bufio.Reader) (string, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		content := len(buf) + len(frag)
		if err == nil {
			content-- // the newline
		}
		if content > MaxLineLength {
			return "", bufio.ErrTooLong
		}
		buf = append(buf, frag...)
		if err != bufio.ErrBufferFull {
			return string(buf), err
		}
	}
}

func parsePLYProperty(f []string) (plyProperty, error) {
	p := plyProperty{coordinate: -1}
	switch {
	case len(f) == 3:
		p.typ, p.name = f[1], f[2]
	case len(f) == 5 && f[1] == "list":
		p.countTyp, p.typ, p.name = f[2], f[3], f[4]
		if plySizes[p.countTyp] == 0 {
			return p, fmt.Errorf("unknown property type %q", p.countTyp)
		}
	default:
		return p, fmt.Errorf("malformed property line %q", strings.Join(f, " "))
	}
	if plySizes[p.typ] == 0 {
		return p, fmt.Errorf("unknown property type %q", p.typ)
	}
	if p.countTyp == "" {
		p.coordinate = strings.Index("xyz", p.name)
		if len(p.name) != 1 {
			p.coordinate = -1
		}
	}
	p.indices = p.countTyp != "" && (p.name == "vertex_indices" || p.name == "vertex_index")
	return p, nil
}

// checkPLYElements requires a vertex element with x, y, z before a face
// element with a vertex index list.
func checkPLYElements(elems []plyElement) error {
	seenVertex := false
	for _, e := range elems {
		switch e.name {
		case "vertex":
			var have [3]bool
			for _, p := range e.props {
				if p.coordinate >= 0 {
					have[p.coordinate] = true
				}
			}
			if !have[0] || !have[1] || !have[2] {
				return errors.New("vertex element without x, y and z properties")
			}
			seenVertex = true
		case "face":
			if !seenVertex {
				return errors.New("face element before the vertex element")
			}
			ok := false
			for _, p := range e.props {
				ok = ok || p.indices
			}
			if !ok {
				return errors.New("face element without a vertex_indices list")
			}
		}
	}
	if !seenVertex {
		return errors.New("no vertex element")
	}
	return nil
}

// plyDataReader reads the values of one element at a time.
type plyDataReader interface {
	begin() error
	scalar(typ string) (float64, error)
	end() error
	where() int // the current line for ascii data, 0 for binary
}

func plyErr(name string, dr plyDataReader, headerLine int, e plyElement, idx int, err error) error {
	if l := dr.where(); l > 0 {
		return &ParseError{File: name, Line: l, Msg: fmt.Sprintf("%s %d: %v", e.name, idx, err)}
	}
	return &ParseError{File: name, Line: headerLine, Msg: fmt.Sprintf("binary data of %s %d: %v", e.name, idx, err)}
}

// plyASCII reads one element per line.
type plyASCII struct {
	lr    *lineReader
	first int
	toks  []string
}

func (a *plyASCII) begin() error {
	for {
		line, ok, err := a.lr.next()
		if err != nil {
			return err
		}
		if !ok {
			a.lr.line++ // report the missing line
			return errors.New("truncated data: missing line")
		}
		if a.toks = strings.Fields(string(line)); len(a.toks) > 0 {
			return nil
		}
	}
}

func (a *plyASCII) scalar(typ string) (float64, error) {
	if len(a.toks) == 0 {
		return 0, errors.New("too few values on the line")
	}
	tok := a.toks[0]
	a.toks = a.toks[1:]
	x, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", tok)
	}
	return x, nil
}

func (a *plyASCII) end() error {
	if len(a.toks) > 0 {
		return fmt.Errorf("extra values %q", strings.Join(a.toks, " "))
	}
	return nil
}

func (a *plyASCII) where() int { return a.first + a.lr.line }

// plyBinary reads packed values.
type plyBinary struct {
	r     *bufio.Reader
	order binary.ByteOrder
	buf   [8]byte
}

func (b *plyBinary) begin() error { return nil }
func (b *plyBinary) end() error   { return nil }
func (b *plyBinary) where() int   { return 0 }

func (b *plyBinary) scalar(typ string) (float64, error) {
	n := plySizes[typ]
	if _, err := io.ReadFull(b.r, b.buf[:n]); err != nil {
		return 0, errors.New("truncated data")
	}
	p := b.buf[:n]
	switch typ {
	case "char", "int8":
		return float64(int8(p[0])), nil
	case "uchar", "uint8":
		return float64(p[0]), nil
	case "short", "int16":
		return float64(int16(b.order.Uint16(p))), nil
	case "ushort", "uint16":
		return float64(b.order.Uint16(p)), nil
	case "int", "int32":
		return float64(int32(b.order.Uint32(p))), nil
	case "uint", "uint32":
		return float64(b.order.Uint32(p)), nil
	case "float", "float32":
		return float64(math.Float32frombits(b.order.Uint32(p))), nil
	}
	return math.Float64frombits(b.order.Uint64(p)), nil
}
