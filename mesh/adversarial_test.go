package mesh_test

// Adversarial input for the OBJ and OFF readers and the geometric operators
// (issue 7): lying counts, truncation at every byte, random and mutated
// bytes, non-finite and overflowing numbers, overlong lines, and degenerate
// geometry at extreme scales. Every read error must be a *mesh.ParseError
// naming the file and a line inside the input; the operators must stay
// finite, symmetric and non-negative where documented.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sparsels/sparsels/mesh"
)

type advReader func(r *bytes.Reader, name string) (*mesh.Mesh, error)

var advReaders = map[string]advReader{
	"obj": func(r *bytes.Reader, name string) (*mesh.Mesh, error) {
		return mesh.ReadOBJ(context.Background(), r, name)
	},
	"off": func(r *bytes.Reader, name string) (*mesh.Mesh, error) {
		return mesh.ReadOFF(context.Background(), r, name)
	},
}

// advRead reads data with the reader of the format and checks the error
// contract: no panic, a nil mesh with every error, and every error a
// *mesh.ParseError naming the file and a line within the input (or the line
// after the last).
func advRead(t *testing.T, format string, data []byte) (*mesh.Mesh, *mesh.ParseError) {
	t.Helper()
	name := "adv." + format
	var m *mesh.Mesh
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Read%s panicked on %q: %v", strings.ToUpper(format), clipData(data), r)
			}
		}()
		m, err = advReaders[format](bytes.NewReader(data), name)
	}()
	if err == nil {
		if m == nil {
			t.Fatalf("nil mesh without error for %q", clipData(data))
		}
		return m, nil
	}
	var pe *mesh.ParseError
	if m != nil || !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) with mesh %v for %q", err, err, m != nil, clipData(data))
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	if pe.File != name || !strings.Contains(err.Error(), name+":") || pe.Line < 0 || pe.Line > lines {
		t.Fatalf("error %q (line %d of %d) does not name %s and a line", err, pe.Line, lines, name)
	}
	return nil, pe
}

func clipData(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// advCheckMesh verifies a mesh that was read: indices in range, no repeated
// vertex in a face, finite coordinates, and finite, symmetric operators
// with non-negative masses.
func advCheckMesh(t *testing.T, m *mesh.Mesh, src []byte) {
	t.Helper()
	for f, tri := range m.F {
		for _, v := range tri {
			if v < 0 || v >= len(m.V) {
				t.Fatalf("%q: face %d = %v out of range", clipData(src), f, tri)
			}
		}
		if tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2] {
			t.Fatalf("%q: face %d = %v repeats a vertex", clipData(src), f, tri)
		}
	}
	for i, p := range m.V {
		for _, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%q: vertex %d = %v", clipData(src), i, p)
			}
		}
	}
	advCheckOperators(t, m, string(clipData(src)))
}

// advCheckOperators checks that the Laplacian is finite and exactly
// symmetric with a diagonal in every row and zero row sums up to rounding,
// and that both masses are finite, non-negative and sum to the area.
func advCheckOperators(t *testing.T, m *mesh.Mesh, what string) {
	t.Helper()
	L := m.Cotangent()
	raw := L.RawMatrix()
	n := len(m.V)
	if len(raw.Indptr) != n+1 {
		t.Fatalf("%s: Laplacian has %d row pointers for %d vertices", what, len(raw.Indptr), n)
	}
	for i := 0; i < n; i++ {
		var sum, abs float64
		for s := raw.Indptr[i]; s < raw.Indptr[i+1]; s++ {
			v := raw.Data[s]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: L[%d,%d] = %v", what, i, raw.Ind[s], v)
			}
			if w := L.At(raw.Ind[s], i); w != v {
				t.Fatalf("%s: L[%d,%d] = %v but L[%d,%d] = %v", what, i, raw.Ind[s], v, raw.Ind[s], i, w)
			}
			sum += v
			abs += math.Abs(v)
		}
		if math.Abs(sum) > 1e-10*abs {
			t.Fatalf("%s: row %d of L sums to %v (scale %v)", what, i, sum, abs)
		}
	}
	area := m.Area()
	for _, kind := range []mesh.MassKind{mesh.Voronoi, mesh.Barycentric} {
		var sum float64
		for i, v := range m.Mass(kind) {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("%s: %v mass[%d] = %v", what, kind, i, v)
			}
			sum += v
		}
		if !math.IsInf(area, 0) && math.Abs(sum-area) > 1e-10*area {
			t.Fatalf("%s: %v masses sum to %v, area %v", what, kind, sum, area)
		}
	}
}

