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
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
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

// TestCoarsenRoundTrip runs sparsels coarsen -no-monitor (the published
// loop) on a mesh, then sparsels solve on the problem files it wrote: the
// same energy (to 1e-10 relative) and the same G. Then coarsen again from
// its L.mtx and M.mtx (the graph route): the same energy.
func TestCoarsenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	obj := writeGridOBJ(t, dir, 9)
	out := filepath.Join(dir, "out")
	args := []string{"coarsen", "-m", "20", "-k", "6", "-landmarks", "0,55", "-max-iter", "30", "-no-monitor", "-o", out}
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
	if sum.M != 20 || sum.FittedK != 6 || sum.QualityK != 6 || sum.N != 100 || relErr(sum.Energy, energy) > 0 || len(sum.CoarseEigenvalues) != 6 ||
		sum.KeptIteration != sum.Iterations || len(sum.Checks) != 0 || sum.Stopped != "" || sum.Weighting != "root-relative" || len(sum.Weights) != 6 {
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
	r := runArgs("coarsen", "-h")
	if r.code != exitOK || !strings.Contains(r.stdout, "sparsels coarsen -mesh") {
		t.Errorf("coarsen -h: %v", r)
	}
	// The defaults the help documents are the library's: -max-iter 0 is
	// sparsels.Settings' default (20000 for qn, not 100).
	for _, want := range []string{"0: the solver's default, 20000 for qn, hgn and lbfgs, 1000 for lm, gn and newton, 5000 for nadam",
		"-quality-k", "min(100, k, m−1)", "-weighting", `(default "root-relative")`, "-quality-tol", "0: 1/2", "-no-monitor"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("coarsen -h does not say %q", want)
		}
	}
	if strings.Contains(r.stdout, "0: 100,") {
		t.Errorf("coarsen -h documents -max-iter 0 as 100")
	}
}

// readSummary reads summary.json in dir both as a coarsenSummary and as a
// generic map (for its keys).
func readSummary(t *testing.T, dir string) (*coarsenSummary, map[string]any) {
	t.Helper()
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum coarsenSummary
	var raw map[string]any
	if err := json.Unmarshal(js, &sum); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if err := json.Unmarshal(js, &raw); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return &sum, raw
}

// snakeKeys reports the keys of v, at any depth, that are not snake_case.
func snakeKeys(v any, path string) []string {
	var bad []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			for _, r := range k {
				if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == 'G') { // nnz_G names the matrix
					bad = append(bad, path+k)
					break
				}
			}
			bad = append(bad, snakeKeys(x, path+k+".")...)
		}
	case []any:
		for _, x := range v {
			bad = append(bad, snakeKeys(x, path+"[].")...)
		}
	}
	return bad
}

