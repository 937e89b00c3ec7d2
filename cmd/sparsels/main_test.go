package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mtx"
)

// TestSolveThenEval solves with every method and checks the written G with
// eval: the energies agree exactly, the rows still sum to 1, the energy fell
// from G0's, and it matches a dense computation from the file's values.
func TestSolveThenEval(t *testing.T) {
	tp := newTestProblem(t, 1)
	r0 := runArgs(tp.args("eval", tp.G0, "-rowsum")...)
	if r0.code != exitOK {
		t.Fatalf("eval G0: %v", r0)
	}
	e0 := floatField(t, r0.stdout, "energy")
	if want := tp.energyAt(tp.I, tp.J, tp.g0); relErr(e0, want) > 1e-12 {
		t.Fatalf("eval E(G0) = %v, dense computation %v", e0, want)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		maxRatio float64 // E/E0 must be at most this
	}{
		{"lm", []string{"-method", "lm"}, exitOK, 1e-4},
		{"lm-cg", []string{"-method", "lm", "-linear", "cg"}, -1, 1e-4},
		{"gn", []string{"-method", "gn"}, -1, 1e-4},
		{"newton", []string{"-method", "newton"}, exitOK, 1e-4},
		{"newton-cg", []string{"-method", "newton", "-linear", "cg", "-max-iter", "30"}, -1, 1e-2},
		{"lbfgs", []string{"-method", "lbfgs", "-max-iter", "50"}, -1, 1e-2},
		{"nadam", []string{"-method", "nadam", "-max-iter", "40"}, exitStopped, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tp.path("G-" + tc.name + ".mtx")
			rs := runArgs(tp.args("solve", tp.G0, append([]string{"-rowsum", "-q=false", "-o", out}, tc.args...)...)...)
			if tc.wantCode >= 0 && rs.code != tc.wantCode || rs.code != exitOK && rs.code != exitStopped {
				t.Fatalf("solve: want exit %d:\n%v", tc.wantCode, rs)
			}
			es := field(t, rs.stdout, "energy")
			re := runArgs(tp.args("eval", out, "-rowsum")...)
			if re.code != exitOK {
				t.Fatalf("eval: %v", re)
			}
			if ee := field(t, re.stdout, "energy"); ee != es {
				t.Errorf("eval energy %s, solve reported %s", ee, es)
			}
			e := floatField(t, re.stdout, "energy")
			if v := floatField(t, re.stdout, "violation"); !(v <= 1e-12) {
				t.Errorf("row-sum violation %v", v)
			}
			if !(e <= tc.maxRatio*e0) {
				t.Errorf("E = %v, want ≤ %v × E(G0) = %v", e, tc.maxRatio, e0)
			}
			gm := readMtx(t, out)
			if !slices.Equal(gm.I, tp.I) || !slices.Equal(gm.J, tp.J) {
				t.Fatalf("the output G does not keep G0's entry order")
			}
			if want := tp.energyAt(gm.I, gm.J, gm.V); relErr(e, want) > 1e-10 {
				t.Errorf("eval E = %v, dense computation from the file %v", e, want)
			}
			sums := make([]float64, tp.n)
			for k, v := range gm.V {
				sums[gm.I[k]] += v
			}
			for a, s := range sums {
				if math.Abs(s-1) > 1e-12 {
					t.Errorf("row %d of the output sums to %v", a, s)
				}
			}
		})
	}
}