const advOBJ = "# cube corner\r\nv 0 0 0\r\nv 1 0 0 1\r\nv 1 1 0\nv 0 1 0\nv 0.5 0.5 1 0.1 0.2 0.3\nvt 0 0\nvn 0 0 1\n" +
	"f 1/1/1 2//1 3/1 4\nf -5 -4 -1\ng group\nusemtl x\nf 2 3 5\nl 1 2\n"

const advOFF = "OFF # header\n# comment\n5 3 0\n0 0 0\n1 0 0 255 0 0\n1 1 0\n0 1 0\n\n0.5 0.5 1\n4 0 1 2 3 0.5 0.5 0.5\n3 0 1 4\n3 1 2 4 # c\n"

// TestAdvTruncatedMeshes reads every prefix of valid OBJ and OFF files.
func TestAdvTruncatedMeshes(t *testing.T) {
	for format, file := range map[string]string{"obj": advOBJ, "off": advOFF} {
		whole, e := advRead(t, format, []byte(file))
		if e != nil {
			t.Fatalf("%s: %v", format, e)
		}
		advCheckMesh(t, whole, []byte(file))
		accepted := 0
		for cut := 0; cut < len(file); cut++ {
			m, _ := advRead(t, format, []byte(file[:cut]))
			if m != nil {
				accepted++
				advCheckMesh(t, m, []byte(file[:cut]))
				if format == "off" && (len(m.V) != len(whole.V) || len(m.F) != len(whole.F)) {
					// OFF counts make truncation detectable.
					t.Errorf("off cut at %d: accepted %d vertices and %d faces, the file has %d and %d",
						cut, len(m.V), len(m.F), len(whole.V), len(whole.F))
				}
			}
		}
		t.Logf("%s: %d of %d prefixes are valid meshes", format, accepted, len(file))
	}
}

// TestAdvRandomMeshBytes feeds random and mutated input to both readers.
func TestAdvRandomMeshBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	alphabet := []byte("OFFvf #/-+.0123456789eE \n\r\tnaNinf\x00\xff")
	n := 4000
	if testing.Short() {
		n = 800
	}
	deadline := time.Now().Add(10 * time.Second)
	for k := 0; k < n && time.Now().Before(deadline); k++ {
		format := "obj"
		base := advOBJ
		if k%2 == 1 {
			format, base = "off", advOFF
		}
		var data []byte
		switch k % 3 {
		case 0:
			data = make([]byte, rng.IntN(200))
			for i := range data {
				data[i] = byte(rng.IntN(256))
			}
		case 1:
			data = make([]byte, rng.IntN(300))
			for i := range data {
				data[i] = alphabet[rng.IntN(len(alphabet))]
			}
		default:
			data = []byte(base)
			for e := 0; e < 1+rng.IntN(4); e++ {
				i := rng.IntN(len(data))
				switch rng.IntN(3) {
				case 0:
					data[i] = alphabet[rng.IntN(len(alphabet))]
				case 1:
					data = append(data[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[i:]...)...)
				default:
					data = append(data[:i], data[i+1:]...)
				}
			}
		}
		if m, _ := advRead(t, format, data); m != nil {
			advCheckMesh(t, m, data)
		}
	}
}

