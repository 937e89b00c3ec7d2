package mesh_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

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
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string
	}{
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
	} {
		_, err := mesh.ReadPLY(context.Background(), strings.NewReader(tc.in), "bad.ply")
		var pe *mesh.ParseError
		if !errors.As(err, &pe) || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) || pe.File != "bad.ply" {
			t.Errorf("%s: error %v, want line %d with %q", tc.name, err, tc.line, tc.msg)
		}
	}
}

func TestWriteOBJRoundTrip(t *testing.T) {
	m := mesh.WavyGrid(4, 5, 3)
	m.V[2][1] = math.Nextafter(1, 2) // needs all 17 digits
	var b bytes.Buffer
	if err := mesh.WriteOBJ(&b, m, "round trip"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# round trip\nv ") {
		t.Errorf("output starts %q", b.String()[:20])
	}
	got, err := mesh.ReadOBJ(context.Background(), &b, "rt.obj")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Error("ReadOBJ(context.Background(), WriteOBJ(m)) differs from m")
	}
}

func TestUnreferenced(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {5, 5, 5}, {2, 0, 0}, {3, 0, 0}},
		F: [][3]int{{0, 1, 2}, {1, 4, 5}}, // the second face is degenerate (collinear)
	}
	if got, want := m.Unreferenced(), []int{3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unreferenced() = %v, want %v", got, want)
	}
	mass := m.Mass(mesh.Voronoi)
	for _, v := range []int{3, 4, 5} {
		if mass[v] != 0 {
			t.Errorf("mass[%d] = %v: an unreferenced vertex should have none", v, mass[v])
		}
	}
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