// TestExitStatus checks the exit status and message of each kind of
// failure, and that nothing is written on errors.
func TestExitStatus(t *testing.T) {
	tp := newTestProblem(t, 2)
	n, m, c := tp.n, tp.m, tp.c

	// A malformed L: line 5 (the third entry) has a bad value.
	lb, err := os.ReadFile(tp.L)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(lb), "\n")
	lines[4] = "3 1 1.5e"
	writeText(t, tp.path("Lbad.mtx"), strings.Join(lines, "\n"))
	// B with one row too many.
	writeDenseFile(t, tp.path("Bbad.mtx"), randDense(rand.New(rand.NewPCG(1, 1)), m+1, c))
	// Infeasible constraints: C = 0 but D = 1.
	writeDenseFile(t, tp.path("C0.mtx"), mat.NewDense(m, 1, nil))
	ones := mat.NewDense(n, 1, nil)
	for a := 0; a < n; a++ {
		ones.Set(a, 0, 1)
	}
	writeDenseFile(t, tp.path("D1.mtx"), ones)
	// G with a repeated entry on its last line (line 93: banner, size, 91 entries).
	gb, err := os.ReadFile(tp.G0)
	if err != nil {
		t.Fatal(err)
	}
	gdup := strings.Replace(string(gb), fmt.Sprintf("%d %d %d\n", n, m, len(tp.I)), fmt.Sprintf("%d %d %d\n", n, m, len(tp.I)+1), 1)
	gdup += fmt.Sprintf("%d %d 0.5\n", tp.I[1]+1, tp.J[1]+1)
	writeText(t, tp.path("Gdup.mtx"), gdup)
	// G whose row 7 (1-based) is empty.
	var ie, je []int
	var ve []float64
	for k := range tp.I {
		if tp.I[k] != 6 {
			ie, je, ve = append(ie, tp.I[k]), append(je, tp.J[k]), append(ve, tp.g0[k])
		}
	}
	writeCoordFile(t, tp.path("Gempty.mtx"), n, m, ie, je, ve)
	// X so large that E overflows.
	huge := mat.NewDense(tp.r, c, nil)
	for i := 0; i < tp.r; i++ {
		for j := 0; j < c; j++ {
			huge.Set(i, j, 1e300)
		}
	}
	writeDenseFile(t, tp.path("Xhuge.mtx"), huge)
	writeText(t, tp.path("Gsym.mtx"), "%%MatrixMarket matrix coordinate real symmetric\n6 6 1\n1 1 1\n")
	writeText(t, tp.path("Garray.mtx"), "%%MatrixMarket matrix array real general\n1 1\n1\n")

	solve := func(g string, extra ...string) []string {
		return tp.args("solve", g, append([]string{"-o", tp.path("out.mtx")}, extra...)...)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		want    int
		stderr  []string // substrings of stderr
		written bool     // out.mtx is written
	}{
		{"converged", solve(tp.G0, "-rowsum"), exitOK, nil, true},
		{"iteration limit", solve(tp.G0, "-rowsum", "-max-iter", "1"), exitStopped, []string{"iteration limit", "out.mtx"}, true},
		{"time limit", solve(tp.G0, "-time-limit", "1ns"), exitStopped, []string{"time limit"}, true},
		{"malformed file", tp.args("solve", tp.G0, "-L", tp.path("Lbad.mtx"), "-o", tp.path("out.mtx")), exitError, []string{"Lbad.mtx:5:"}, false},
		{"shape mismatch", tp.args("solve", tp.G0, "-B", tp.path("Bbad.mtx"), "-o", tp.path("out.mtx")), exitError, []string{"Bbad.mtx: B is 7×4, want 6×c", "G0.mtx is 30×6"}, false},
		{"infeasible", solve(tp.G0, "-C", tp.path("C0.mtx"), "-D", tp.path("D1.mtx")), exitError, []string{"C0.mtx, ", "D1.mtx", "infeasible"}, false},
		{"empty row", solve(tp.path("Gempty.mtx"), "-rowsum"), exitError, []string{"Gempty.mtx: -rowsum: row 7 of G has no entries"}, false},
		{"duplicate", solve(tp.path("Gdup.mtx")), exitError, []string{fmt.Sprintf("Gdup.mtx:93: duplicate entry (%d,%d), first given on line 4", tp.I[1]+1, tp.J[1]+1)}, false},
		{"symmetric G", solve(tp.path("Gsym.mtx")), exitError, []string{"Gsym.mtx: G must be a general matrix"}, false},
		{"array G", solve(tp.path("Garray.mtx")), exitError, []string{"Garray.mtx: G must be a coordinate file"}, false},
		{"missing file", solve(tp.path("nope.mtx")), exitError, []string{"nope.mtx"}, false},
		{"overflow", tp.args("solve", tp.G0, "-X", tp.path("Xhuge.mtx"), "-o", tp.path("out.mtx")), exitError, []string{"not finite"}, false},
		{"overflow eval", tp.args("eval", tp.G0, "-X", tp.path("Xhuge.mtx"), "-grad", tp.path("out.mtx")), exitError, []string{"Xhuge.mtx", "not finite"}, false},
		{"unknown flag", solve(tp.G0, "-bogus"), exitUsage, []string{"-bogus", "sparsels help solve"}, false},
		{"missing -X", []string{"solve", "-Y", tp.Y, "-L", tp.L, "-B", tp.B, "-G", tp.G0, "-o", tp.path("out.mtx")}, exitUsage, []string{"missing -X"}, false},
		{"missing -o", tp.args("solve", tp.G0), exitUsage, []string{"missing -o"}, false},
		{"bad method", solve(tp.G0, "-method", "sgd"), exitUsage, []string{"-method"}, false},
		{"bad linear", solve(tp.G0, "-linear", "qr"), exitUsage, []string{"-linear"}, false},
		{"rowsum and C", solve(tp.G0, "-rowsum", "-C", tp.path("C0.mtx"), "-D", tp.path("D1.mtx")), exitUsage, []string{"-rowsum cannot be combined"}, false},
		{"C without D", solve(tp.G0, "-C", tp.path("C0.mtx")), exitUsage, []string{"-C needs -D"}, false},
		{"negative lambda", solve(tp.G0, "-lambda", "-1"), exitUsage, []string{"-lambda"}, false},
		{"NaN tolerance", solve(tp.G0, "-ftol", "NaN"), exitUsage, []string{"-ftol"}, false},
		{"ref without lambda", solve(tp.G0, "-ref", tp.G0), exitUsage, []string{"-ref needs -lambda"}, false},
		{"bad byte size", solve(tp.G0, "-max-dense-bytes", "lots"), exitUsage, []string{"-max-dense-bytes"}, false},
		{"extra argument", solve(tp.G0, "extra"), exitUsage, []string{`unexpected argument "extra"`}, false},
		{"unknown command", []string{"fit"}, exitUsage, []string{`unknown command "fit"`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(tp.path("out.mtx"))
			r := runArgs(tc.args...)
			if r.code != tc.want {
				t.Fatalf("want exit %d, got %v", tc.want, r)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, r.stderr)
				}
			}
			_, err := os.Stat(tp.path("out.mtx"))
			if written := err == nil; written != tc.written {
				t.Errorf("out.mtx written = %v, want %v", written, tc.written)
			}
			if tc.written {
				gm := readMtx(t, tp.path("out.mtx"))
				if !slices.Equal(gm.I, tp.I) || !slices.Equal(gm.J, tp.J) {
					t.Errorf("out.mtx does not keep G0's entry order")
				}
			}
		})
	}

	t.Run("interrupt", func(t *testing.T) {
		os.Remove(tp.path("out.mtx"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		// An interrupt before any iterate stops at once and writes nothing
		// (issue 11: the unsolved G0 was written as the "best G").
		r := runArgsContext(ctx, solve(tp.G0, "-rowsum")...)
		if r.code != exitStopped || !strings.Contains(r.stderr, "interrupted") || !strings.Contains(r.stderr, "nothing was written") {
			t.Fatalf("want exit 3 with an interrupted run, got %v", r)
		}
		if _, err := os.Stat(tp.path("out.mtx")); !os.IsNotExist(err) {
			t.Errorf("out.mtx written by a run interrupted before its first iteration")
		}
	})
}

// TestEvalDerivativeFiles writes every derivative of a G whose entries are
// in another order than G0's and compares them with dense computations.
func TestEvalDerivativeFiles(t *testing.T) {
	tp := newTestProblem(t, 3)
	nnz := len(tp.I)
	perm := rand.New(rand.NewPCG(3, 3)).Perm(nnz)
	I1, J1, g1 := make([]int, nnz), make([]int, nnz), make([]float64, nnz)
	for k, p := range perm {
		I1[k], J1[k], g1[k] = tp.I[p], tp.J[p], tp.g0[p]
	}
	g1path := tp.path("G1.mtx")
	writeCoordFile(t, g1path, tp.n, tp.m, I1, J1, g1)

	r := runArgs(tp.args("eval", g1path, "-residual", tp.path("f.mtx"), "-grad", tp.path("grad1.mtx"),
		"-jac", tp.path("J.mtx"), "-gn", tp.path("JtJ.mtx"), "-hess", tp.path("H.mtx"))...)
	if r.code != exitOK {
		t.Fatal(r)
	}
	r0 := runArgs(tp.args("eval", tp.G0, "-grad", tp.path("grad0.mtx"))...)
	if r0.code != exitOK {
		t.Fatal(r0)
	}

	f := readMtx(t, tp.path("f.mtx"))
	if f.Format != mtx.Array || f.Rows != tp.r || f.Cols != tp.c {
		t.Fatalf("residual file is %s %d×%d", f.Format, f.Rows, f.Cols)
	}
	if d := maxRelDiff(f.Dense(), tp.residualAt(I1, J1, g1)); d > 1e-12 {
		t.Errorf("residual differs from the dense computation by %.3g", d)
	}

	gr1 := readMtx(t, tp.path("grad1.mtx"))
	if !slices.Equal(gr1.I, I1) || !slices.Equal(gr1.J, J1) {
		t.Fatalf("the gradient file does not keep G1's entry order")
	}
	want := tp.gradientAt(I1, J1, g1)
	if d := maxRelDiff(mat.NewVecDense(nnz, gr1.V), mat.NewVecDense(nnz, want)); d > 1e-10 {
		t.Errorf("gradient differs from the dense computation by %.3g", d)
	}
	gr0 := readMtx(t, tp.path("grad0.mtx"))
	if !slices.Equal(gr0.I, tp.I) || !slices.Equal(gr0.J, tp.J) {
		t.Fatalf("the gradient file does not keep G0's entry order")
	}
	for k, p := range perm {
		if relErr(gr1.V[k], gr0.V[p]) > 1e-10 && math.Abs(gr1.V[k]-gr0.V[p]) > 1e-12 {
			t.Errorf("gradient at (%d, %d): %v in G1's order, %v in G0's", I1[k], J1[k], gr1.V[k], gr0.V[p])
		}
	}

	jm := readMtx(t, tp.path("J.mtx"))
	if jm.Rows != tp.r*tp.c || jm.Cols != nnz {
		t.Fatalf("Jacobian file is %d×%d", jm.Rows, jm.Cols)
	}
	jref := tp.jacobianAt(I1, J1, g1)
	if d := maxRelDiff(jm.Dense(), jref); d > 1e-12 {
		t.Errorf("Jacobian differs from the dense computation by %.3g", d)
	}

	gn := readMtx(t, tp.path("JtJ.mtx"))
	if gn.Symmetry != mtx.Symmetric || gn.Rows != nnz {
		t.Fatalf("Gauss-Newton file is %s %d×%d", gn.Symmetry, gn.Rows, gn.Cols)
	}
	var jtj mat.Dense
	jtj.Mul(jref.T(), jref)
	if d := maxRelDiff(gn.Dense(), &jtj); d > 1e-12 {
		t.Errorf("Gauss-Newton matrix differs from JᵀJ by %.3g", d)
	}

	h := readMtx(t, tp.path("H.mtx"))
	if h.Symmetry != mtx.Symmetric || h.Rows != nnz {
		t.Fatalf("Hessian file is %s %d×%d", h.Symmetry, h.Rows, h.Cols)
	}
	if d := maxRelDiff(h.Dense(), tp.hessianAt(I1, J1, g1)); d > 1e-10 {
		t.Errorf("Hessian differs from the dense computation by %.3g", d)
	}
}

// TestDenseLimit checks that oversized dense outputs are refused before
// anything is written (the problem needs about 68 KB of the budget, see
// loadProblem; the outputs must fit in the rest), and that check skips them
// but checks the rest.
func TestDenseLimit(t *testing.T) {
	tp := newTestProblem(t, 4)
	outs := []string{tp.path("f.mtx"), tp.path("g.mtx"), tp.path("J.mtx"), tp.path("H.mtx")}
	for _, tc := range []struct {
		flag, path, size string
	}{
		{"-jac", outs[2], "the Jacobian is 24×90: it needs 17280 bytes"},
		{"-hess", outs[3], "the Hessian is 90×90: it needs 64800 bytes"},
	} {
		r := runArgs(tp.args("eval", tp.G0, "-max-dense-bytes", "80000", "-residual", outs[0], "-grad", outs[1], tc.flag, tc.path)...)
		if r.code != exitError || !strings.Contains(r.stderr, tc.size) || !strings.Contains(r.stderr, tc.path) {
			t.Errorf("%s: want exit 1 naming the file and %q, got %v", tc.flag, tc.size, r)
		}
		for _, p := range outs {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s was written", tc.flag, p)
			}
		}
	}

	r := runArgs(tp.args("check", tp.G0, "-max-dense-bytes", "80000")...)
	if r.code != exitOK {
		t.Fatalf("check with a small limit: %v", r)
	}
	rows := checkTable(t, r.stdout)
	for name, res := range rows {
		skipped := name == "Jacobian" || name == "GaussNewton" || name == "Hessian"
		if skipped && !strings.HasPrefix(res, "skipped") || !skipped && res != "OK" {
			t.Errorf("%s: %s", name, res)
		}
	}
	if !strings.Contains(rows["Hessian"], "129600 bytes") {
		t.Errorf("Hessian row does not give the size (nnz² + nnz·K)·8 = 129600 bytes: %s", rows["Hessian"])
	}

	// A lying header: G and L claim 200 million rows with a few entries. The
	// refusal comes before any storage in proportion to the rows.
	const big = 200_000_000
	writeText(t, tp.path("Gbig.mtx"), fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n%d 6 2\n1 1 0.5\n2 2 0.5\n", big))
	writeText(t, tp.path("Lbig.mtx"), fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n%d %d 1\n1 1 1\n", big, big))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r = runArgs(tp.args("eval", tp.path("Gbig.mtx"), "-L", tp.path("Lbig.mtx"))...)
	runtime.ReadMemStats(&after)
	if r.code != exitError || !strings.Contains(r.stderr, "over -max-dense-bytes") {
		t.Errorf("lying header: %v", r)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("lying header: %d bytes allocated", alloc)
	}
	writeText(t, tp.path("Ghuge.mtx"), "%%MatrixMarket matrix coordinate real general\n1000000000000 6 1\n1 1 1\n")
	r = runArgs(tp.args("eval", tp.path("Ghuge.mtx"))...)
	if r.code != exitError || !strings.Contains(r.stderr, "Ghuge.mtx") {
		t.Errorf("huge header: %v", r)
	}
}

// checkTable parses check's table into quantity → result.
func checkTable(t *testing.T, out string) map[string]string {
	t.Helper()
	names := []string{"gradient", "Jacobian", "J·x", "Jᵀ·w", "GaussNewton", "GaussNewton diag", "GaussNewton·x", "Hessian", "Hessian·x"}
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		for _, name := range names {
			rest, ok := strings.CutPrefix(line, name+"  ")
			if !ok {
				continue
			}
			fields := strings.Fields(rest)
			switch {
			case len(fields) >= 4 && fields[0] == "-":
				rows[name] = strings.Join(fields[3:], " ")
			case len(fields) == 4:
				rows[name] = fields[3]
			default:
				t.Fatalf("bad table line %q", line)
			}
		}
	}
	if len(rows) != len(names) {
		t.Fatalf("table has %d rows, want %d:\n%s", len(rows), len(names), out)
	}
	return rows
}

// TestCheck runs the derivative checker at G0, at random points and on a
// subset of coordinates, and with a tolerance no difference can meet.
func TestCheck(t *testing.T) {
	tp := newTestProblem(t, 5)
	for _, tc := range []struct {
		name string
		args []string
		want int
		text string
	}{
		{"at G0", nil, exitOK, "90 of 90 coordinates"},
		{"random", []string{"-random", "2", "-seed", "7"}, exitOK, "at 2 random points (seed 7)"},
		{"subset", []string{"-coords", "20"}, exitOK, "20 of 90 coordinates"},
		{"impossible tolerance", []string{"-tol", "1e-300"}, exitError, "FAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runArgs(tp.args("check", tp.G0, tc.args...)...)
			if r.code != tc.want || !strings.Contains(r.stdout, tc.text) {
				t.Fatalf("want exit %d and %q: %v", tc.want, tc.text, r)
			}
			rows := checkTable(t, r.stdout)
			nOK := 0
			for _, res := range rows {
				if res == "OK" {
					nOK++
				}
			}
			if tc.want == exitOK && nOK != len(rows) {
				t.Errorf("%d of %d rows OK:\n%s", nOK, len(rows), r.stdout)
			}
			if tc.want == exitError && nOK == len(rows) {
				t.Errorf("no row failed:\n%s", r.stdout)
			}
		})
	}
	if r := runArgs(tp.args("check", tp.G0, "-coords", "0")...); r.code != exitUsage {
		t.Errorf("-coords 0: %v", r)
	}
}