// TestAdvBadMeshes checks the error for each kind of malformed input: the
// line and the culprit are named.
func TestAdvBadMeshes(t *testing.T) {
	const tri = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
	const offHead = "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n"
	for _, test := range []struct {
		format, file string
		line         int
		want         string
	}{
		{"obj", "", 0, "empty mesh"},
		{"obj", tri, 3, "empty mesh: 3 vertices, 0 faces"},
		{"obj", "f 1 2 3\n", 1, "empty mesh: 0 vertices, 1 faces"},
		{"obj", tri + "f 1 2 4\n", 4, "vertex index 4 out of range: 3 vertices"},
		{"obj", tri + "f 1 2 99999999999999999999\n", 4, "bad vertex index"},
		{"obj", tri + "f 1 2 -99999999999999999999\n", 4, "bad vertex index"},
		{"obj", tri + "f 1 2 -4\n", 4, "relative vertex index -4 out of range"},
		{"obj", tri + "f 1 2 0\n", 4, "vertex index 0"},
		{"obj", tri + "f 1 2 -3\n", 4, "repeated vertex"},
		{"obj", tri + "f 1 2\n", 4, "at least 3 vertices"},
		{"obj", tri + "f 1 2 /3\n", 4, "bad vertex index"},
		{"obj", "v 0 0 nan\n" + tri + "f 1 2 3\n", 1, "non-finite"},
		{"obj", "v 0 inf 0\n" + tri + "f 1 2 3\n", 1, "non-finite"},
		{"obj", "v 0 1e400 0\n" + tri + "f 1 2 3\n", 1, "bad number"},
		{"obj", "v 0 0\n" + tri + "f 1 2 3\n", 1, "3 coordinates"},
		{"obj", "v 0 0 0 x\n" + tri + "f 1 2 3\n", 1, "bad number"},
		{"obj", tri + "f 1 2 3\nv " + strings.Repeat("1", mesh.MaxLineLength) + " 0 0\n", 5, "line longer than"},
		{"off", "", 0, "missing OFF header"},
		{"off", "COFF\n3 1\n", 1, "missing OFF header"},
		{"off", "OFF BINARY\n", 1, "binary OFF (header \"OFF BINARY\") is not supported"},
		{"off", "OFF BINARY\n3 1 0\n", 1, "binary OFF"},
		{"off", "OFF\n", 1, "missing counts"},
		{"off", "OFF\n3\n", 2, "have 1 fields"},
		{"off", "OFF\n-3 1\n", 2, "bad count"},
		{"off", "OFF\n99999999999999999999 1\n", 2, "bad count"},
		{"off", "OFF\n0 1\n", 2, "empty mesh"},
		{"off", "OFF\n1000000000000 1000000000000 0\n0 0 0\n", 3, "declares 1000000000000 vertices, file has 1"},
		{"off", offHead, 5, "declares 1 faces, file has 0"},
		{"off", offHead + "3 0 1 3\n", 6, "vertex index 3 out of range [0, 3)"},
		{"off", offHead + "3 0 1 -1\n", 6, "out of range"},
		{"off", offHead + "1000000000 0 1 2\n", 6, "declares 1000000000 vertices, lists 3"},
		{"off", offHead + "2 0 1\n", 6, "at least 3 vertices"},
		{"off", offHead + "3 0 1 1\n", 6, "repeated vertex"},
		{"off", offHead + "x 0 1 2\n", 6, "bad vertex count"},
		{"off", "OFF\n3 1\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n", 4, "non-finite"},
		{"off", "OFF\n3 1\n0 0 0\n1 0\n0 1 0\n3 0 1 2\n", 4, "3 coordinates"},
	} {
		_, e := advRead(t, test.format, []byte(test.file))
		if e == nil {
			t.Errorf("%s %q accepted", test.format, clipData([]byte(test.file)))
			continue
		}
		if e.Line != test.line || !strings.Contains(e.Msg, test.want) {
			t.Errorf("%s %q: error %q, want line %d and %q", test.format, clipData([]byte(test.file)), e, test.line, test.want)
		}
	}
}

