package mesh_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/readtest"
	"github.com/sparsels/sparsels/mesh"
)

// quadPLY is a unit square as one quad plus a triangle on top, with extra
// properties and an extra element that the reader must skip.
const quadPLYHeader = `ply
format %s 1.0
comment made by hand
element vertex 5
property float x
property float y
property double z
property uchar red
element face 2
property list uchar int vertex_indices
property int flags
element edge 1
property int vertex1
property int vertex2
end_header
`

var quadWant = &mesh.Mesh{
	V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0.5, 2, 0.25}},
	F: [][3]int{{0, 1, 2}, {0, 2, 3}, {3, 2, 4}},
}

func quadBinary(order binary.ByteOrder, format string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Replace(quadPLYHeader, "%s", format, 1))
	for _, v := range quadWant.V {
		binary.Write(&b, order, float32(v[0]))
		binary.Write(&b, order, float32(v[1]))
		binary.Write(&b, order, v[2])
		b.WriteByte(200)
	}
	for _, f := range [][]int32{{0, 1, 2, 3}, {3, 2, 4}} {
		b.WriteByte(byte(len(f)))
		binary.Write(&b, order, f)
		binary.Write(&b, order, int32(7))
	}
	binary.Write(&b, order, []int32{0, 1})
	return b.Bytes()
}

func TestReadPLY(t *testing.T) {
	ascii := strings.Replace(quadPLYHeader, "%s", "ascii", 1) +
		"0 0 0 255\n1 0 0 255\n1 1 0 255\n\n0 1 0 255\n0.5 2 0.25 1\n4 0 1 2 3 7\n3 3 2 4 7\n0 1\n"
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"ascii", []byte(ascii)},
		{"binary little endian", quadBinary(binary.LittleEndian, "binary_little_endian")},
		{"binary big endian", quadBinary(binary.BigEndian, "binary_big_endian")},
	} {
		m, err := mesh.ReadPLY(context.Background(), bytes.NewReader(tc.data), "quad.ply")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(m, quadWant) {
			t.Errorf("%s: got %v, want %v", tc.name, m, quadWant)
		}
	}
}