// TestCoarsenMonitor runs sparsels coarsen with its defaults on a small
// mesh: the quality monitor stops the minimization (exit 0, said on
// stderr), the progress is a few rows (one per check, none per
// iteration), G.mtx holds the kept G (eval gives summary.json's energy,
// and solve with -max-iter the kept iteration reproduces it), and
// summary.json has snake_case keys everywhere with the checks, the stop
// reason, the kept iteration, k, quality-k, the weighting and the weights.
func TestCoarsenMonitor(t *testing.T) {
	dir := t.TempDir()
	obj := writeGridOBJ(t, dir, 15)
	out := filepath.Join(dir, "out")
	r := runArgs("coarsen", "-mesh", obj, "-m", "40", "-o", out)
	if r.code != exitOK || !strings.Contains(r.stderr, "the quality monitor stopped the minimization: ") ||
		!strings.Contains(r.stderr, "kept G of iteration ") {
		t.Fatalf("default coarsen: %v", r)
	}
	lines := strings.Count(r.stderr, "\n")
	sum, raw := readSummary(t, out)
	t.Logf("%d progress lines for %d iterations:\n%s", lines, sum.Iterations, r.stderr)
	if lines >= 40 || sum.Iterations < 40 {
		t.Errorf("%d lines on stderr for %d iterations: want fewer than 40, and no line per iteration", lines, sum.Iterations)
	}
	if n := strings.Count(r.stderr, "best\n"); n < 1 || n > len(sum.Checks) {
		t.Errorf("%d checks marked best among %d", n, len(sum.Checks))
	}

	if bad := snakeKeys(raw, ""); len(bad) > 0 {
		t.Errorf("summary.json keys not in snake_case: %v", bad)
	}
	secs, _ := raw["seconds"].(map[string]any)
	for _, k := range []string{"eigenpairs", "clustering", "setup", "solve", "monitor", "quality", "total"} {
		if _, ok := secs[k]; !ok {
			t.Errorf("summary.json: no seconds.%s in %v", k, secs)
		}
	}
	for _, k := range []string{"checks", "stopped", "kept_iteration", "fitted_k", "quality_k", "weighting", "weights", "spurious", "excess"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("summary.json: no %s", k)
		}
	}
	if sum.FittedK != 13 || sum.QualityK != 13 || sum.Weighting != "root-relative" || len(sum.Weights) != 13 ||
		sum.Stopped == "" || len(sum.Checks) < 3 || sum.Checks[0].Iteration != 0 || sum.Checks[1].Iteration != 100 {
		t.Errorf("summary.json: %+v", sum)
	}
	var kept *coarsenCheck
	for i, c := range sum.Checks {
		if c.Iteration == sum.KeptIteration {
			kept = &sum.Checks[i]
		}
	}
	if kept == nil || kept.Energy != sum.Energy || kept.OffDiagonalEnergy != sum.OffDiagonalEnergy || kept.Spurious != sum.Spurious {
		t.Errorf("kept iteration %d: check %+v, summary energy %v, off-diagonal energy %v", sum.KeptIteration, kept, sum.Energy, sum.OffDiagonalEnergy)
	}

	// G.mtx is the kept G.
	p := func(name string) string { return filepath.Join(out, name) }
	gText, err := os.ReadFile(p("G.mtx"))
	if err != nil || !strings.Contains(string(gText), "iteration "+strconv.Itoa(sum.KeptIteration)+"; the quality monitor kept this G") {
		t.Errorf("G.mtx comment: %.300s", gText)
	}
	ev := runArgs("eval", "-X", p("X.mtx"), "-Y", p("Y.mtx"), "-L", p("L.mtx"), "-B", p("B.mtx"), "-G", p("G.mtx"))
	if e := floatField(t, ev.stdout, "energy"); ev.code != exitOK || relErr(e, sum.Energy) > 1e-12 {
		t.Errorf("eval G.mtx: energy %v, summary.json %v (%v)", e, sum.Energy, ev)
	}
	if sum.KeptIteration > 0 {
		s := runArgs("solve", "-X", p("X.mtx"), "-Y", p("Y.mtx"), "-L", p("L.mtx"), "-B", p("B.mtx"), "-G", p("G0.mtx"),
			"-rowsum", "-max-iter", strconv.Itoa(sum.KeptIteration), "-o", p("G2.mtx"), "-q")
		if s.code != exitOK && s.code != exitStopped {
			t.Fatalf("solve: %v", s)
		}
		g, g2 := readMtx(t, p("G.mtx")), readMtx(t, p("G2.mtx"))
		for k := range g.V {
			if d := g.V[k] - g2.V[k]; d > 1e-8 || d < -1e-8 {
				t.Fatalf("G entry %d: coarsen %v, solve -max-iter %d %v", k, g.V[k], sum.KeptIteration, g2.V[k])
			}
		}
	}

	// -q prints nothing.
	if q := runArgs("coarsen", "-mesh", obj, "-m", "40", "-o", filepath.Join(dir, "quiet"), "-q"); q.code != exitOK || q.stderr != "" || q.stdout != "" {
		t.Errorf("coarsen -q: %v", q)
	}
}

// TestCoarsenProgressRows: between checks of the monitor the progress
// printer shows the energy at most once per interval, never a row per
// iteration, and the last iteration once the solve ends.
func TestCoarsenProgressRows(t *testing.T) {
	var b strings.Builder
	pp := newProgressPrinter(&b, 5*time.Second, false)
	pp.show(coarsen.Progress{Stage: coarsen.StageSolve, Elapsed: time.Second})
	for it := 1; it <= 1010; it++ { // 1010 iterations in 20.2 s
		pp.show(coarsen.Progress{Stage: coarsen.StageSolve, Elapsed: time.Second + time.Duration(it)*20*time.Millisecond,
			Iteration: &sparsels.IterationRecord{Iteration: it, Energy: 1 / float64(it)}})
	}
	pp.flush()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// The stage, its note and the header; a row every 5 s (4 of them);
	// the last iteration.
	if len(lines) != 3+4+1 || !strings.Contains(lines[len(lines)-1], " 1010  ") {
		t.Errorf("%d lines:\n%s", len(lines), b.String())
	}
}
