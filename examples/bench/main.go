// Command bench measures sparsels on coarsening-shaped problems and writes
// the tables of BENCHMARKS.md.
//
// Usage:
//
//	go run ./examples/bench [-quick] [-sizes 1e3,3e3,...,1e6] [-reps 5] [-threads 1,2]
//	                        [-e2e 2000,6000,20000] [-e2e-cap 40s] [-only scaling,...]
//	                        [-out BENCHMARKS-run.md]
//
// The sections, all measured in the same process:
//
//   - scaling: time and bytes allocated per Residual, EnergyGradient, J·x,
//     Jᵀ·w, JᵀJ·x, Hessian·x and per matrix-free LM and Newton iteration on
//     testprob.Coarsening problems with nnz(G) from the -sizes list (7
//     nonzeros per row of G and L, m = n/12, c = 64, diagonal Y), the fitted
//     log-log slope of each against nnz(G), and the peak resident memory;
//   - kernel: sparsels.MulSparseDense against james-bowman/sparse's
//     MulMatMat and gonum's mat.Dense.Mul on L·X;
//   - gn: Problem.GaussNewton against Problem.Jacobian followed by JᵀJ with
//     gonum's SymOuterK (BLAS Dsyrk);
//   - kron: Problem.Gradient against the dense Kronecker-product formula of
//     the literature;
//   - ceiling: achieved GFLOP/s and GB/s of the gather kernel against a gonum
//     Dgemm and a memory copy on the same machine;
//   - threads: WithThreads(1) against WithThreads(2) on the largest sizes;
//   - published: EnergyGradient and one preconditioned CG step at the size of
//     the published spectral-coarsening benchmark (n = 6172, m = 500, c = 100);
//   - e2e: time to a target energy for Newton, LM, NAdam (published settings)
//     and LBFGS on the published spectral-coarsening problem built on
//     generated grid meshes of growing size; the target is NAdam's best;
//   - tail: every method for -tail-time on Spot, on grid meshes of about
//     6000 and 12000 vertices and on the icosphere of 10242 vertices with
//     the convergence tests off; the times to within 1e-2, 1e-3 and 1e-4 of
//     the best energy any method found, the default against gonum LBFGS and
//     NAdam, and HybridGaussNewton and the Gauss-Newton family against both;
//   - pair: QuasiNewton and HybridGaussNewton on the tail problems in
//     alternating runs, the order swapped every round, so that a change in
//     the machine's speed falls on both; medians over the rounds.
//
// Times are medians over -reps repetitions after a warm-up, each repetition
// running the operation enough times to last at least 20 ms (5 ms with
// -quick). The program prints the tables and writes them as markdown to -out.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// options are the command-line settings of a run.
type options struct {
	quick    bool
	sizes    []int // nnz(G) of the scaling series
	reps     int
	threads  []int // goroutine counts compared in the threads section
	e2e      []int // approximate vertex counts of the end-to-end meshes
	e2eCap   time.Duration
	e2eK     int
	tailTime time.Duration // time of each method in the tail section
	tailMesh string        // the Spot mesh of the tail section
	// tailExtend reruns gonum LBFGS for up to 5x the default's time when it
	// did not come within 1e-3 of the best in tailTime.
	tailExtend bool
	pairTime   time.Duration // time of each run in the pair section
	pairReps   int           // rounds of the pair section
	only       map[string]bool
	out        string
	minRep     time.Duration // least duration of one timed repetition
	seed       uint64
	verbose    io.Writer // progress lines; nil for none
}

// sections lists the sections in the order they run.
var sections = []string{"scaling", "kernel", "gn", "kron", "ceiling", "threads", "published", "e2e", "tail", "pair"}