// TestTrace checks the -trace CSV against the progress lines and the report.
func TestTrace(t *testing.T) {
	tp := newTestProblem(t, 6)
	trace := tp.path("trace.csv")
	r := runArgs(tp.args("solve", tp.G0, "-rowsum", "-o", tp.path("G.mtx"), "-trace", trace)...)
	if r.code != exitOK {
		t.Fatal(r)
	}
	iters, err := strconv.Atoi(regexp.MustCompile(`\. (\d+) iterations in`).FindStringSubmatch(r.stdout)[1])
	if err != nil {
		t.Fatal(err)
	}
	progress := regexp.MustCompile(`(?m)^ *\d+  \d\.\d{16}e[-+]\d+ `).FindAllString(r.stderr, -1)
	if len(progress) != iters {
		t.Errorf("%d progress lines, %d iterations", len(progress), iters)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), traceHeader) {
		t.Fatalf("trace header: %q", strings.SplitN(string(b), "\n", 2)[0])
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != iters || iters == 0 {
		t.Fatalf("trace has %d rows, want %d iterations", len(recs)-1, iters)
	}
	prev := math.Inf(1)
	for i, rec := range recs[1:] {
		if rec[0] != strconv.Itoa(i+1) {
			t.Errorf("row %d: iteration %s", i+1, rec[0])
		}
		e, err := strconv.ParseFloat(rec[1], 64)
		if err != nil || e > prev {
			t.Errorf("row %d: energy %s after %v", i+1, rec[1], prev)
		}
		prev = e
		if rec[7] != "true" && rec[7] != "false" {
			t.Errorf("row %d: accepted %q", i+1, rec[7])
		}
		for _, col := range []int{2, 3, 4, 5, 8} {
			if _, err := strconv.ParseFloat(rec[col], 64); err != nil {
				t.Errorf("row %d column %d: %v", i+1, col, err)
			}
		}
	}
	if e := floatField(t, r.stdout, "energy"); relErr(prev, e) > 1e-12 {
		t.Errorf("last trace energy %v, solve reported %v", prev, e)
	}
}

