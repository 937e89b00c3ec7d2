package main

// Tests of the command line: flag values, their spellings and their checks.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
)

func TestSecondsFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"5", 5 * time.Second, false},
		{"0.5", 500 * time.Millisecond, false},
		{" 2 ", 2 * time.Second, false},
		{"0", 0, false},
		{"30s", 30 * time.Second, false},
		{"5m", 5 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"-3", -3 * time.Second, false}, // rejected later as negative
		{"abc", 0, true},
		{"5 s", 0, true},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"1e300", 0, true},
	} {
		var d seconds
		err := d.Set(tc.in)
		switch {
		case tc.err && err == nil:
			t.Errorf("%q: accepted as %v, want an error", tc.in, time.Duration(d))
		case tc.err && !strings.Contains(err.Error(), "30s"):
			t.Errorf("%q: error %q does not suggest a duration", tc.in, err)
		case !tc.err && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case !tc.err && time.Duration(d) != tc.want:
			t.Errorf("%q: %v, want %v", tc.in, time.Duration(d), tc.want)
		}
	}
}

func TestMethodSpellings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sparsels.Method
	}{
		{"auto", sparsels.Auto}, {"AUTO", sparsels.Auto},
		{"lm", sparsels.LevenbergMarquardt}, {"LM", sparsels.LevenbergMarquardt},
		{"levenberg-marquardt", sparsels.LevenbergMarquardt},
		{"Levenberg-Marquardt", sparsels.LevenbergMarquardt},
		{"levenberg_marquardt", sparsels.LevenbergMarquardt},
		{"LevenbergMarquardt", sparsels.LevenbergMarquardt},
		{"gn", sparsels.GaussNewtonLineSearch}, {"Gauss-Newton", sparsels.GaussNewtonLineSearch},
		{"GaussNewtonLineSearch", sparsels.GaussNewtonLineSearch},
		{"newton", sparsels.NewtonTrustRegion}, {"Newton", sparsels.NewtonTrustRegion},
		{"newton-trust-region", sparsels.NewtonTrustRegion}, {"NewtonTrustRegion", sparsels.NewtonTrustRegion},
		{"nadam", sparsels.NAdam}, {"NAdam", sparsels.NAdam},
		{"lbfgs", sparsels.LBFGS}, {"L-BFGS", sparsels.LBFGS}, {"LBFGS", sparsels.LBFGS},
		{"qn", sparsels.QuasiNewton}, {"quasi-newton", sparsels.QuasiNewton}, {"QuasiNewton", sparsels.QuasiNewton},
		{"hgn", sparsels.HybridGaussNewton}, {"HGN", sparsels.HybridGaussNewton},
		{"hybrid-gauss-newton", sparsels.HybridGaussNewton}, {"HybridGaussNewton", sparsels.HybridGaussNewton},
	} {
		got, err := parseMethod(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseMethod(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "newtn", "bfgs", "adam", "l-m-x"} {
		if m, err := parseMethod(bad); err == nil {
			t.Errorf("parseMethod(%q) = %v, want an error", bad, m)
		}
	}
	for in, want := range map[string]sparsels.LinearSolver{
		"auto": sparsels.LinearAuto, "Dense": sparsels.LinearDense, "CG": sparsels.LinearCG, "cg": sparsels.LinearCG,
	} {
		if got, err := parseLinear(in); err != nil || got != want {
			t.Errorf("parseLinear(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseLinear("cholesky"); err == nil {
		t.Error(`parseLinear("cholesky") accepted`)
	}
}

// TestAutoMethodHelp checks the rule that the -method help states for auto
// against sparsels.Method.Resolve: newton on at most 1000 free values, qn
// on more.
func TestAutoMethodHelp(t *testing.T) {
	const rule = "auto (newton on at most 1000 free values, the nonzeros of G less one per constraint; qn on more)"
	for _, name := range []string{"solve", "coarsen"} {
		if r := runArgs(name, "-h"); !strings.Contains(r.stdout, rule) {
			t.Errorf("%s -h does not say %q", name, rule)
		}
	}
	for _, tc := range []struct {
		nnz    int
		rowSum bool // one constraint per row of G
		want   sparsels.Method
	}{
		{1000, false, sparsels.NewtonTrustRegion},
		{1001, false, sparsels.QuasiNewton},
		{1001, true, sparsels.NewtonTrustRegion}, // 1001 − 1 free values
		{1002, true, sparsels.QuasiNewton},
	} {
		// G is 1×nnz, full: one row, so row sums are one constraint.
		cols := make([]int, tc.nnz)
		for k := range cols {
			cols[k] = k
		}
		pat, err := sparsels.NewPattern(1, tc.nnz, make([]int, tc.nnz), cols)
		if err != nil {
			t.Fatal(err)
		}
		one := mat.NewDense(1, 1, []float64{1})
		Y := mat.NewDiagDense(tc.nnz, nil)
		B := mat.NewDense(tc.nnz, 1, nil)
		p, err := sparsels.NewProblem(mat.NewDense(tc.nnz, 1, nil), Y, one, B, pat)
		if err != nil {
			t.Fatal(err)
		}
		var cs *sparsels.Constraints
		if tc.rowSum {
			if cs, err = sparsels.RowSumConstraints(pat); err != nil {
				t.Fatal(err)
			}
		}
		if got := sparsels.Auto.Resolve(p, cs); got != tc.want {
			t.Errorf("nnz %d, row sums %v: auto resolves to %v, want %v", tc.nnz, tc.rowSum, got, tc.want)
		}
	}
}

// TestSolveSpellings runs solve with a capitalized method name, a bare
// number of seconds as time limit, and checks that the progress header does
// not depend on whether auto was spelled out.
func TestSolveSpellings(t *testing.T) {
	tp := newTestProblem(t, 5)
	header := func(r result) string {
		for _, line := range strings.Split(r.stderr, "\n") {
			if strings.HasPrefix(line, "iter ") {
				return line
			}
		}
		t.Fatalf("no progress header in\n%v", r)
		return ""
	}
	var headers []string
	for _, extra := range [][]string{
		nil,
		{"-method", "auto"},
		{"-method", "Newton", "-time-limit", "600"},
		{"-method", "NEWTON", "-linear", "Dense", "-time-limit", "900.5"},
	} {
		out := tp.path("G.mtx")
		args := tp.args("solve", tp.G0, append([]string{"-rowsum", "-o", out}, extra...)...)
		r := runArgs(args...)
		if r.code != exitOK {
			t.Fatalf("%q: %v", extra, r)
		}
		headers = append(headers, header(r))
	}
	for k, h := range headers {
		if h != headers[0] || !strings.Contains(h, "radius") {
			t.Errorf("header %d = %q, want %q with the radius column (auto runs newton on this small problem)", k, h, headers[0])
		}
	}
	// A bad duration suggests the right spelling.
	r := runArgs(tp.args("solve", tp.G0, "-o", tp.path("G.mtx"), "-time-limit", "5 min")...)
	if r.code != exitUsage || !strings.Contains(r.stderr, "such as 30s") {
		t.Errorf("-time-limit '5 min': %v", r)
	}
	r = runArgs(tp.args("solve", tp.G0, "-o", tp.path("G.mtx"), "-method", "Adam")...)
	if r.code != exitUsage || !strings.Contains(r.stderr, "unknown method") {
		t.Errorf("-method Adam: %v", r)
	}
}

// TestNegativeFlags: negative numeric flags of every subcommand are
// refused (exit 2, naming the flag), not taken as their defaults.
func TestNegativeFlags(t *testing.T) {
	tp := newTestProblem(t, 4)
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	co := func(extra ...string) []string {
		return append([]string{"coarsen", "-L", lf, "-M", mf, "-m", "6", "-o", filepath.Join(dir, "out")}, extra...)
	}
	for _, test := range []struct {
		args []string
		flag string
	}{
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-max-iter", "-1"), "-max-iter -1"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-time-limit", "-1s"), "-time-limit -1s"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-time-limit", "-2"), "-time-limit -2s"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-lambda", "-1"), "-lambda -1"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-max-dense-bytes", "-1"), "-max-dense-bytes"},
		{tp.args("check", tp.G0, "-random", "-1"), "-random -1"},
		{tp.args("check", tp.G0, "-coords", "-1"), "-coords -1"},
		{tp.args("check", tp.G0, "-tol", "-1"), "-tol -1"},
		{tp.args("check", tp.G0, "-step", "-1"), "-step -1"},
		{tp.args("eval", tp.G0, "-max-dense-bytes", "-5"), "-max-dense-bytes"},
		{co("-max-iter", "-1"), "-max-iter -1"},
		{co("-time-limit", "-5"), "-time-limit -5s"},
		{co("-k", "-1"), "-k -1"},
		{co("-quality-k", "-1"), "-quality-k -1"},
		{co("-m", "-4"), "-m -4"},
		{co("-png-eig", "-3"), "-png-eig -3"},
		{co("-max-dense-bytes", "-1"), "-max-dense-bytes"},
	} {
		r := runArgs(test.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, test.flag) {
			t.Errorf("%v: %v\nwant exit 2 naming %q", test.args[len(test.args)-2:], r, test.flag)
		}
	}
	if _, err := os.Stat(tp.path("o.mtx")); !os.IsNotExist(err) {
		t.Errorf("a refused solve wrote o.mtx")
	}
}

// TestCoarsenArguments: every argument is validated before the
// eigensolve: repeated, negative and out-of-range landmarks, k ≥ n, m > n,
// -png-eig (below the eigenpairs compared), -quality-k ≥ m, -weighting,
// -quality-tol (below 1, not with -no-monitor), -view (two finite
// numbers). Errors name the flag.
func TestCoarsenArguments(t *testing.T) {
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	out := filepath.Join(dir, "out")
	for _, test := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-landmarks", "3,3"}, exitUsage, "-landmarks: vertex 3 is given twice (landmarks 0 and 1)"},
		{[]string{"-landmarks", "2,-1"}, exitUsage, "-landmarks: landmark 1 is -1"},
		{[]string{"-landmarks", "1,2,3,4,5,6,7"}, exitUsage, "-landmarks: 7 landmarks for -m 6"},
		{[]string{"-landmarks", "4,30"}, exitError, "-landmarks: landmark 1 is vertex 30, but " + lf + " has n = 30 vertices"},
		{[]string{"-k", "30"}, exitError, "-k 30: " + lf + " has n = 30 vertices: want k < n"},
		{[]string{"-m", "31"}, exitError, "-m 31: m = 31 coarse vertices, but " + lf + " has n = 30 vertices"},
		{[]string{"-png", "-png-eig", "2"}, exitError, "-png-eig 2: the quality stage compares 2 eigenpairs"},
		{[]string{"-png", "-k", "4", "-quality-k", "3", "-png-eig", "3"}, exitError, "-png-eig 3: the quality stage compares 3 eigenpairs (-quality-k)"},
		{[]string{"-quality-k", "6"}, exitUsage, "-quality-k 6: want fewer eigenpairs compared than -m 6"},
		{[]string{"-weighting", "square"}, exitUsage, `-weighting "square": want root-relative, uniform, relative`},
		{[]string{"-quality-tol", "1"}, exitUsage, "-quality-tol 1: want a fraction below 1"},
		{[]string{"-quality-tol", "nan"}, exitUsage, "-quality-tol"},
		{[]string{"-no-monitor", "-quality-tol", "0.1"}, exitUsage, "-quality-tol 0.1 has no effect with -no-monitor"},
		{[]string{"-png-eig", "-2"}, exitUsage, "-png-eig -2"},
		{[]string{"-view", "nan,nan"}, exitUsage, `-view "nan,nan": "nan" is not a finite number`},
		{[]string{"-view", "1,2,3"}, exitUsage, `-view "1,2,3": want azimuth,elevation`},
		{[]string{"-view", "1"}, exitUsage, `-view "1": want azimuth,elevation`},
	} {
		args := append([]string{"coarsen", "-L", lf, "-M", mf, "-m", "6", "-o", out}, test.args...)
		r := runArgs(args...)
		if r.code != test.code || !strings.Contains(r.stderr, test.want) {
			t.Errorf("%v: %v\nwant exit %d and %q", test.args, r, test.code, test.want)
		}
		if strings.Contains(r.stderr, "s  eigenpairs") {
			t.Errorf("%v: the eigensolve started: %q", test.args, r.stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run left %s", out)
	}
}
