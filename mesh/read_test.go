package mesh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestReadOBJ(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		v        [][3]float64
		f        [][3]int
	}{
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
	} {
		m, err := ReadOBJ(context.Background(), strings.NewReader(tc.in), "t.obj")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(m.V, tc.v) || !reflect.DeepEqual(m.F, tc.f) {
			t.Errorf("%s: got V=%v F=%v, want V=%v F=%v", tc.name, m.V, m.F, tc.v, tc.f)
		}
	}
}

func TestReadOBJErrors(t *testing.T) {
	const tri = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string
	}{
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
		{"too few vertices in face", tri + "f 1 2\n", 4, "at least 3"},
		{"repeated vertex", tri + "f 1 2 1\n", 4, "repeated vertex"},
		{"repeated vertex via relative", tri + "f 1 2 -3\n", 4, "repeated vertex"},
		{"repeated vertex in big polygon", strings.Repeat("v 0 0 0\n", 12) + "f 1 2 3 4 5 6 7 8 9 10 11 12 5\n", 13, "repeated vertex"},
		{"no faces", tri, 3, "empty mesh"},
		{"empty", "", 0, "empty mesh"},
		{"long line", "v 0 0 0\nv " + strings.Repeat("1", MaxLineLength) + " 0 0\n", 2, "longer than"},
	} {
		_, err := ReadOBJ(context.Background(), strings.NewReader(tc.in), "bad.obj")
		checkParseError(t, tc.name, err, "bad.obj", tc.line, tc.msg)
	}
}

func checkParseError(t *testing.T, name string, err error, file string, line int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v, want a *ParseError", name, err)
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
	for _, tc := range []struct {
		name, in string
		v        [][3]float64
		f        [][3]int
	}{
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
	} {
		m, err := ReadOFF(context.Background(), strings.NewReader(tc.in), "t.off")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(m.V, tc.v) || !reflect.DeepEqual(m.F, tc.f) {
			t.Errorf("%s: got V=%v F=%v, want V=%v F=%v", tc.name, m.V, m.F, tc.v, tc.f)
		}
	}
}

func TestReadOFFErrors(t *testing.T) {
	const head = "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n"
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string
	}{
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
		{"bad vertex count", head + "three 0 1 2\n", 6, "bad vertex count"},
		{"two-vertex face", head + "2 0 1\n", 6, "at least 3"},
		{"fewer indices than declared", head + "4 0 1 2\n", 6, "declares 4 vertices, lists 3"},
		{"huge declared face", head + "999999999999 0 1 2\n", 6, "lists 3"},
		{"index out of range", head + "3 0 1 3\n", 6, "out of range"},
		{"negative index", head + "3 0 -1 2\n", 6, "out of range"},
		{"bad index", head + "3 0 1 z\n", 6, "bad vertex index"},
		{"repeated vertex", head + "3 0 1 0\n", 6, "repeated vertex"},
	} {
		_, err := ReadOFF(context.Background(), strings.NewReader(tc.in), "bad.off")
		checkParseError(t, tc.name, err, "bad.off", tc.line, tc.msg)
	}
}

// TestReadOFFLyingHeader checks that a header declaring a billion vertices
// and faces costs no more memory than the few records actually present.
func TestReadOFFLyingHeader(t *testing.T) {
	in := "OFF\n1000000000 1000000000 0\n0 0 0\n1 0 0\n0 1 0\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadOFF(context.Background(), strings.NewReader(in), "lie.off")
	runtime.ReadMemStats(&after)
	checkParseError(t, "lying header", err, "lie.off", 5, "declares 1000000000 vertices, file has 3")
	if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
		t.Errorf("ReadOFF allocated %d bytes for a 5-line file", d)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	off := filepath.Join(dir, "tri.OFF")
	if err := os.WriteFile(off, []byte("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadFile(context.Background(), off)
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
	_, err = ReadFile(context.Background(), obj)
	checkParseError(t, "ReadFile obj", err, obj, 4, "out of range")

	for _, p := range []string{filepath.Join(dir, "x.ply"), filepath.Join(dir, "missing.obj")} {
		if _, err := ReadFile(context.Background(), p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ReadFile(context.Background(), %s) error %v does not name the file", p, err)
		}
	}
}