// TestAtomicWrites makes writes fail and checks that existing files are left
// untouched and no temporary files remain.
func TestAtomicWrites(t *testing.T) {
	tp := newTestProblem(t, 7)

	dir := tp.path("out.mtx")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeText(t, filepath.Join(dir, "inside"), "keep\n")
	r := runArgs(tp.args("solve", tp.G0, "-o", dir)...)
	if r.code != exitError || !strings.Contains(r.stderr, "cannot write "+dir) {
		t.Errorf("output is a directory: %v", r)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "inside")); err != nil || string(b) != "keep\n" {
		t.Errorf("the directory was changed: %q, %v", b, err)
	}

	// The target's name (254 bytes) fits in NAME_MAX = 255 but the name of
	// mtx.WriteFile's temporary file ("." + name + "-" + digits, at least
	// 257 bytes) does not, so the write fails whatever the permissions.
	long := tp.path(strings.Repeat("g", 250) + ".mtx")
	writeText(t, long, "keep\n")
	before, _ := os.ReadDir(tp.dir)
	for _, args := range [][]string{
		tp.args("solve", tp.G0, "-o", long),
		tp.args("eval", tp.G0, "-grad", long),
		tp.args("solve", tp.G0, "-o", tp.path("G.mtx"), "-trace", long),
	} {
		r := runArgs(args...)
		if r.code != exitError || !strings.Contains(r.stderr, "cannot write") {
			t.Errorf("%s: want a failed write, got %v", args[0], r)
		}
		if b, err := os.ReadFile(long); err != nil || string(b) != "keep\n" {
			t.Errorf("%s: existing file changed to %q, %v", args[0], b, err)
		}
	}
	after, _ := os.ReadDir(tp.dir)
	names := func(es []os.DirEntry) (s []string) {
		for _, e := range es {
			if !strings.HasPrefix(e.Name(), ".") {
				continue
			}
			s = append(s, e.Name())
		}
		return s
	}
	if tmp := names(after); len(tmp) != len(names(before)) {
		t.Errorf("temporary files left: %v", tmp)
	}

	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 || runtime.GOOS == "windows" {
			t.Skip("permissions do not stop this user; the long-name case covers the failure")
		}
		ro := tp.path("ro")
		os.Mkdir(ro, 0o755)
		target := filepath.Join(ro, "G.mtx")
		writeText(t, target, "keep\n")
		os.Chmod(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		r := runArgs(tp.args("solve", tp.G0, "-o", target)...)
		if b, _ := os.ReadFile(target); r.code != exitError || string(b) != "keep\n" {
			t.Errorf("read-only directory: %v; file now %q", r, b)
		}
	})
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

