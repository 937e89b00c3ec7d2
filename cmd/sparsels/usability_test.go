package main

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"
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

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		r := runArgs(args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "sparsels ") || r.stderr != "" {
			t.Errorf("%q: %v", args, r)
		}
	}
	if r := runArgs("version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: %v", r)
	}
	if r := runArgs("help"); !strings.Contains(r.stdout, "version ") {
		t.Errorf("help does not list version:\n%v", r)
	}

	bi := func(version string, kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{GoVersion: "go1.25.0", Main: debug.Module{Path: "github.com/sparsels/sparsels", Version: version}}
		for i := 0; i+1 < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	for _, tc := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{bi("v1.2.0", "GOOS", "linux", "GOARCH", "amd64"), true, "sparsels v1.2.0 (no VCS revision recorded) go1.25.0 linux/amd64"},
		{bi("(devel)", "vcs", "git", "vcs.revision", "3f1c2a9d7b4e5f60718293a4b5c6d7e8f9012345", "vcs.time", "2026-11-30T12:00:00Z", "vcs.modified", "true", "GOOS", "linux", "GOARCH", "arm64"),
			true, "sparsels (devel) (git 3f1c2a9d7b4e, 2026-11-30T12:00:00Z, modified) go1.25.0 linux/arm64"},
		{bi("", "vcs", "git", "vcs.revision", "abc", "vcs.modified", "false"), true, "sparsels (devel) (git abc) go1.25.0"},
		{nil, false, "sparsels: no build information in this binary"},
	} {
		if got := versionLine(tc.info, tc.ok); got != tc.want {
			t.Errorf("versionLine = %q, want %q", got, tc.want)
		}
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