// TestAdvLyingOFFCounts checks that OFF counts far above the records
// present cost memory in proportion to the records only.
func TestAdvLyingOFFCounts(t *testing.T) {
	file := []byte("OFF\n2000000000 2000000000 0\n0 0 0\n1 0 0\n0 1 0\n")
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, e := advRead(t, "off", file)
	runtime.ReadMemStats(&m1)
	if e == nil || !strings.Contains(e.Msg, "truncated") {
		t.Fatalf("error %v, want a truncated file", e)
	}
	if b := m1.TotalAlloc - m0.TotalAlloc; b > 8<<20 {
		t.Errorf("%d bytes allocated for a %d-byte file declaring 2·10⁹ vertices", b, len(file))
	}
}

// TestAdvReadFile checks the errors of ReadFile: missing files, unknown
// extensions and parse errors all name the path.
func TestAdvReadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.OFF")
	if err := os.WriteFile(bad, []byte("OFF\n3 1\n0 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.obj"), filepath.Join(dir, "mesh.stl"), bad, dir} {
		m, err := mesh.ReadFile(context.Background(), path)
		if m != nil || err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadFile(context.Background(), %s) = %v, %v; want an error naming the path", path, m != nil, err)
		}
	}
}

// TestAdvDegenerateGeometry checks the operators on geometry that defeats
// naive formulas: needle and cap triangles, collinear and coincident
// vertices, unreferenced vertices, non-manifold edges, and coordinates
// around 1e-300, 1e-150, 1e150 and 1e300. Regression test for squares of
// side 1e-150 and 1e150, whose triangles were dropped as degenerate (area 0
// and +Inf) because the length of the cross product was computed by
// squaring its entries.
func TestAdvDegenerateGeometry(t *testing.T) {
	square := func(s float64) *mesh.Mesh {
		return &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {s, 0, 0}, {0, s, 0}, {s, s, 0}}, F: [][3]int{{0, 1, 2}, {1, 3, 2}}}
	}
	unit := square(1).Cotangent()
	for _, s := range []float64{1e-300, 1e-150, 1e-20, 1e20, 1e150, 1e300} {
		m := square(s)
		what := fmt.Sprintf("square of side %g", s)
		advCheckOperators(t, m, what)
		// The cotangent Laplacian is scale invariant in 2D; the masses
		// scale with s².
		L := m.Cotangent()
		if m.Validate() == nil {
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					if math.Abs(L.At(i, j)-unit.At(i, j)) > 1e-12 {
						t.Errorf("%s: L[%d,%d] = %v, want %v", what, i, j, L.At(i, j), unit.At(i, j))
					}
				}
			}
			if a := m.Area(); math.Abs(a-s*s) > 1e-12*s*s {
				t.Errorf("%s: area %v", what, a)
			}
		} else if s > 1e-200 && s < 1e200 {
			t.Errorf("%s: %v", what, m.Validate())
		}
	}
	for _, test := range []struct {
		name string
		m    *mesh.Mesh
		bad  bool // Validate must report a degenerate face
	}{
		{"collinear", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}, F: [][3]int{{0, 1, 2}}}, true},
		{"coincident", &mesh.Mesh{V: [][3]float64{{1, 1, 1}, {1, 1, 1}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}}}, true},
		{"needle", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0.5, 1e-17, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"cap", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1e-9, 1e-300, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"unreferenced vertex", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {9, 9, 9}}, F: [][3]int{{0, 1, 2}}}, false},
		{"non-manifold edge", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}},
			F: [][3]int{{0, 1, 2}, {1, 0, 3}, {0, 1, 4}}}, false},
		{"duplicate face", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}, {2, 1, 0}}}, false},
		{"overflowing cross product", &mesh.Mesh{V: [][3]float64{{-1e308, 0, 0}, {1e308, 0, 0}, {0, 1e308, 0}}, F: [][3]int{{0, 1, 2}}}, true},
	} {
		advCheckOperators(t, test.m, test.name)
		err := test.m.Validate()
		if test.bad && (err == nil || !strings.Contains(err.Error(), "face 0")) {
			t.Errorf("%s: Validate = %v, want an error naming face 0", test.name, err)
		}
	}
	// Faces outside V are programmer errors: the operators panic with a
	// message naming the package, and Validate returns an error.
	m := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 5}}}
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "face 0") {
		t.Errorf("Validate of an out-of-range face: %v", err)
	}
	for name, f := range map[string]func(){
		"Cotangent": func() { m.Cotangent() },
		"Mass":      func() { m.Mass(mesh.Voronoi) },
		"Area":      func() { m.Area() },
		"Edges":     func() { m.Edges() },
		"MassKind":  func() { square(1).Mass(mesh.MassKind(7)) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "mesh: ") {
					t.Errorf("%s: panic %v, want one starting with \"mesh: \"", name, r)
				}
			}()
			f()
		}()
	}
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

