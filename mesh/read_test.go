package mesh_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/readtest"
	"github.com/sparsels/sparsels/mesh"
)

func TestReadOBJ(t *testing.T) {
	testReads(t, mesh.ReadOBJ, "t.obj", []readCase{
		{
			name: "triangle",
			in:   "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
			v:    [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}},
			f:    [][3]int{{0, 1, 2}},
		},
		{
			name: "quad fan, slashes, comments, other records, w, CRLF",
			in: "# header\r\nmtllib a.mtl\r\no obj\r\nv 0 0 0 1\r\nv 1 0 0\r\nv 1 1 0 # trailing\r\nv 0 1 0\r\n" +
				"vt 0 0\r\nvn 0 0 1\r\ng grp\r\ns off\r\nusemtl m\r\nl 1 2\r\nf 1/1/1 2//1 3/2 4\r\n",
			v: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}},
			f: [][3]int{{0, 1, 2}, {0, 2, 3}},
		},
		{
			name: "pentagon with negative indices",
			in:   "v 0 0 0\nv 1 0 0\nv 2 1 0\nv 1 2 0\nv 0 1 0\nf -5 -4 -3 -2 -1\n",
			v:    [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 1, 0}, {1, 2, 0}, {0, 1, 0}},
			f:    [][3]int{{0, 1, 2}, {0, 2, 3}, {0, 3, 4}},
		},
		{
			name: "forward reference and exponents",
			in:   "v 1e0 -2.5E-1 +3\nf 1 2 3\nv 0 0 0\nv 0 0 1\n",
			v:    [][3]float64{{1, -0.25, 3}, {0, 0, 0}, {0, 0, 1}},
			f:    [][3]int{{0, 1, 2}},
		},
		{
			name: "vertex colours",
			in:   "v 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 0 1 0 0 0 1\nf 3 2 1\n",
			v:    [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}},
			f:    [][3]int{{2, 1, 0}},
		},
	})
}

// readCase is a file a reader must accept, with the mesh it describes.
type readCase struct {
	name, in string
	v        [][3]float64
	f        [][3]int
}

// testReads reads each case with read under the name file and compares the
// mesh.
func testReads(t *testing.T, read func(context.Context, io.Reader, string) (*mesh.Mesh, error), file string, cases []readCase) {
	t.Helper()
	for _, tc := range cases {
		m, err := read(context.Background(), strings.NewReader(tc.in), file)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(m.V, tc.v) || !reflect.DeepEqual(m.F, tc.f) {
			t.Errorf("%s: got V=%v F=%v, want V=%v F=%v", tc.name, m.V, m.F, tc.v, tc.f)
		}
	}
}

// readErrorCase is a file a reader must refuse, with the line and a part of
// the message of its *ParseError.
type readErrorCase struct {
	name, in string
	line     int
	msg      string
}

// testReadErrors reads each case with read under the name file: no panic,
// no mesh, and the *ParseError of the case (see checkParseError).
func testReadErrors(t *testing.T, read func(context.Context, io.Reader, string) (*mesh.Mesh, error), file string, cases []readErrorCase) {
	t.Helper()
	for _, tc := range cases {
		_, err := readtest.Read(t, []byte(tc.in), func() (*mesh.Mesh, error) {
			return read(context.Background(), strings.NewReader(tc.in), file)
		})
		checkParseError(t, tc.name, err, file, tc.line, tc.msg)
	}
}

