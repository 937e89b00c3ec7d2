package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
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
		{"qn", []string{"-method", "qn", "-max-iter", "50"}, -1, 1e-2},
		{"hgn", []string{"-method", "hgn", "-max-iter", "50"}, -1, 1e-2},
		{"hgn-cg", []string{"-method", "hgn", "-linear", "cg", "-max-iter", "50"}, -1, 1e-2},
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

// TestStationaryStart checks that a stationary start (G0 = 0) stops with
// exit status 3 and writes the start, and that a valid start solves.
func TestStationaryStart(t *testing.T) {
	dir := writeTinyProblem(t, nil)
	// G0 = 0 is a stationary start: no convergence (status 3), the start
	// is written.
	zero := writeTinyProblem(t, map[string]string{"G.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 2\n1 1 0\n4 2 0\n"})
	out := filepath.Join(zero, "G1.mtx")
	code, _, stderr := runNoPanic(t, tinyArgs(zero, "solve", "-o", out))
	if code != 3 || !strings.Contains(stderr, "stationary start") {
		t.Errorf("G0 = 0: exit status %d, stderr %q", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "1 1 0\n4 2 0\n") {
		t.Errorf("G0 = 0: output %q, %v", b, err)
	}
	// A valid run converges and writes G.
	out = filepath.Join(dir, "G1.mtx")
	code, stdout, stderr := runNoPanic(t, tinyArgs(dir, "solve", "-o", out, "-rowsum"))
	if code != 0 && code != 3 {
		t.Fatalf("valid solve: exit status %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil || !strings.Contains(stdout, "violation") {
		t.Errorf("valid solve: %v, stdout %q", err, stdout)
	}
}

// TestSolveMatrixFreeOnly: -linear dense with a matrix-free method is
// refused before any output is written, naming the method's limitation.
func TestSolveMatrixFreeOnly(t *testing.T) {
	dir := writeTinyProblem(t, nil)
	out := filepath.Join(dir, "G1.mtx")
	code, _, stderr := runNoPanic(t, tinyArgs(dir, "solve", "-o", out, "-method", "hgn", "-linear", "dense"))
	if code == exitOK || code == exitStopped || !strings.Contains(stderr, "LinearDense") {
		t.Errorf("-method hgn -linear dense: exit status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-method hgn -linear dense wrote %s (%v)", out, err)
	}
}