func (o *options) want(s string) bool { return len(o.only) == 0 || o.only[s] }

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseOptions parses the command line; -quick changes the defaults of the
// flags that are not given.
func parseOptions(args []string, errw io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errw)
	quick := fs.Bool("quick", false, "small sizes and few repetitions (about 2 minutes)")
	sizes := fs.String("sizes", "", "nnz(G) of the scaling series (default 1e3,3e3,1e4,3e4,1e5,3e5,1e6; -quick 1e3,3e3,1e4,3e4)")
	reps := fs.Int("reps", 0, "repetitions per timing; the median is reported (default 5; -quick 3)")
	threads := fs.String("threads", "1,2", "goroutine counts compared on the largest sizes")
	e2e := fs.String("e2e", "", "approximate vertex counts of the end-to-end grid meshes (default 2000,6000,20000; -quick 2000)")
	e2eCap := fs.Duration("e2e-cap", 0, "time limit of each end-to-end solve (default 40s; -quick 8s)")
	e2eK := fs.Int("e2e-k", 100, "eigenvectors (columns of X and B) of the end-to-end problems")
	tailTime := fs.Duration("tail-time", 0, "time of each method in the tail section (default 60s; -quick 5s)")
	tailMesh := fs.String("tail-mesh", "testdata/spot.obj", "the Spot mesh of the tail section")
	tailExtend := fs.Bool("tail-extend", true, "in the tail section, rerun gonum LBFGS for up to 5x the default's time to 1e-3 of the best when it did not get there in -tail-time (off with -quick)")
	pairTime := fs.Duration("pair-time", 0, "time of each run in the pair section (default 30s; -quick 3s)")
	pairReps := fs.Int("pair-reps", 3, "rounds of the pair section")
	only := fs.String("only", "", "comma-separated sections to run: "+strings.Join(sections, ","))
	out := fs.String("out", "BENCHMARKS-run.md", "markdown output file (empty: none)")
	seed := fs.Uint64("seed", 1, "seed of the generated problems")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := &options{quick: *quick, out: *out, seed: *seed, e2eK: *e2eK, tailTime: *tailTime, tailMesh: *tailMesh, tailExtend: *tailExtend && !*quick}
	o.pairTime, o.pairReps = *pairTime, *pairReps
	if o.pairTime == 0 {
		o.pairTime = 30 * time.Second
		if o.quick {
			o.pairTime = 3 * time.Second
		}
	}
	if o.pairReps < 1 {
		return nil, fmt.Errorf("-pair-reps %d: want at least 1", o.pairReps)
	}
	if o.tailTime == 0 {
		o.tailTime = 60 * time.Second
		if o.quick {
			o.tailTime = 5 * time.Second
		}
	}
	if !*quiet {
		o.verbose = errw
	}
	defSizes, defE2E, defReps, defCap := "1e3,3e3,1e4,3e4,1e5,3e5,1e6", "2000,6000,20000", 5, 40*time.Second
	o.minRep = 20 * time.Millisecond
	if o.quick {
		defSizes, defE2E, defReps, defCap = "1e3,3e3,1e4,3e4", "2000", 3, 8*time.Second
		o.minRep = 5 * time.Millisecond
	}
	var err error
	if *sizes == "" {
		*sizes = defSizes
	}
	if o.sizes, err = parseInts(*sizes, "-sizes", 100); err != nil {
		return nil, err
	}
	if *e2e == "" {
		*e2e = defE2E
	}
	if o.e2e, err = parseInts(*e2e, "-e2e", 200); err != nil {
		return nil, err
	}
	if o.threads, err = parseInts(*threads, "-threads", 1); err != nil {
		return nil, err
	}
	o.reps = *reps
	if o.reps == 0 {
		o.reps = defReps
	}
	if o.reps < 1 {
		return nil, fmt.Errorf("-reps %d: want at least 1", o.reps)
	}
	o.e2eCap = *e2eCap
	if o.e2eCap == 0 {
		o.e2eCap = defCap
	}
	if o.e2eCap < 0 {
		return nil, fmt.Errorf("-e2e-cap %v: want a positive duration", o.e2eCap)
	}
	if o.e2eK < 2 {
		return nil, fmt.Errorf("-e2e-k %d: want at least 2", o.e2eK)
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			s = strings.TrimSpace(s)
			ok := false
			for _, t := range sections {
				ok = ok || s == t
			}
			if !ok {
				return nil, fmt.Errorf("-only: unknown section %q (have %s)", s, strings.Join(sections, ","))
			}
			o.only[s] = true
		}
	}
	return o, nil
}

// parseInts parses a comma-separated list of integers, allowing the forms
// 1e4 and 10000, each at least min, in increasing order.
func parseInts(s, flagName string, min int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v != float64(int(v)) || v > 1e9 {
			return nil, fmt.Errorf("%s: %q is not an integer", flagName, f)
		}
		if int(v) < min {
			return nil, fmt.Errorf("%s: %d is below the minimum %d", flagName, int(v), min)
		}
		if len(out) > 0 && int(v) <= out[len(out)-1] {
			return nil, fmt.Errorf("%s: %q is not increasing", flagName, s)
		}
		out = append(out, int(v))
	}
	return out, nil
}

// logf writes a progress line.
func (o *options) logf(format string, args ...any) {
	if o.verbose != nil {
		fmt.Fprintf(o.verbose, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
}

// run runs the selected sections, prints their tables to w and writes the
// markdown file.
func run(ctx context.Context, o *options, w io.Writer) error {
	rep := newReport(o)
	steps := []struct {
		name string
		fn   func(context.Context, *options, *report) error
	}{
		{"scaling", runScaling},
		{"kernel", runKernel},
		{"gn", runGaussNewton},
		{"kron", runKronecker},
		{"ceiling", runCeiling},
		{"threads", runThreads},
		{"published", runPublished},
		{"e2e", runEndToEnd},
		{"tail", runTail},
		{"pair", runPair},
	}
	for _, st := range steps {
		if !o.want(st.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		o.logf("section %s", st.name)
		if err := st.fn(ctx, o, rep); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
	}
	rep.finish()
	if _, err := io.WriteString(w, rep.markdown()); err != nil {
		return err
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(rep.markdown()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