func TestReadPLYErrors(t *testing.T) {
	head := "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
	bin := quadBinary(binary.LittleEndian, "binary_little_endian")
	testReadErrors(t, mesh.ReadPLY, "bad.ply", []readErrorCase{
		{"not ply", "PLY\n", 1, "not a PLY file"},
		{"no format", "ply\nelement vertex 0\nend_header\n", 3, "missing format"},
		{"bad format", "ply\nformat binary 1.0\n", 2, "unsupported format"},
		{"truncated header", "ply\nformat ascii 1.0\n", 3, "truncated PLY header"},
		{"lying count", "ply\nformat ascii 1.0\nelement vertex 99999999999\n", 3, "bad element count"},
		{"unknown type", "ply\nformat ascii 1.0\nelement vertex 1\nproperty quad x\n", 4, "unknown property type"},
		{"no xyz", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n", 5, "without x, y and z"},
		{"index out of range", head + "0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n", 13, "face 0: vertex index 3 out of range [0, 3)"},
		{"two-vertex face", head + "0 0 0\n1 0 0\n0 1 0\n2 0 1\n", 13, "face with 2 vertices"},
		{"repeated vertex", head + "0 0 0\n1 0 0\n0 1 0\n3 0 1 1\n", 13, "repeats a vertex"},
		{"nan", head + "0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n", 11, "vertex 1: coordinate x = NaN"},
		{"bad number", head + "0 0 0\n1 zero 0\n", 11, `bad number "zero"`},
		{"extra values", head + "0 0 0 4\n", 10, "extra values"},
		{"truncated ascii", head + "0 0 0\n1 0 0\n", 12, "truncated data"},
		{"truncated binary", string(bin[:len(bin)-20]), 15, "binary data of face 1: truncated data"},
	})
}

// FuzzReadPLY checks that ReadPLY never panics and that what it accepts is a
// valid mesh.
func FuzzReadPLY(f *testing.F) {
	f.Add(quadBinary(binary.LittleEndian, "binary_little_endian"))
	f.Add(quadBinary(binary.BigEndian, "binary_big_endian"))
	f.Add([]byte(strings.Replace(quadPLYHeader, "%s", "ascii", 1) + "0 0 0 1\n1 0 0 1\n1 1 0 1\n0 1 0 1\n0 2 0 1\n3 0 1 2 7\n3 0 2 3 7\n0 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mesh.ReadPLY(context.Background(), bytes.NewReader(data), "fuzz.ply")
		if err != nil {
			var pe *mesh.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if len(m.V) == 0 || len(m.F) == 0 {
			t.Fatal("accepted an empty mesh")
		}
		for _, tri := range m.F {
			for _, v := range tri {
				if v < 0 || v >= len(m.V) {
					t.Fatalf("face %v out of range", tri)
				}
			}
		}
	})
}

// endlessLine yields prefix and then the byte 'a' until limit bytes in all
// have been read, without holding them in memory; n counts the bytes read.
type endlessLine struct {
	prefix string
	n      int64
	limit  int64
}

func (r *endlessLine) Read(p []byte) (int, error) {
	if r.n >= r.limit {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.n < r.limit {
		if r.n < int64(len(r.prefix)) {
			p[k] = r.prefix[r.n]
		} else {
			p[k] = 'a'
		}
		k++
		r.n++
	}
	return k, nil
}

// TestReadPLYLongHeaderLine reads a PLY file whose second header line is a
// comment of 256 MiB without a newline. The header reader must stop at
// MaxLineLength: the error names line 2, at most a few MaxLineLength of the
// input are consumed, and allocation stays within a few MaxLineLength.
// Regression test for a header reader that buffered the whole line.
func TestReadPLYLongHeaderLine(t *testing.T) {
	for _, prefix := range []string{"ply\ncomment ", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x"} {
		r := &endlessLine{prefix: prefix, limit: 256 << 20}
		var m *mesh.Mesh
		var err error
		b := readtest.Allocated(func() { m, err = mesh.ReadPLY(context.Background(), r, "long.ply") })
		var pe *mesh.ParseError
		line := strings.Count(prefix, "\n") + 1
		if m != nil || !errors.As(err, &pe) || pe.Line != line || !strings.Contains(pe.Msg, "line longer than") {
			t.Fatalf("%q: error %v, want a *ParseError at line %d for a line longer than %d bytes", prefix, err, line, mesh.MaxLineLength)
		}
		if r.n > 2*mesh.MaxLineLength {
			t.Errorf("%q: read %d bytes before giving up, want at most %d", prefix, r.n, 2*mesh.MaxLineLength)
		}
		if b > 8*mesh.MaxLineLength {
			t.Errorf("%q: allocated %d bytes, want at most %d", prefix, b, 8*mesh.MaxLineLength)
		}
	}
}

// plyProp is a property of a generated PLY element: a scalar of type typ, or
// a list with count type count and item type typ.
type plyProp struct{ count, typ, name string }

// plyElem is a generated PLY element; each row lists the values of its
// properties in order, a list as its length followed by its items.
type plyElem struct {
	name  string
	props []plyProp
	rows  [][]float64
}

// plyFile encodes elems as a PLY file in the given format.
func plyFile(format string, elems []plyElem) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "ply\nformat %s 1.0\n", format)
	for _, e := range elems {
		fmt.Fprintf(&b, "element %s %d\n", e.name, len(e.rows))
		for _, p := range e.props {
			if p.count != "" {
				fmt.Fprintf(&b, "property list %s %s %s\n", p.count, p.typ, p.name)
			} else {
				fmt.Fprintf(&b, "property %s %s\n", p.typ, p.name)
			}
		}
	}
	b.WriteString("end_header\n")
	var order binary.ByteOrder = binary.LittleEndian
	if format == "binary_big_endian" {
		order = binary.BigEndian
	}
	put := func(typ string, x float64) {
		switch typ {
		case "uchar":
			b.WriteByte(byte(x))
		case "ushort":
			binary.Write(&b, order, uint16(x))
		case "int":
			binary.Write(&b, order, int32(x))
		case "float":
			binary.Write(&b, order, float32(x))
		default:
			binary.Write(&b, order, x)
		}
	}
	for _, e := range elems {
		for _, row := range e.rows {
			if format == "ascii" {
				for k, x := range row {
					if k > 0 {
						b.WriteByte(' ')
					}
					fmt.Fprint(&b, x)
				}
				b.WriteByte('\n')
				continue
			}
			k := 0
			for _, p := range e.props {
				if p.count == "" {
					put(p.typ, row[k])
					k++
					continue
				}
				cnt := int(row[k])
				put(p.count, row[k])
				for _, x := range row[k+1 : k+1+cnt] {
					put(p.typ, x)
				}
				k += 1 + cnt
			}
		}
	}
	return b.Bytes()
}

// TestReadPLYOtherLists reads valid PLY files with list properties other
// than the faces' vertex indices, in ascii and both binary formats: a
// per-face texture coordinate list of floats, a list property of the
// vertices, and an edge element with a list. They are read and ignored, as
// documented. Regression test for a reader that took every list for vertex
// indices ("vertex index 0.5 out of range").
func TestReadPLYOtherLists(t *testing.T) {
	xyz := []plyProp{{"", "float", "x"}, {"", "float", "y"}, {"", "double", "z"}}
	verts := [][]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0.25}}
	faceIdx := plyProp{"uchar", "int", "vertex_indices"}
	faces := [][]float64{{4, 0, 1, 2, 3}}
	want := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0.25}}, F: [][3]int{{0, 1, 2}, {0, 2, 3}}}
	withCol := func(rows [][]float64, extra ...[]float64) [][]float64 {
		out := make([][]float64, len(rows))
		for i, r := range rows {
			out[i] = append(append([]float64(nil), r...), extra[i]...)
		}
		return out
	}
	for _, test := range []struct {
		name  string
		elems []plyElem
	}{
		{"face texcoord list", []plyElem{
			{"vertex", xyz, verts},
			{"face", []plyProp{faceIdx, {"uchar", "float", "texcoord"}},
				withCol(faces, []float64{8, 0.5, 0.25, 0.75, 0.5, 1.5, 0.125, 0, 99.5})},
		}},
		{"texcoord list before the indices", []plyElem{
			{"vertex", xyz, verts},
			{"face", []plyProp{{"uchar", "float", "texcoord"}, faceIdx},
				[][]float64{{2, 0.5, -7.25, 4, 0, 1, 2, 3}}},
		}},
		{"vertex list property", []plyElem{
			{"vertex", append(append([]plyProp(nil), xyz...), plyProp{"uchar", "float", "weights"}),
				withCol(verts, []float64{2, 0.5, 9}, []float64{0}, []float64{1, -3.5}, []float64{3, 0.5, 1e6, 2})},
			{"face", []plyProp{faceIdx}, faces},
		}},
		{"edge element with a list", []plyElem{
			{"vertex", xyz, verts},
			{"face", []plyProp{faceIdx}, faces},
			{"edge", []plyProp{{"ushort", "float", "curve"}, {"", "int", "flags"}},
				[][]float64{{3, 0.5, 17, -1, 7}, {0, 8}}},
		}},
		{"edge element with an index list beyond the vertices", []plyElem{
			{"vertex", xyz, verts},
			{"edge", []plyProp{{"uchar", "int", "vertex_indices"}}, [][]float64{{2, 9, 40}}},
			{"face", []plyProp{faceIdx}, faces},
		}},
	} {
		for _, format := range []string{"ascii", "binary_little_endian", "binary_big_endian"} {
			data := plyFile(format, test.elems)
			m, err := mesh.ReadPLY(context.Background(), bytes.NewReader(data), "lists.ply")
			if err != nil {
				t.Errorf("%s, %s: %v", test.name, format, err)
				continue
			}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("%s, %s: got %v, want %v", test.name, format, m, want)
			}
		}
	}
	// The face indices are still checked.
	bad := []plyElem{{"vertex", xyz, verts}, {"face", []plyProp{faceIdx, {"uchar", "float", "texcoord"}}, [][]float64{{3, 0, 1, 4, 1, 0.5}}}}
	for _, format := range []string{"ascii", "binary_little_endian"} {
		_, err := mesh.ReadPLY(context.Background(), bytes.NewReader(plyFile(format, bad)), "bad.ply")
		if err == nil || !strings.Contains(err.Error(), "face 0: vertex index 4 out of range [0, 4)") {
			t.Errorf("%s: out-of-range face index: error %v", format, err)
		}
	}
}
