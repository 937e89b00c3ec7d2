package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/mesh"
	"github.com/sparsels/sparsels/mtx"
)

// writeGridOBJ writes a jittered grid mesh of (nx+1)² vertices to dir.
func writeGridOBJ(t *testing.T, dir string, nx int) string {
	t.Helper()
	path := filepath.Join(dir, "grid.obj")
	msh := mesh.JitteredGrid(nx, nx, 0.6, 5)
	err := mtx.WriteFile(path, func(w io.Writer) error { return mesh.WriteOBJ(w, msh, "test grid") })
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCoarsenRoundTrip runs sparsels coarsen on a mesh, then sparsels solve
// on the problem files it wrote: the same energy (to 1e-10 relative) and
// the same G. Then coarsen again from its L.mtx and M.mtx (the graph route):
// the same energy.
func TestCoarsenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	obj := writeGridOBJ(t, dir, 9)
	out := filepath.Join(dir, "out")
	args := []string{"coarsen", "-m", "20", "-k", "6", "-landmarks", "0,55", "-max-iter", "30", "-o", out}
	r := runArgs(append(args, "-mesh", obj, "-png", "-bound")...)
	if r.code != exitOK && r.code != exitStopped {
		t.Fatalf("coarsen: %v", r)
	}
	energy := floatField(t, r.stdout, "energy")
	for _, name := range []string{"L.mtx", "M.mtx", "X.mtx", "Y.mtx", "B.mtx", "G0.mtx", "pattern.mtx", "G.mtx", "Lc.mtx", "Mc.mtx", "C.mtx",
		"roots.txt", "clusters.txt", "summary.json", "roots.png", "eigenfunction.png", "fmap.png"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	roots := readInts(t, filepath.Join(out, "roots.txt"))
	if len(roots) != 20 || !slices.Contains(roots, 0) || !slices.Contains(roots, 55) {
		t.Errorf("roots.txt = %v: want 20 roots including the landmarks 0 and 55", roots)
	}
	var sum coarsenSummary
	js, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(js, &sum) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if sum.M != 20 || sum.K != 6 || sum.N != 100 || relErr(sum.Energy, energy) > 0 || len(sum.CoarseEigenvalues) != 6 {
		t.Errorf("summary.json: %+v", sum)
	}
	// -bound: the certified lower bound is at most E, and the gap is E − bound.
	if sum.LowerBound == nil || sum.Gap == nil || !(*sum.LowerBound <= sum.Energy) || relErr(*sum.Gap, sum.Energy-*sum.LowerBound) > 1e-12 {
		t.Errorf("summary.json bound: %v, gap %v, energy %g", sum.LowerBound, sum.Gap, sum.Energy)
	}

	p := func(name string) string { return filepath.Join(out, name) }
	s := runArgs("solve", "-X", p("X.mtx"), "-Y", p("Y.mtx"), "-L", p("L.mtx"), "-B", p("B.mtx"), "-G", p("G0.mtx"),
		"-rowsum", "-max-iter", "30", "-o", p("G2.mtx"), "-q")
	if s.code != exitOK && s.code != exitStopped {
		t.Fatalf("solve: %v", s)
	}
	ev := runArgs("eval", "-X", p("X.mtx"), "-Y", p("Y.mtx"), "-L", p("L.mtx"), "-B", p("B.mtx"), "-G", p("G2.mtx"))
	if ev.code != exitOK {
		t.Fatalf("eval: %v", ev)
	}
	e := floatField(t, ev.stdout, "energy")
	t.Logf("energy: coarsen %v, solve on its files %v (relative difference %.3g)", energy, e, relErr(e, energy))
	if relErr(e, energy) > 1e-10 {
		t.Errorf("sparsels solve on coarsen's files: energy %v, coarsen reported %v (relative difference %.3g)", e, energy, relErr(e, energy))
	}
	g, g2 := readMtx(t, p("G.mtx")), readMtx(t, p("G2.mtx"))
	if !slices.Equal(g.I, g2.I) || !slices.Equal(g.J, g2.J) {
		t.Fatal("G.mtx and solve's G have different patterns")
	}
	for k := range g.V {
		if d := g.V[k] - g2.V[k]; d > 1e-8 || d < -1e-8 {
			t.Fatalf("G entry %d: coarsen %v, solve %v", k, g.V[k], g2.V[k])
		}
	}

	out2 := filepath.Join(dir, "out2")
	r2 := runArgs(append(args[:len(args)-1], out2, "-L", p("L.mtx"), "-M", p("M.mtx"))...)
	if r2.code != exitOK && r2.code != exitStopped {
		t.Fatalf("coarsen -L -M: %v", r2)
	}
	if e := floatField(t, r2.stdout, "energy"); relErr(e, energy) > 1e-10 {
		t.Errorf("coarsen -L -M: energy %v, from the mesh %v", e, energy)
	}
}

func readInts(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v []int
	for _, f := range strings.Fields(string(b)) {
		x, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		v = append(v, x)
	}
	return v
}

func TestCoarsenErrors(t *testing.T) {
	dir := t.TempDir()
	obj := writeGridOBJ(t, dir, 4)
	stray := filepath.Join(dir, "stray.obj")
	writeText(t, stray, "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 5 5 5\nv 1 1 0\nf 1 2 3\nf 2 5 3\n")
	Lfile := filepath.Join(dir, "L.mtx")
	writeText(t, Lfile, "%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 1\n")
	offDiag := filepath.Join(dir, "Moff.mtx")
	writeText(t, offDiag, "%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n2 1 1\n3 3 1\n")
	zeroMass := filepath.Join(dir, "Mzero.mtx")
	writeText(t, zeroMass, "%%MatrixMarket matrix array real general\n3 1\n1\n0\n1\n")
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no input", []string{"-m", "5", "-o", out}, exitUsage, "missing -mesh"},
		{"no output", []string{"-mesh", obj, "-m", "5"}, exitUsage, "missing -o"},
		{"mesh and L", []string{"-mesh", obj, "-L", Lfile, "-m", "5", "-o", out}, exitUsage, "cannot be combined"},
		{"L without M", []string{"-L", Lfile, "-m", "2", "-o", out}, exitUsage, "-L and -M go together"},
		{"m too small", []string{"-mesh", obj, "-m", "1", "-o", out}, exitUsage, "-m 1"},
		{"bad landmarks", []string{"-mesh", obj, "-m", "5", "-landmarks", "1,x", "-o", out}, exitUsage, `"x" is not a vertex index`},
		{"bad method", []string{"-mesh", obj, "-m", "5", "-method", "sgd", "-o", out}, exitUsage, "-method"},
		{"landmark out of range", []string{"-mesh", obj, "-m", "5", "-landmarks", "99", "-o", out}, exitError, "landmark 0 is vertex 99"},
		{"unreferenced vertex", []string{"-mesh", stray, "-m", "2", "-o", out}, exitError, "stray.obj: vertex 3 (1-based in the file: 4) is in no triangle"},
		{"off-diagonal mass", []string{"-L", Lfile, "-M", offDiag, "-m", "2", "-o", out}, exitError, "Moff.mtx:4: entry (2, 1) is off the diagonal"},
		{"zero mass", []string{"-L", Lfile, "-M", zeroMass, "-m", "2", "-o", out}, exitError, "Mzero.mtx: mass of vertex 1 (row 2) is 0"},
		{"m above n", []string{"-mesh", obj, "-m", "30", "-o", out}, exitError, "m = 30"},
	} {
		r := runArgs(append([]string{"coarsen"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run created %s", out)
	}
	if r := runArgs("coarsen", "-h"); r.code != exitOK || !strings.Contains(r.stdout, "sparsels coarsen -mesh") {
		t.Errorf("coarsen -h: %v", r)
	}
}