// TestAdvPLYLongHeaderLine reads a PLY file whose second header line is a
// comment of 256 MiB without a newline. The header reader must stop at
// MaxLineLength: the error names line 2, at most a few MaxLineLength of the
// input are consumed, and allocation stays within a few MaxLineLength.
// Regression test for a header reader that buffered the whole line.
func TestAdvPLYLongHeaderLine(t *testing.T) {
	for _, prefix := range []string{"ply\ncomment ", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x"} {
		r := &endlessLine{prefix: prefix, limit: 256 << 20}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		m, err := mesh.ReadPLY(context.Background(), r, "long.ply")
		runtime.ReadMemStats(&m1)
		var pe *mesh.ParseError
		line := strings.Count(prefix, "\n") + 1
		if m != nil || !errors.As(err, &pe) || pe.Line != line || !strings.Contains(pe.Msg, "line longer than") {
			t.Fatalf("%q: error %v, want a *ParseError at line %d for a line longer than %d bytes", prefix, err, line, mesh.MaxLineLength)
		}
		if r.n > 2*mesh.MaxLineLength {
			t.Errorf("%q: read %d bytes before giving up, want at most %d", prefix, r.n, 2*mesh.MaxLineLength)
		}
		if b := m1.TotalAlloc - m0.TotalAlloc; b > 8*mesh.MaxLineLength {
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

// TestAdvPLYOtherLists reads valid PLY files with list properties other
// than the faces' vertex indices, in ascii and both binary formats: a
// per-face texture coordinate list of floats, a list property of the
// vertices, and an edge element with a list. They are read and ignored, as
// documented. Regression test for a reader that took every list for vertex
// indices ("vertex index 0.5 out of range").
func TestAdvPLYOtherLists(t *testing.T) {
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

// TestAdvByteOrderMark reads OBJ, OFF and PLY files that start with a UTF-8
// byte order mark: the mesh must equal the one read without it. Regression
// test for an OBJ reader that took "\ufeffv" for an unknown record and
// dropped the first vertex, which shifted every negative face index.
func TestAdvByteOrderMark(t *testing.T) {
	const bom = "\ufeff"
	obj := "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf -4 -3 -2\nf 1 3 4\n"
	off := "OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n"
	ply := "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n" +
		"element face 2\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n"
	want := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}, {0, 2, 3}}}
	for _, test := range []struct {
		format, file string
		read         func(context.Context, io.Reader, string) (*mesh.Mesh, error)
	}{
		{"obj", obj, mesh.ReadOBJ},
		{"off", off, mesh.ReadOFF},
		{"ply", ply, mesh.ReadPLY},
	} {
		for _, prefix := range []string{"", bom} {
			m, err := test.read(context.Background(), strings.NewReader(prefix+test.file), "bom."+test.format)
			if err != nil || !reflect.DeepEqual(m, want) {
				t.Errorf("%s with prefix %q: got %v, %v; want %v", test.format, prefix, m, err, want)
			}
		}
	}
	// Only a mark at the very start is skipped.
	if _, err := mesh.ReadOBJ(context.Background(), strings.NewReader("v 0 0 0\n"+bom+"v 1 0 0\nv 0 1 0\nf 1 2 3\n"), "mid.obj"); err == nil || !strings.Contains(err.Error(), "mid.obj:4: vertex index 3 out of range: 2 vertices") {
		t.Errorf("mark inside the file: error %v", err)
	}
}

// cancelAfter delivers r and cancels a context once it has delivered after
// bytes; n counts the bytes delivered.
type cancelAfter struct {
	r      io.Reader
	after  int
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += k
	if c.n >= c.after {
		c.cancel()
	}
	return k, err
}

// TestAdvReadCancel cancels reading a large mesh (OBJ, OFF, ascii and
// binary PLY, about 10 MB each) once the first 256 KiB have been delivered.
// The reader must return an error wrapping context.Canceled that names the
// file, having consumed at most a few 64 KiB beyond the cancellation, and in
// less than a fifth of the time of the uncancelled read measured here.
// A context cancelled beforehand stops the reading before any input.
func TestAdvReadCancel(t *testing.T) {
	g := mesh.WavyGrid(300, 300, 1)
	var obj, off, ascii, bin bytes.Buffer
	if err := mesh.WriteOBJ(&obj, g, "grid"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&off, "OFF\n%d %d 0\n", len(g.V), len(g.F))
	head := fmt.Sprintf("ply\nformat %%s 1.0\nelement vertex %d\nproperty double x\nproperty double y\nproperty double z\n"+
		"element face %d\nproperty list uchar int vertex_indices\nend_header\n", len(g.V), len(g.F))
	fmt.Fprintf(&ascii, head, "ascii")
	fmt.Fprintf(&bin, head, "binary_little_endian")
	for _, p := range g.V {
		fmt.Fprintf(&off, "%v %v %v\n", p[0], p[1], p[2])
		fmt.Fprintf(&ascii, "%v %v %v\n", p[0], p[1], p[2])
		binary.Write(&bin, binary.LittleEndian, p)
	}
	for _, f := range g.F {
		fmt.Fprintf(&off, "3 %d %d %d\n", f[0], f[1], f[2])
		fmt.Fprintf(&ascii, "3 %d %d %d\n", f[0], f[1], f[2])
		bin.WriteByte(3)
		binary.Write(&bin, binary.LittleEndian, [3]int32{int32(f[0]), int32(f[1]), int32(f[2])})
	}
	const after = 256 << 10
	for _, test := range []struct {
		format string
		data   []byte
		read   func(context.Context, io.Reader, string) (*mesh.Mesh, error)
	}{
		{"obj", obj.Bytes(), mesh.ReadOBJ},
		{"off", off.Bytes(), mesh.ReadOFF},
		{"ascii ply", ascii.Bytes(), mesh.ReadPLY},
		{"binary ply", bin.Bytes(), mesh.ReadPLY},
	} {
		name := "big." + test.format
		start := time.Now()
		m, err := test.read(context.Background(), bytes.NewReader(test.data), name)
		full := time.Since(start)
		if err != nil || len(m.V) != len(g.V) || len(m.F) != len(g.F) {
			t.Fatalf("%s: uncancelled read: %v", test.format, err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		r := &cancelAfter{r: bytes.NewReader(test.data), after: after, cancel: cancel}
		start = time.Now()
		m, err = test.read(ctx, r, name)
		took := time.Since(start)
		cancel()
		if m != nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), name+":") {
			t.Errorf("%s: cancelled read returned %v, %v; want an error wrapping context.Canceled naming %s", test.format, m != nil, err, name)
		}
		if limit := after + 4*65536; r.n > limit {
			t.Errorf("%s: consumed %d bytes of %d, cancelled after %d; want at most %d", test.format, r.n, len(test.data), after, limit)
		}
		if took > full/5 {
			t.Errorf("%s: cancelled read took %v, uncancelled %v", test.format, took, full)
		}

		r = &cancelAfter{r: bytes.NewReader(test.data), after: len(test.data) + 1, cancel: func() {}}
		if m, err := test.read(ctx, r, name); m != nil || !errors.Is(err, context.Canceled) || r.n != 0 {
			t.Errorf("%s: read with a done context returned %v, %v after %d bytes", test.format, m != nil, err, r.n)
		}
	}
}

// TestAdvNormalizeNeedle normalizes a unit square with a needle triangle
// whose apex is 1e-17 below its base on y = 0. The mesh must stay valid,
// every mass positive, and the cotangent Laplacian unchanged to a relative
// 1e-12 per entry. Regression test for a Normalize that translated the
// centroid (y ≈ 0.5) to the origin, which rounded the apex onto the base:
// "mass[4] = 0 is not positive and finite".
func TestAdvNormalizeNeedle(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0.5, -1e-17, 0}},
		F: [][3]int{{0, 1, 2}, {0, 2, 3}, {1, 0, 4}},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	L0 := m.Cotangent()
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("after Normalize: %v", err)
	}
	if a := m.Area(); math.Abs(a-1) > 1e-14 {
		t.Errorf("area after Normalize = %v", a)
	}
	for i, v := range m.Mass(mesh.Voronoi) {
		if !(v > 0) {
			t.Errorf("mass[%d] = %v after Normalize", i, v)
		}
	}
	L := m.Cotangent()
	for i := range 5 {
		for j := range 5 {
			if w, g := L0.At(i, j), L.At(i, j); math.Abs(g-w) > 1e-12*math.Abs(w) {
				t.Errorf("L[%d,%d] = %v after Normalize, %v before", i, j, g, w)
			}
		}
	}
	// A mesh whose scaled coordinates overflow is left unchanged.
	big := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1e-150, 0, 0}, {0, 1e-150, 0}, {1e300, 1e300, 0}}, F: [][3]int{{0, 1, 2}}}
	if err := big.Normalize(); err == nil || !strings.Contains(err.Error(), "vertex 3") || big.V[1][0] != 1e-150 {
		t.Errorf("overflowing Normalize: %v, vertex 1 = %v", err, big.V[1])
	}
}