// TestReadOBJErrors checks the error for each kind of malformed OBJ input:
// a *ParseError naming the file, the line and the culprit.
func TestReadOBJErrors(t *testing.T) {
	const tri = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
	testReadErrors(t, mesh.ReadOBJ, "bad.obj", []readErrorCase{
		{"bad coordinate", "v 0 0 0\nv 1 x 0\n", 2, "bad number"},
		{"too few coordinates", "v 0 0\n", 1, "3 coordinates"},
		{"NaN", "v 0 NaN 0\n", 1, "non-finite"},
		{"Inf", "v 0 0 -Inf\n", 1, "non-finite"},
		{"overflow", "v 0 0 1e999\n", 1, "bad number"},
		{"bad extra field", "v 0 0 0 w\n", 1, "bad number"},
		{"bad index", tri + "f 1 2 x\n", 4, "bad vertex index"},
		{"empty index", tri + "f 1 2 /3\n", 4, "bad vertex index"},
		{"index zero", tri + "f 0 1 2\n", 4, "index 0"},
		{"index out of range", tri + "\n# c\nf 1 2 4\n", 6, "out of range"},
		{"relative out of range", tri + "f -1 -2 -4\n", 4, "out of range"},
		{"relative min int", tri + "f -1 -2 -9223372036854775808\n", 4, "out of range"},
		{"repeated vertex", tri + "f 1 2 1\n", 4, "repeated vertex"},
		{"repeated vertex via relative", tri + "f 1 2 -3\n", 4, "repeated vertex"},
		{"repeated vertex in big polygon", strings.Repeat("v 0 0 0\n", 12) + "f 1 2 3 4 5 6 7 8 9 10 11 12 5\n", 13, "repeated vertex"},
		{"empty", "", 0, "empty mesh"},
		{"long line", "v 0 0 0\nv " + strings.Repeat("1", mesh.MaxLineLength) + " 0 0\n", 2, "longer than"},
		{"no faces", tri, 3, "empty mesh: 3 vertices, 0 faces"},
		{"faces without vertices", "f 1 2 3\n", 1, "empty mesh: 0 vertices, 1 faces"},
		{"index past the last vertex", tri + "f 1 2 4\n", 4, "vertex index 4 out of range: 3 vertices"},
		{"index beyond int", tri + "f 1 2 99999999999999999999\n", 4, "bad vertex index"},
		{"negative index beyond int", tri + "f 1 2 -99999999999999999999\n", 4, "bad vertex index"},
		{"relative index before the first vertex", tri + "f 1 2 -4\n", 4, "relative vertex index -4 out of range"},
		{"index zero last", tri + "f 1 2 0\n", 4, "vertex index 0"},
		{"too few vertices in face", tri + "f 1 2\n", 4, "at least 3 vertices"},
		{"NaN before the triangle", "v 0 0 nan\n" + tri + "f 1 2 3\n", 1, "non-finite"},
		{"Inf coordinate", "v 0 inf 0\n" + tri + "f 1 2 3\n", 1, "non-finite"},
		{"coordinate beyond float64", "v 0 1e400 0\n" + tri + "f 1 2 3\n", 1, "bad number"},
		{"two coordinates", "v 0 0\n" + tri + "f 1 2 3\n", 1, "3 coordinates"},
		{"bad fourth field", "v 0 0 0 x\n" + tri + "f 1 2 3\n", 1, "bad number"},
		{"long line after the faces", tri + "f 1 2 3\nv " + strings.Repeat("1", mesh.MaxLineLength) + " 0 0\n", 5, "line longer than"},
	})
}

func checkParseError(t *testing.T, name string, err error, file string, line int, msg string) {
	t.Helper()
	var pe *mesh.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v, want a *mesh.ParseError", name, err)
		return
	}
	if pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Errorf("%s: got %q (line %d), want %s line %d containing %q", name, err, pe.Line, file, line, msg)
	}
	if !strings.HasPrefix(err.Error(), "mesh: "+file+":") {
		t.Errorf("%s: message %q does not start with the package and file", name, err)
	}
}

func TestReadOFF(t *testing.T) {
	testReads(t, mesh.ReadOFF, "t.off", []readCase{
		{
			name: "triangle",
			in:   "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
			v:    [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}},
			f:    [][3]int{{0, 1, 2}},
		},
		{
			name: "counts on header line, comments, blank lines, colours, quad",
			in: "OFF 4 2 5 # counts\n\n# vertices\n0 0 0\n1 0 0 255 0 0\n1 1 0\n0 1 0\n" +
				"4 0 1 2 3 0.5 0.5 0.5\n  3 3 2 0 # again\ntrailing junk is ignored\n",
			v: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}},
			f: [][3]int{{0, 1, 2}, {0, 2, 3}, {3, 2, 0}},
		},
		{
			name: "comment before header, two counts, CRLF",
			in:   "# made by hand\r\nOFF\r\n3 1\r\n0 0 0\r\n1 0 0\r\n0 1 0\r\n3 2 1 0\r\n",
			v:    [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}},
			f:    [][3]int{{2, 1, 0}},
		},
	})
}

