// Command coarsen runs spectral coarsening (Liu, Jacobson and Ovsjanikov,
// "Spectral Coarsening of Geometric Operators", ACM TOG 38(4), 2019) of a
// triangle mesh end to end with package coarsen, and compares sparsels'
// solvers with the published optimizer (NAdam) and gonum's LBFGS on the
// same problem in the same process.
//
// Usage:
//
//	go run ./examples/coarsen [-mesh file.obj|.off|.ply] [-m 500] [-k 100] [-method auto]
//	                          [-seed 1] [-out coarsen-out] [-compare=true] [-bound]
//	                          [-time-limit 8s] [-compare-time 8s]
//
// Without -mesh it coarsens Spot, embedded in the program. The pipeline is
// one call to coarsen.Spectral: read the mesh and scale it to unit area;
// build the cotangent Laplacian L and the Voronoi mass M; the k smallest
// eigenpairs of (L, M); m clusters by graph k-medoids; the published
// problem; minimize ‖X − Y GᵀLG B‖²_F with every row of G summing to 1 from
// G = Kᵀ; and the quality of the coarse pencil (GᵀLG, Mc): eigenvalue errors
// and the off-diagonal energy of the functional map, before and after. With
// -compare it then runs the other methods on the same problem, each for the
// same time as the main solve (NAdam with the published step rule, up to
// 5000 iterations where the published code stops at 1000). With
// -bound it also computes the certified lower bound on E and every method's
// gap to it. It writes
// G.mtx, Lc.mtx, convergence.png, eigenvalues.png and summary.json into -out.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mesh"
)

// spotOBJ is testdata/spot.obj (Keenan Crane's Spot, CC0), gzipped.
//
//go:embed spot.obj.gz
var spotOBJ []byte

type options struct {
	mesh        string // "" for the embedded Spot
	m, k        int
	method      string
	seed        uint64
	out         string
	compare     bool
	bound       bool
	nadamIters  int
	maxIter     int
	ftol        float64
	timeLimit   time.Duration
	compareTime time.Duration
	quiet       bool
	writeOutput bool
}

// flags registers the options on fs.
func (o *options) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.mesh, "mesh", "", "triangle mesh `file` (OBJ, OFF or PLY); default: Spot, embedded")
	fs.IntVar(&o.m, "m", 500, "number of coarse vertices")
	fs.IntVar(&o.k, "k", 100, "number of eigenvectors")
	fs.StringVar(&o.method, "method", "auto", "sparsels `method`: auto (the library's default, qn), qn, hgn, lm, gn, newton, nadam or lbfgs")
	fs.Uint64Var(&o.seed, "seed", 1, "clustering seed")
	fs.StringVar(&o.out, "out", "coarsen-out", "output `directory`")
	fs.BoolVar(&o.compare, "compare", true, "also run, on the same problem, lm and newton (whichever -method did not run), NAdam as published and gonum's LBFGS")
	fs.IntVar(&o.nadamIters, "nadam-iters", 5000, "iteration limit of NAdam and LBFGS (the published NAdam loop stops at 1000)")
	fs.IntVar(&o.maxIter, "max-iter", 0, "iteration limit of the methods other than NAdam and LBFGS (0: the library's default)")
	fs.Float64Var(&o.ftol, "ftol", 0, "relative function tolerance of the methods other than NAdam and LBFGS (0: the library's default, 1e-10)")
	fs.DurationVar(&o.timeLimit, "time-limit", 8*time.Second, "time limit of the main solve (0: none)")
	fs.BoolVar(&o.bound, "bound", false, "after the main solve, compute the certified lower bound on E (sparsels.LowerBound, 10–20 s on Spot) and show every method's gap to it")
	fs.DurationVar(&o.compareTime, "compare-time", 8*time.Second, "time limit of each comparison run except NAdam's (0: none)")
	fs.BoolVar(&o.quiet, "q", false, "no progress output")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// cli parses args, runs the pipeline and returns the exit status: 0 on