// TestAdvRemoveUnreferenced removes a vertex in no face and a vertex only
// in a degenerate face: the copy has positive masses, its operators are
// those of the original restricted to the kept vertices, and the index map
// is documented.
func TestAdvRemoveUnreferenced(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{9, 9, 9}, {0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {2, 0, 0}, {0, 1, 0}},
		F: [][3]int{{1, 2, 3}, {1, 2, 4}, {1, 3, 5}},
	}
	if u := m.Unreferenced(); !reflect.DeepEqual(u, []int{0, 4}) {
		t.Fatalf("Unreferenced = %v", u)
	}
	r, index := m.RemoveUnreferenced()
	wantIndex := []int{-1, 0, 1, 2, -1, 3}
	want := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}, {0, 2, 3}}}
	if !reflect.DeepEqual(index, wantIndex) || !reflect.DeepEqual(r, want) {
		t.Fatalf("RemoveUnreferenced = %v, %v; want %v, %v", r, index, want, wantIndex)
	}
	if err := r.Validate(); err != nil || len(r.Unreferenced()) != 0 {
		t.Errorf("copy: Validate %v, Unreferenced %v", err, r.Unreferenced())
	}
	L0, L := m.Cotangent(), r.Cotangent()
	M0, M := m.Mass(mesh.Voronoi), r.Mass(mesh.Voronoi)
	for i, ni := range index {
		if ni < 0 {
			continue
		}
		if M[ni] != M0[i] || !(M[ni] > 0) {
			t.Errorf("mass of vertex %d (now %d) = %v, was %v", i, ni, M[ni], M0[i])
		}
		for j, nj := range index {
			if nj >= 0 && L.At(ni, nj) != L0.At(i, j) {
				t.Errorf("L[%d,%d] = %v, was L[%d,%d] = %v", ni, nj, L.At(ni, nj), i, j, L0.At(i, j))
			}
		}
	}
	if len(m.V) != 6 || len(m.F) != 3 {
		t.Error("RemoveUnreferenced modified its receiver")
	}
}