// TestReadOFFErrors checks the error for each kind of malformed OFF input:
// a *ParseError naming the file, the line and the culprit.
func TestReadOFFErrors(t *testing.T) {
	const offHead = "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n"
	cases := []readErrorCase{
		{"empty", "", 0, "missing OFF header"},
		{"only comments", "# c\n\n", 2, "missing OFF header"},
		{"wrong header", "PLY\n", 1, "missing OFF header"},
		{"no counts", "OFF\n", 1, "missing counts"},
		{"bad count", "OFF\n3 x 0\n", 2, "bad count"},
		{"negative count", "OFF -3 1 0\n", 1, "bad count"},
		{"too many counts", "OFF\n3 1 0 7\n", 2, "fields"},
		{"zero faces", "OFF\n3 0 0\n", 2, "empty mesh"},
		{"bad coordinate", "OFF\n3 1 0\n0 0 0\n1 0 x\n", 4, "bad number"},
		{"NaN coordinate", "OFF\n3 1 0\n0 0 0\n1 0 nan\n", 4, "non-finite"},
		{"too few coordinates", "OFF\n3 1 0\n0 0\n", 3, "3 coordinates"},
		{"truncated vertices", "OFF\n3 1 0\n0 0 0\n1 0 0\n", 4, "declares 3 vertices, file has 2"},
		{"truncated faces", "OFF\n3 2 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n", 6, "declares 2 faces, file has 1"},
		{"COFF header", "COFF\n3 1\n", 1, "missing OFF header"},
		{"binary OFF", "OFF BINARY\n", 1, "binary OFF (header \"OFF BINARY\") is not supported"},
		{"binary OFF with counts", "OFF BINARY\n3 1 0\n", 1, "binary OFF"},
		{"one count", "OFF\n3\n", 2, "have 1 fields"},
		{"negative count line", "OFF\n-3 1\n", 2, "bad count"},
		{"count beyond int", "OFF\n99999999999999999999 1\n", 2, "bad count"},
		{"no vertices", "OFF\n0 1\n", 2, "empty mesh"},
		{"lying vertex count", "OFF\n1000000000000 1000000000000 0\n0 0 0\n", 3, "declares 1000000000000 vertices, file has 1"},
		{"missing face", offHead, 5, "declares 1 faces, file has 0"},
		{"NaN vertex", "OFF\n3 1\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n", 4, "non-finite"},
		{"two-coordinate vertex", "OFF\n3 1\n0 0 0\n1 0\n0 1 0\n3 0 1 2\n", 4, "3 coordinates"},
	}
	// A bad face (line 6) after a header with three counts and with two.
	for _, head := range []struct{ name, text string }{
		{"", "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n"},
		{" (two counts)", offHead},
	} {
		for _, face := range []struct{ name, line, msg string }{
			{"bad vertex count", "three 0 1 2", "bad vertex count"},
			{"bad vertex count x", "x 0 1 2", "bad vertex count"},
			{"two-vertex face", "2 0 1", "at least 3 vertices"},
			{"fewer indices than declared", "4 0 1 2", "declares 4 vertices, lists 3"},
			{"huge declared face", "999999999999 0 1 2", "declares 999999999999 vertices, lists 3"},
			{"lying face size", "1000000000 0 1 2", "declares 1000000000 vertices, lists 3"},
			{"index out of range", "3 0 1 3", "vertex index 3 out of range [0, 3)"},
			{"negative index", "3 0 -1 2", "out of range"},
			{"negative last index", "3 0 1 -1", "out of range"},
			{"bad index", "3 0 1 z", "bad vertex index"},
			{"repeated vertex", "3 0 1 0", "repeated vertex"},
			{"repeated last vertex", "3 0 1 1", "repeated vertex"},
		} {
			cases = append(cases, readErrorCase{face.name + head.name, head.text + face.line + "\n", 6, face.msg})
		}
	}
	testReadErrors(t, mesh.ReadOFF, "bad.off", cases)
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	off := filepath.Join(dir, "tri.OFF")
	if err := os.WriteFile(off, []byte("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := mesh.ReadFile(context.Background(), off)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.V) != 3 || len(m.F) != 1 {
		t.Errorf("%s: %d vertices, %d faces", off, len(m.V), len(m.F))
	}
	obj := filepath.Join(dir, "bad.Obj")
	if err := os.WriteFile(obj, []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = mesh.ReadFile(context.Background(), obj)
	checkParseError(t, "ReadFile obj", err, obj, 4, "out of range")
}

// TestReadFileErrors checks the errors of ReadFile: missing files, unknown
// extensions and parse errors all name the path.
func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.OFF")
	if err := os.WriteFile(bad, []byte("OFF\n3 1\n0 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.obj"), filepath.Join(dir, "x.ply"), filepath.Join(dir, "mesh.stl"), bad, dir} {
		m, err := mesh.ReadFile(context.Background(), path)
		if m != nil || err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadFile(context.Background(), %s) = %v, %v; want an error naming the path", path, m != nil, err)
		}
	}
}

// TestReadByteOrderMark reads OBJ, OFF and PLY files that start with a UTF-8
// byte order mark: the mesh must equal the one read without it. Regression
// test for an OBJ reader that took "\ufeffv" for an unknown record and
// dropped the first vertex, which shifted every negative face index.
func TestReadByteOrderMark(t *testing.T) {
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