// TestHelp checks the usage texts and their exit statuses.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		out  string // substring of stdout (want 0) or stderr
	}{
		{[]string{"help"}, exitOK, "check   compare every analytic derivative"},
		{[]string{"-h"}, exitOK, "Exit status"},
		{[]string{"help", "solve"}, exitOK, "-method method"},
		{[]string{"solve", "-h"}, exitOK, "-time-limit"},
		{[]string{"eval", "-help"}, exitOK, "-max-dense-bytes"},
		{[]string{"help", "check"}, exitOK, "-random N"},
		{[]string{"help", "fit"}, exitUsage, `unknown command "fit"`},
		{nil, exitUsage, "Commands:"},
	} {
		r := runArgs(tc.args...)
		text := r.stdout
		if tc.want != exitOK {
			text = r.stderr
		}
		if r.code != tc.want || !strings.Contains(text, tc.out) {
			t.Errorf("%q: want exit %d and %q, got %v", tc.args, tc.want, tc.out, r)
		}
	}
}

// TestConstraintFiles solves with G·C = D from files (C dense, D sparse)
// and checks the constraints on the written G by a direct product.
func TestConstraintFiles(t *testing.T) {
	tp := newTestProblem(t, 11)
	n, m := tp.n, tp.m
	// Rows sum to 1 and reproduce the coordinate x: Σ_b G[a,b]·b = a·m/n.
	C := mat.NewDense(m, 2, nil)
	for b := 0; b < m; b++ {
		C.Set(b, 0, 1)
		C.Set(b, 1, float64(b))
	}
	writeDenseFile(t, tp.path("C.mtx"), C)
	var dI, dJ []int
	var dV []float64
	for a := 0; a < n; a++ {
		dI, dJ, dV = append(dI, a, a), append(dJ, 0, 1), append(dV, 1, float64(a*m)/float64(n)+0.5)
	}
	writeCoordFile(t, tp.path("D.mtx"), n, 2, dI, dJ, dV)
	writeCoordFile(t, tp.path("Dbad.mtx"), n, 3, dI, dJ, dV)

	out := tp.path("G.mtx")
	r := runArgs(tp.args("solve", tp.G0, "-C", tp.path("C.mtx"), "-D", tp.path("D.mtx"), "-o", out)...)
	if r.code != exitOK && r.code != exitStopped {
		t.Fatal(r)
	}
	gm := readMtx(t, out)
	res := make([]float64, 2*n)
	scale := make([]float64, 2*n)
	for k, v := range gm.V {
		a, b := gm.I[k], gm.J[k]
		for s := 0; s < 2; s++ {
			res[a*2+s] += v * C.At(b, s)
			scale[a*2+s] += math.Abs(v * C.At(b, s))
		}
	}
	for k := range dI {
		i := dI[k]*2 + dJ[k]
		res[i] -= dV[k]
		scale[i] += math.Abs(dV[k])
	}
	for i, v := range res {
		if math.Abs(v) > 1e-12*scale[i] {
			t.Errorf("(G·C − D)[%d, %d] = %v", i/2, i%2, v)
		}
	}
	re := runArgs(tp.args("eval", out, "-C", tp.path("C.mtx"), "-D", tp.path("D.mtx"))...)
	if re.code != exitOK {
		t.Fatal(re)
	}
	if v := floatField(t, re.stdout, "violation"); !(v <= 1e-12) {
		t.Errorf("eval violation %v", v)
	}
	if e, es := field(t, re.stdout, "energy"), field(t, r.stdout, "energy"); e != es {
		t.Errorf("eval energy %s, solve %s", e, es)
	}
	r = runArgs(tp.args("eval", out, "-C", tp.path("C.mtx"), "-D", tp.path("Dbad.mtx"))...)
	if r.code != exitError || !strings.Contains(r.stderr, "Dbad.mtx: D is 30×3, want 30×2") {
		t.Errorf("D with a wrong shape: %v", r)
	}
}

// TestSolveBoundFlag checks -bound: the report gives the certified lower
// bound and the gap, the bound is at most the energy, and without the flag
// neither line appears.
func TestSolveBoundFlag(t *testing.T) {
	tp := newTestProblem(t, 7)
	r := runArgs(tp.args("solve", tp.G0, "-rowsum", "-bound", "-o", tp.path("G.mtx"))...)
	if r.code != exitOK && r.code != exitStopped {
		t.Fatal(r)
	}
	num := func(re string) float64 {
		m := regexp.MustCompile(re).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no %q in\n%s", re, r.stdout)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	e, lb := num(`(?m)^energy: (\S+)$`), num(`(?m)^lower bound: (\S+) `)
	gap := num(`(?m)^gap: (\S+) `)
	if !(lb <= e) || math.Abs(e-lb-gap) > 1e-6*math.Abs(e) {
		t.Errorf("energy %g, bound %g, gap %g:\n%s", e, lb, gap, r.stdout)
	}
	r = runArgs(tp.args("solve", tp.G0, "-rowsum", "-o", tp.path("G2.mtx"))...)
	if strings.Contains(r.stdout, "lower bound:") {
		t.Errorf("bound printed without -bound:\n%s", r.stdout)
	}
}
