package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"

	"github.com/sparsels/sparsels/internal/runstats"
)

// TestQuickRun runs the program on tiny sizes and checks that every
// selected section produced its table and that the markdown file was
// written. With -short it skips the sections that run dense baselines.
func TestQuickRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.md")
	args := []string{"-quick", "-q", "-sizes", "300,1000", "-e2e", "400", "-e2e-k", "8", "-e2e-cap", "1s", "-reps", "1", "-out", out}
	want := []string{"Scaling: time per call", "Baseline: sparse × dense kernel", "Baseline: gradient against the dense Kronecker formula", "End to end: time to NAdam's best energy", "## Targets"}
	if testing.Short() {
		args = append(args, "-only", "scaling,kernel,kron,e2e")
	} else {
		want = append(want, "Baseline: Gauss-Newton matrix", "Ceilings:", "Goroutines:", "Published size:")
	}
	o, err := parseOptions(args, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := run(context.Background(), o, &buf); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, buf.Bytes()) {
		t.Error("the markdown file differs from the printed report")
	}
	for _, w := range want {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if strings.Contains(buf.String(), "NaN") {
		t.Errorf("report contains NaN:\n%s", buf.String())
	}
}

func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string // empty: valid
	}{
		{args: nil},
		{args: []string{"-quick"}},
		{args: []string{"-sizes", "1e3,1e5", "-threads", "1,2", "-only", "scaling,e2e"}},
		{args: []string{"-sizes", "1e3,1e2"}, err: "not increasing"},
		{args: []string{"-sizes", "10"}, err: "below the minimum"},
		{args: []string{"-sizes", "1.5e3x"}, err: "not an integer"},
		{args: []string{"-reps", "-1"}, err: "at least 1"},
		{args: []string{"-only", "nope"}, err: "unknown section"},
		{args: []string{"-e2e-k", "1"}, err: "at least 2"},
		{args: []string{"-e2e-cap", "-1s"}, err: "positive"},
		{args: []string{"extra"}, err: "unexpected arguments"},
	} {
		o, err := parseOptions(tc.args, new(bytes.Buffer))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.err)
		case tc.err == "" && (len(o.sizes) == 0 || o.reps < 1 || len(o.e2e) == 0):
			t.Errorf("%q: incomplete options %+v", tc.args, o)
		}
	}
	o, _ := parseOptions([]string{"-quick"}, new(bytes.Buffer))
	if o.reps != 3 || o.e2eCap != 8*time.Second || o.sizes[len(o.sizes)-1] != 30000 {
		t.Errorf("-quick defaults: reps %d, cap %v, sizes %v", o.reps, o.e2eCap, o.sizes)
	}
}

// TestKroneckerGradient checks the dense Kronecker baseline against the
// library's gradient, which reference_test.go checks against finite
// differences.
func TestKroneckerGradient(t *testing.T) {
	for _, sz := range []struct{ n, m, c int }{{20, 4, 3}, {40, 6, 5}} {
		inst := testprob.Coarsening(sz.n, sz.m, sz.c, false, 3)
		pat, err := sparsels.NewPattern(sz.n, sz.m, inst.I, inst.J)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
		if err != nil {
			t.Fatal(err)
		}
		want := p.Gradient(nil, inst.G)
		got := kroneckerGradient(inst, sz.n, sz.m, inst.G)
		if d := maxAbsDiff(got, want); d > 1e-12 {
			t.Errorf("n %d: Kronecker gradient differs by %.3g relative", sz.n, d)
		}
	}
}

func TestSlopeAndMedian(t *testing.T) {
	x := []float64{1e3, 1e4, 1e5}
	y := []float64{2e-3, 2e-3 * math.Pow(10, 1.2), 2e-3 * math.Pow(100, 1.2)}
	if s := runstats.Slope(x, y); math.Abs(s-1.2) > 1e-12 {
		t.Errorf("slope %v, want 1.2", s)
	}
	if s := runstats.Slope(x[:1], y[:1]); !math.IsNaN(s) {
		t.Errorf("slope of one point %v, want NaN", s)
	}
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{{[]time.Duration{5, 1, 3}, 3}, {[]time.Duration{4, 1, 3, 2}, 2}, {[]time.Duration{7}, 7}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