// success and for -h, 1 on an error, 2 on a bad command line.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer, live bool) int {
	var o options
	fs := flag.NewFlagSet("coarsen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.flags(fs)
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: go run ./examples/coarsen [flags]\n\nSpectral coarsening of a mesh (default: Spot) with sparsels, against NAdam and LBFGS.\n\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "coarsen: %v\n", err)
		usage(stderr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "coarsen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o.writeOutput = true
	var progress io.Writer = stderr
	if o.quiet {
		progress = io.Discard
	}
	if _, err := run(ctx, o, stdout, &progressWriter{w: progress, live: live}); err != nil {
		fmt.Fprintln(stderr, "coarsen:", err)
		return 1
	}
	return 0
}

// isTerminal reports whether f is a character device (a terminal), where
// progress may be rewritten in place with carriage returns.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// readMesh reads the mesh of -mesh, or the embedded Spot, and scales it to
// unit area. A vertex in no triangle is an error naming it and the file.
func readMesh(ctx context.Context, path string) (*mesh.Mesh, string, error) {
	var msh *mesh.Mesh
	var err error
	name := path
	if path == "" {
		name = "spot.obj (embedded)"
		zr, zerr := gzip.NewReader(bytes.NewReader(spotOBJ))
		if zerr != nil {
			return nil, "", fmt.Errorf("%s: %w", name, zerr)
		}
		msh, err = mesh.ReadOBJ(ctx, zr, name)
	} else {
		msh, err = mesh.ReadFile(ctx, path)
	}
	if err != nil {
		return nil, "", err
	}
	if u := msh.Unreferenced(); len(u) > 0 {
		return nil, "", fmt.Errorf("%s: vertex %d (the %d-th vertex record) is in no triangle of positive area, so it has no mass; %d such vertices in all: remove them",
			name, u[0], u[0]+1, len(u))
	}
	if err := msh.Normalize(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	return msh, name, nil
}

// run executes the pipeline and writes its report to w and its progress to
// progress.
func run(ctx context.Context, o options, w io.Writer, progress *progressWriter) (*summary, error) {
	method, err := sparsels.ParseMethod(o.method)
	if err != nil {
		return nil, err
	}
	msh, name, err := readMesh(ctx, o.mesh)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "sparsels spectral coarsening: %s, m = %d, k = %d, GOMAXPROCS = %d\n", filepath.Base(name), o.m, o.k, runtime.GOMAXPROCS(0))
	inst, err := coarsenMesh(ctx, msh, name, method, o, progress)
	if err != nil {
		return nil, err
	}
	sum := inst.summary
	fmt.Fprintf(w, "mesh: %d vertices, %d faces; eigenpairs: %v; clustering and set-up: %v\n",
		sum.N, sum.Faces, sum.EigTime.Round(time.Millisecond), sum.SetupTime.Round(time.Millisecond))
	fmt.Fprintf(w, "problem: G %d×%d with %d nonzeros (%.2f per row), X %d×%d, E(Kᵀ) = %.6g\n\n",
		sum.N, sum.M, sum.NNZ, float64(sum.NNZ)/float64(sum.N), sum.M, sum.K, sum.InitialEnergy)

	results := []*sparsels.Result{inst.res.Solve}
	if o.compare {
		for _, m := range []sparsels.Method{sparsels.LevenbergMarquardt, sparsels.NewtonTrustRegion, sparsels.NAdam, sparsels.LBFGS} {
			if m == inst.res.Solve.Method {
				continue
			}
			res, err := inst.solve(ctx, m, o, progress)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", m, err)
			}
			results = append(results, res)
		}
	}
	sum.addRuns(results)
	printTable(w, sum)
	if err := inst.spectrum(); err != nil {
		return nil, err
	}
	printSpectrum(w, sum)
	if o.writeOutput {
		if err := inst.write(o.out); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "\nwrote %s\n", filepath.Join(o.out, "{G.mtx, Lc.mtx, convergence.png, eigenvalues.png, summary.json}"))
	}
	return sum, nil
}
