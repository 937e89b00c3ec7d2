package main

// Tests of reading the input files: layouts other tools write, and broken,
// lying or overflowing inputs, each refused with a message naming the culprit.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mtx"
)

// TestBadInputFiles runs solve and eval on broken inputs.
func TestBadInputFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	garbage := make([]byte, 300)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	const coordHead = "%%MatrixMarket matrix coordinate real general\n"
	for _, test := range []struct {
		name    string
		replace map[string]string
		extra   []string
		code    int
		want    []string // substrings of stderr; "$dir" is replaced by the directory
	}{
		{"missing L", map[string]string{}, []string{"-L", "$dir/nope.mtx"}, 1, []string{"$dir/nope.mtx", "no such file"}},
		{"NaN in L", map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n4 4 2\n1 1 1\n2 2 nan\n"}, nil, 1,
			[]string{"$dir/L.mtx:4", "not a finite number"}},
		{"overflow in B", map[string]string{"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n1e999\n1\n1\n"}, nil, 1,
			[]string{"$dir/B.mtx:4", "overflows"}},
		{"lying X header", map[string]string{"X.mtx": coordHead + "2 2 1000000000000000000\n1 1 1\n"}, nil, 1,
			[]string{"$dir/X.mtx:3", "unexpected end of file"}},
		{"huge L dimensions", map[string]string{"L.mtx": coordHead + "1000000000000 1000000000000 0\n"}, nil, 1,
			[]string{"$dir/L.mtx:2", "exceeds the limit"}},
		{"truncated Y", map[string]string{"Y.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0\n"}, nil, 1,
			[]string{"$dir/Y.mtx:4", "unexpected end of file"}},
		{"random bytes as B", map[string]string{"B.mtx": string(garbage)}, nil, 1, []string{"$dir/B.mtx:1"}},
		{"empty G", map[string]string{"G.mtx": ""}, nil, 1, []string{"$dir/G.mtx"}},
		{"duplicate in G", map[string]string{"G.mtx": coordHead + "4 2 3\n1 1 1\n2 2 1\n1 1 2\n"}, nil, 1,
			[]string{"$dir/G.mtx:5", "duplicate entry (1,1)", "line 3"}},
		{"G out of range", map[string]string{"G.mtx": coordHead + "4 2 2\n1 1 1\n2 3 1\n"}, nil, 1,
			[]string{"$dir/G.mtx:4", "column index 3 out of range"}},
		{"G as an array", map[string]string{"G.mtx": "%%MatrixMarket matrix array real general\n4 2\n1\n1\n1\n1\n1\n1\n1\n1\n"}, nil, 1,
			[]string{"$dir/G.mtx", "coordinate"}},
		{"L shape", map[string]string{"L.mtx": coordHead + "3 3 1\n1 1 1\n"}, nil, 1, []string{"$dir/L.mtx", "L is 3×3, want 4×4"}},
		{"X shape", map[string]string{"X.mtx": "%%MatrixMarket matrix array real general\n2 3\n1\n1\n1\n1\n1\n1\n"}, nil, 1,
			[]string{"$dir/X.mtx", "X is 2×3, want 2×2"}},
		{"duplicates of L overflow", map[string]string{"L.mtx": coordHead + "4 4 2\n1 1 1e308\n1 1 1e308\n"}, nil, 1,
			[]string{"$dir/L.mtx:4", "(1,1)", "duplicates"}},
		{"rowsum with an empty row", map[string]string{"G.mtx": coordHead + "4 2 3\n1 1 1\n2 1 1\n4 2 1\n"}, []string{"-rowsum"}, 1,
			[]string{"$dir/G.mtx", "row 3"}},
		{"infeasible constraints", map[string]string{"C.mtx": "%%MatrixMarket matrix array real general\n2 1\n1\n0\n"},
			[]string{"-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 1, []string{"$dir/C.mtx", "$dir/D.mtx", "infeasible in row 3"}},
		{"NaN in D", map[string]string{"D.mtx": "%%MatrixMarket matrix array real general\n4 1\n1\nNaN\n1\n1\n"},
			[]string{"-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 1, []string{"$dir/D.mtx:4", "not a finite number"}},
		{"truncated gzip", map[string]string{"L.mtx": "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"}, nil, 1, []string{"$dir/L.mtx"}},
		{"NaN lambda", nil, []string{"-lambda", "NaN"}, 2, []string{"-lambda", "finite"}},
		{"negative lambda", nil, []string{"-lambda", "-1"}, 2, []string{"-lambda"}},
		{"negative max-iter", nil, []string{"-max-iter", "-5"}, 2, []string{"-max-iter"}},
		{"unknown method", nil, []string{"-method", "magic"}, 2, []string{"-method", "magic"}},
		{"unknown linear solver", nil, []string{"-linear", "magic"}, 2, []string{"-linear", "magic"}},
		{"bad byte size", nil, []string{"-max-dense-bytes", "-1"}, 2, []string{"max-dense-bytes"}},
		{"rowsum with C", nil, []string{"-rowsum", "-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 2, []string{"-rowsum"}},
		{"tiny dense budget", nil, []string{"-max-dense-bytes", "64"}, 1, []string{"max-dense-bytes"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := writeTinyProblem(t, test.replace)
			out := filepath.Join(dir, "out.mtx")
			for _, cmd := range []string{"solve", "eval"} {
				var extra []string
				for _, e := range test.extra {
					extra = append(extra, strings.ReplaceAll(e, "$dir", dir))
				}
				if cmd == "solve" {
					extra = append(extra, "-o", out, "-q")
				} else {
					if strings.Contains(test.name, "lambda") || strings.Contains(test.name, "max-iter") ||
						strings.Contains(test.name, "method") || strings.Contains(test.name, "linear") {
						continue // solve flags
					}
					extra = append(extra, "-residual", out)
				}
				code, stdout, stderr := runNoPanic(t, tinyArgs(dir, cmd, extra...))
				if code != test.code {
					t.Errorf("%s: exit status %d, want %d; stderr:\n%s", cmd, code, test.code, stderr)
				}
				for _, w := range test.want {
					if w = strings.ReplaceAll(w, "$dir", dir); !strings.Contains(stderr, w) {
						t.Errorf("%s: stderr does not contain %q:\n%s", cmd, w, stderr)
					}
				}
				if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
					t.Errorf("%s: stderr shows a crash:\n%s", cmd, stderr)
				}
				if stdout != "" && code != 0 {
					t.Errorf("%s: stdout on failure: %q", cmd, stdout)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s: output written despite exit status %d", cmd, code)
				}
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), ".") {
						t.Errorf("%s: temporary file %s left behind", cmd, e.Name())
					}
				}
			}
		})
	}
}

// TestSciPyFiles reads files in the layout scipy.io.mmwrite produces (a "%"
// comment line, %.16e values, a symmetric L, gzip) and checks they give the
// same energy as the files written by mtx.
func TestSciPyFiles(t *testing.T) {
	tp := newTestProblem(t, 8)
	dense := func(a *mat.Dense) string {
		r, c := a.Dims()
		var b strings.Builder
		fmt.Fprintf(&b, "%%%%MatrixMarket matrix array real general\n%%\n%d %d\n", r, c)
		for j := 0; j < c; j++ {
			for i := 0; i < r; i++ {
				fmt.Fprintf(&b, "%.16e\n", a.At(i, j))
			}
		}
		return b.String()
	}
	var lb strings.Builder
	var lI, lJ []int
	var lV []float64
	for j := 0; j < tp.n; j++ {
		for i := j; i < tp.n; i++ {
			if v := tp.Ld.At(i, j); v != 0 {
				lI, lJ, lV = append(lI, i), append(lJ, j), append(lV, v)
			}
		}
	}
	fmt.Fprintf(&lb, "%%%%MatrixMarket matrix coordinate real symmetric\n%%\n%d %d %d\n", tp.n, tp.n, len(lI))
	for k := range lI {
		fmt.Fprintf(&lb, "%d %d %.16e\n", lI[k]+1, lJ[k]+1, lV[k])
	}
	var gb strings.Builder
	fmt.Fprintf(&gb, "%%%%MatrixMarket matrix coordinate real general\n%%\n%d %d %d\n", tp.n, tp.m, len(tp.I))
	for k := range tp.I {
		fmt.Fprintf(&gb, "%d %d %.16e\n", tp.I[k]+1, tp.J[k]+1, tp.g0[k])
	}
	sp := func(name string) string { return tp.path("scipy-" + name) }
	writeText(t, sp("X.mtx"), dense(tp.Xd))
	writeText(t, sp("Y.mtx"), dense(tp.Yd))
	writeText(t, sp("B.mtx"), dense(tp.Bd))
	writeText(t, sp("L.mtx"), lb.String())
	if err := mtx.WriteFile(sp("G.mtx.gz"), func(w io.Writer) error {
		_, err := w.Write([]byte(gb.String()))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := runArgs("eval", "-X", sp("X.mtx"), "-Y", sp("Y.mtx"), "-L", sp("L.mtx"), "-B", sp("B.mtx"), "-G", sp("G.mtx.gz"))
	if r.code != exitOK {
		t.Fatal(r)
	}
	r0 := runArgs(tp.args("eval", tp.G0)...)
	if r0.code != exitOK {
		t.Fatal(r0)
	}
	if e, e0 := field(t, r.stdout, "energy"), field(t, r0.stdout, "energy"); e != e0 {
		t.Errorf("SciPy-style files give E = %s, mtx files %s", e, e0)
	}
	// A gzipped output reads back with G0's order.
	rs := runArgs("solve", "-X", sp("X.mtx"), "-Y", sp("Y.mtx"), "-L", sp("L.mtx"), "-B", sp("B.mtx"), "-G", sp("G.mtx.gz"), "-o", tp.path("G.mtx.gz"), "-q")
	if rs.code != exitOK || rs.stdout != "" || rs.stderr != "" {
		t.Fatalf("quiet solve: %v", rs)
	}
	if gm := readMtx(t, tp.path("G.mtx.gz")); !slices.Equal(gm.I, tp.I) || !slices.Equal(gm.J, tp.J) {
		t.Errorf("gzipped output does not keep G's order")
	}
}

// TestUpperTriangleL reads L from a symmetric file storing the upper
// triangle, as several writers do, and gets the energy of the lower one.
func TestUpperTriangleL(t *testing.T) {
	tp := newTestProblem(t, 6)
	var b strings.Builder
	n := tp.n
	var entries []string
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			if v := tp.Ld.At(i, j); v != 0 {
				entries = append(entries, fmt.Sprintf("%d %d %.17g", i+1, j+1, v))
			}
		}
	}
	fmt.Fprintf(&b, "%%%%MatrixMarket matrix coordinate real symmetric\n%d %d %d\n%s\n", n, n, len(entries), strings.Join(entries, "\n"))
	upper := tp.path("Lupper.mtx")
	writeText(t, upper, b.String())
	m, err := mtx.ReadFile(upper)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(m.Dense(), tp.Ld) {
		t.Fatal("the upper-triangle file does not read as L")
	}
	want := runArgs(tp.args("eval", tp.G0)...)
	args := tp.args("eval", tp.G0)
	for k := range args {
		if args[k] == tp.L {
			args[k] = upper
		}
	}
	got := runArgs(args...)
	if got.code != exitOK || want.code != exitOK || field(t, got.stdout, "energy") != field(t, want.stdout, "energy") {
		t.Errorf("eval with the upper triangle:\n%v\nwith the lower:\n%v", got, want)
	}
	// Both triangles: rejected, naming both lines.
	both := tp.path("Lboth.mtx")
	writeText(t, both, "%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n1 1 2\n1 2 -1\n2 1 -1\n")
	if _, err := mtx.ReadFile(both); err == nil || !strings.Contains(err.Error(), "Lboth.mtx:5: entry (2,1) is below the diagonal but line 4 stores (1,2) above it") {
		t.Errorf("both triangles: %v", err)
	}
}

// TestPatternAndReference covers a pattern-field G (values 1), the Tikhonov
// term with a reference file, and a reference entry outside the pattern.
func TestPatternAndReference(t *testing.T) {
	tp := newTestProblem(t, 9)
	pat := tp.path("Gpat.mtx")
	if err := mtx.WriteFile(pat, func(w io.Writer) error {
		return mtx.WriteCoordinate(w, tp.n, tp.m, tp.I, tp.J, nil, "")
	}); err != nil {
		t.Fatal(err)
	}
	r := runArgs(tp.args("eval", pat)...)
	if r.code != exitOK {
		t.Fatal(r)
	}
	ones := make([]float64, len(tp.I))
	for k := range ones {
		ones[k] = 1
	}
	if e, want := floatField(t, r.stdout, "energy"), tp.energyAt(tp.I, tp.J, ones); relErr(e, want) > 1e-12 {
		t.Errorf("pattern G: E = %v, want E(1) = %v", e, want)
	}

	const lambda = 0.01
	out := tp.path("G.mtx")
	r = runArgs(tp.args("solve", tp.G0, "-rowsum", "-lambda", fmt.Sprint(lambda), "-ref", tp.G0, "-o", out)...)
	if r.code != exitOK {
		t.Fatal(r)
	}
	e, tik, total := floatField(t, r.stdout, "energy"), floatField(t, r.stdout, "tikhonov"), floatField(t, r.stdout, "total")
	gm := readMtx(t, out)
	var d2 float64
	for k, v := range gm.V {
		d2 += (v - tp.g0[k]) * (v - tp.g0[k])
	}
	if relErr(tik, lambda*d2) > 1e-10 || relErr(total, e+tik) > 1e-12 || tik <= 0 {
		t.Errorf("energy %v + tikhonov %v vs total %v; λ‖g − g0‖² = %v", e, tik, total, lambda*d2)
	}

	writeText(t, tp.path("Gref.mtx"), "%%MatrixMarket matrix coordinate real general\n% off the pattern\n30 6 2\n"+
		fmt.Sprintf("%d %d 1\n", tp.I[0]+1, tp.J[0]+1)+offPattern(tp)+" 1\n")
	r = runArgs(tp.args("solve", tp.G0, "-lambda", "1", "-ref", tp.path("Gref.mtx"), "-o", out)...)
	if r.code != exitError || !strings.Contains(r.stderr, "Gref.mtx:5: entry") {
		t.Errorf("reference off the pattern: %v", r)
	}
}

// offPattern returns "i j" (1-based) of a position outside tp's pattern.
func offPattern(tp *testProblem) string {
	in := map[[2]int]bool{}
	for k := range tp.I {
		in[[2]int{tp.I[k], tp.J[k]}] = true
	}
	for a := 0; a < tp.n; a++ {
		for b := 0; b < tp.m; b++ {
			if !in[[2]int{a, b}] {
				return fmt.Sprintf("%d %d", a+1, b+1)
			}
		}
	}
	panic("full pattern")
}

// TestOverflowBlame: a start whose energy overflows is blamed on the
// operand whose scale causes it, not on G0.
func TestOverflowBlame(t *testing.T) {
	const coordSym = "%%MatrixMarket matrix coordinate real symmetric\n"
	for _, test := range []struct {
		name    string
		replace map[string]string
		extra   []string
		want    string
	}{
		{"L with diagonal 1e308", map[string]string{"L.mtx": coordSym + "4 4 4\n1 1 1e308\n2 2 1e308\n3 3 1e308\n4 4 1e308\n"}, nil, "L.mtx: the scale of L overflows"},
		{"X with entries 1e300", map[string]string{"X.mtx": "%%MatrixMarket matrix array real general\n2 2\n1e300\n-1e300\n1\n1\n"}, nil, "X.mtx: the scale of X overflows"},
		{"B with entries 1e200", map[string]string{"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1e200\n1\n1\n1\n"}, nil, "B.mtx: the scale of B overflows"},
		{"reference 1e200", map[string]string{"R.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 1\n1 1 1e200\n"},
			[]string{"-lambda", "1", "-ref", "$dir/R.mtx"}, "R.mtx: the scale of the reference overflows"},
		{"lambda 1e308", nil, []string{"-lambda", "1e308", "-ref", "$dir/R.mtx"}, "-lambda 1e+308: the Tikhonov term"},
	} {
		t.Run(test.name, func(t *testing.T) {
			replace := map[string]string{"R.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 1\n1 1 1e150\n"}
			for k, v := range test.replace {
				replace[k] = v
			}
			tinyFiles["R.mtx"] = replace["R.mtx"]
			defer delete(tinyFiles, "R.mtx")
			dir := writeTinyProblem(t, replace)
			var extra []string
			for _, e := range test.extra {
				extra = append(extra, strings.ReplaceAll(e, "$dir", dir))
			}
			args := tinyArgs(dir, "solve", append(extra, "-o", filepath.Join(dir, "out.mtx"), "-q")...)
			code, _, stderr := runNoPanic(t, args)
			if code != exitError || !strings.Contains(stderr, test.want) {
				t.Errorf("solve: exit status %d, stderr %q, want %q", code, stderr, test.want)
			}
			if strings.Contains(stderr, "G.mtx: ") {
				t.Errorf("solve blames G: %q", stderr)
			}
			if test.extra == nil {
				code, _, stderr = runNoPanic(t, tinyArgs(dir, "eval"))
				if code != exitError || !strings.Contains(stderr, test.want) {
					t.Errorf("eval: exit status %d, stderr %q, want %q", code, stderr, test.want)
				}
			}
		})
	}
}
