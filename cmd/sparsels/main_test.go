package main

// Tests of the command as a whole: its help and its exit statuses.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

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
		// An interrupt before any iterate stops at once and writes nothing:
		// the unsolved G0 is not the "best G".
		r := runArgsContext(ctx, solve(tp.G0, "-rowsum")...)
		if r.code != exitStopped || !strings.Contains(r.stderr, "interrupted") || !strings.Contains(r.stderr, "nothing was written") {
			t.Fatalf("want exit 3 with an interrupted run, got %v", r)
		}
		if _, err := os.Stat(tp.path("out.mtx")); !os.IsNotExist(err) {
			t.Errorf("out.mtx written by a run interrupted before its first iteration")
		}
	})
}
