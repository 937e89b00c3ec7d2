package mesh_test

// Hostile input for the readers: truncation at every byte, random and
// mutated bytes, counts that lie, and cancellation in the middle of a large
// file. Every read error must be a *mesh.ParseError naming the file and a
// line inside the input, memory and the input consumed must follow the
// records present, and every mesh accepted must be valid with finite,
// symmetric operators.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sparsels/sparsels/internal/readtest"
	"github.com/sparsels/sparsels/mesh"
)

// readers are the text-format readers the hostile-input tests run.
var readers = map[string]func(context.Context, io.Reader, string) (*mesh.Mesh, error){
	"obj": mesh.ReadOBJ,
	"off": mesh.ReadOFF,
}

// readChecked reads data with the reader of the format and checks the error
// contract: no panic, a nil mesh with every error, and every error a
// *mesh.ParseError naming the file and a line within the input (or the line
// after the last).
func readChecked(t *testing.T, format string, data []byte) (*mesh.Mesh, *mesh.ParseError) {
	t.Helper()
	name := "hostile." + format
	m, err := readtest.Read(t, data, func() (*mesh.Mesh, error) {
		return readers[format](context.Background(), bytes.NewReader(data), name)
	})
	if err == nil {
		return m, nil
	}
	var pe *mesh.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) for %q", err, err, readtest.Clip(data))
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	if pe.File != name || !strings.Contains(err.Error(), name+":") || pe.Line < 0 || pe.Line > lines {
		t.Fatalf("error %q (line %d of %d) does not name %s and a line", err, pe.Line, lines, name)
	}
	return nil, pe
}

// checkReadMesh verifies a mesh that was read: indices in range, no repeated
// vertex in a face, finite coordinates, and finite, symmetric operators
// with non-negative masses.
func checkReadMesh(t *testing.T, m *mesh.Mesh, src []byte) {
	t.Helper()
	for f, tri := range m.F {
		for _, v := range tri {
			if v < 0 || v >= len(m.V) {
				t.Fatalf("%q: face %d = %v out of range", readtest.Clip(src), f, tri)
			}
		}
		if tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2] {
			t.Fatalf("%q: face %d = %v repeats a vertex", readtest.Clip(src), f, tri)
		}
	}
	for i, p := range m.V {
		for _, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%q: vertex %d = %v", readtest.Clip(src), i, p)
			}
		}
	}
	checkOperators(t, m, readtest.Clip(src))
}

const sampleOBJ = "# cube corner\r\nv 0 0 0\r\nv 1 0 0 1\r\nv 1 1 0\nv 0 1 0\nv 0.5 0.5 1 0.1 0.2 0.3\nvt 0 0\nvn 0 0 1\n" +
	"f 1/1/1 2//1 3/1 4\nf -5 -4 -1\ng group\nusemtl x\nf 2 3 5\nl 1 2\n"

const sampleOFF = "OFF # header\n# comment\n5 3 0\n0 0 0\n1 0 0 255 0 0\n1 1 0\n0 1 0\n\n0.5 0.5 1\n4 0 1 2 3 0.5 0.5 0.5\n3 0 1 4\n3 1 2 4 # c\n"

// TestReadTruncated reads every prefix of valid OBJ and OFF files.
func TestReadTruncated(t *testing.T) {
	for format, file := range map[string]string{"obj": sampleOBJ, "off": sampleOFF} {
		whole, e := readChecked(t, format, []byte(file))
		if e != nil {
			t.Fatalf("%s: %v", format, e)
		}
		checkReadMesh(t, whole, []byte(file))
		accepted := 0
		for cut := 0; cut < len(file); cut++ {
			m, _ := readChecked(t, format, []byte(file[:cut]))
			if m != nil {
				accepted++
				checkReadMesh(t, m, []byte(file[:cut]))
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

// TestReadRandomBytes feeds random and mutated input to both readers.
func TestReadRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	alphabet := []byte("OFFvf #/-+.0123456789eE \n\r\tnaNinf\x00\xff")
	format := func(k int) string { return [2]string{"obj", "off"}[k%2] }
	sample := map[string]string{"obj": sampleOBJ, "off": sampleOFF}
	readtest.Random(t, rng, 4000, alphabet, func(k int) []byte { return []byte(sample[format(k)]) }, func(k int, data []byte) {
		if m, _ := readChecked(t, format(k), data); m != nil {
			checkReadMesh(t, m, data)
		}
	})
}

// TestReadOFFLyingCounts checks that OFF counts far above the records
// present are a truncated-file error costing memory in proportion to the
// records only.
func TestReadOFFLyingCounts(t *testing.T) {
	for _, test := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"a billion", "OFF\n1000000000 1000000000 0\n0 0 0\n1 0 0\n0 1 0\n", 5, "declares 1000000000 vertices, file has 3"},
		{"two billion", "OFF\n2000000000 2000000000 0\n0 0 0\n1 0 0\n0 1 0\n", 5, "truncated"},
	} {
		var err error
		b := readtest.Allocated(func() { _, err = mesh.ReadOFF(context.Background(), strings.NewReader(test.in), "lie.off") })
		checkParseError(t, test.name, err, "lie.off", test.line, test.msg)
		if b > 8<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", test.name, b, len(test.in))
		}
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

// TestReadCancel cancels reading a large mesh (OBJ, OFF, ascii and
// binary PLY, about 10 MB each) once the first 256 KiB have been delivered.
// The reader must return an error wrapping context.Canceled that names the
// file, having consumed at most a few 64 KiB beyond the cancellation, and in
// less than a fifth of the time of the uncancelled read measured here.
// A context cancelled beforehand stops the reading before any input.
func TestReadCancel(t *testing.T) {
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
