// Command coarsen runs spectral coarsening (Liu, Jacobson and Ovsjanikov,
// "Spectral Coarsening of Geometric Operators", ACM TOG 38(4), 2019) of a
// triangle mesh end to end with sparsels, and compares sparsels' solvers with
// the published optimizer (NAdam) and gonum's LBFGS in the same process.
//
// Usage:
//
//	go run ./examples/coarsen [-mesh testdata/spot.obj] [-m 500] [-k 100] [-method auto]
//	                          [-seed 1] [-out coarsen-out] [-compare=true]
//
// The pipeline: read the mesh and scale it to unit area; build the cotangent
// Laplacian L and the Voronoi mass M; compute the k smallest eigenpairs of
// (L, M) with a sparse shift-invert Krylov-Schur solver; cluster the vertices
// into m clusters (graph k-medoids); build the pattern of G, X, Y (diagonal)
// and B as published; minimize ‖X − Y GᵀLG B‖²_F with every row of G
// summing to 1, starting from G = Kᵀ; compare the coarse spectrum of
// (GᵀLG, Mc) with the fine one before and after. It writes G.mtx, Lc.mtx,
// convergence.png, eigenvalues.png and summary.json into -out.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"time"

	"github.com/sparsels/sparsels"
)

type options struct {
	mesh        string
	m, k        int
	method      string
	seed        uint64
	out         string
	compare     bool
	nadamIters  int
	maxIter     int
	ftol        float64
	timeLimit   time.Duration
	compareTime time.Duration
	quiet       bool
	writeOutput bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("coarsen", flag.ContinueOnError)
	fs.StringVar(&o.mesh, "mesh", defaultMesh(), "triangle mesh (OBJ or OFF)")
	fs.IntVar(&o.m, "m", 500, "number of coarse vertices")
	fs.IntVar(&o.k, "k", 100, "number of eigenvectors")
	fs.StringVar(&o.method, "method", "auto", "sparsels method: auto (lm when r·c ≥ free values, else newton), lm, gn, newton, nadam or lbfgs")
	fs.Uint64Var(&o.seed, "seed", 1, "clustering seed")
	fs.StringVar(&o.out, "out", "coarsen-out", "output directory")
	fs.BoolVar(&o.compare, "compare", true, "also run Newton, NAdam (as published) and gonum LBFGS for comparison")
	fs.IntVar(&o.nadamIters, "nadam-iters", 5000, "iteration limit of NAdam and LBFGS (published: 5000)")
	fs.IntVar(&o.maxIter, "max-iter", 100, "iteration limit of the second-order methods")
	fs.Float64Var(&o.ftol, "ftol", 1e-6, "relative function tolerance of the second-order methods")
	fs.DurationVar(&o.timeLimit, "time-limit", 0, "time limit of the main solve (0: none)")
	fs.DurationVar(&o.compareTime, "compare-time", 8*time.Second, "time limit of each comparison run except NAdam's (0: none)")
	fs.BoolVar(&o.quiet, "q", false, "no progress line")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	o.writeOutput = true
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coarsen:", err)
		os.Exit(1)
	}
}

// defaultMesh finds testdata/spot.obj from the repository root or from this
// directory.
func defaultMesh() string {
	for _, p := range []string{"testdata/spot.obj", "../../testdata/spot.obj"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "testdata/spot.obj"
}

// run executes the pipeline and writes its report to w and its progress to
// progress.
func run(ctx context.Context, o options, w, progress io.Writer) (*summary, error) {
	method, err := sparsels.ParseMethod(o.method)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "sparsels spectral coarsening: %s, m = %d, k = %d, GOMAXPROCS = %d\n", filepath.Base(o.mesh), o.m, o.k, runtime.GOMAXPROCS(0))
	inst, err := setup(o)
	if err != nil {
		return nil, err
	}
	sum := inst.summary
	fmt.Fprintf(w, "mesh: %d vertices, %d faces; eigenpairs: %v; clustering and set-up: %v\n",
		sum.N, sum.Faces, sum.EigTime.Round(time.Millisecond), sum.SetupTime.Round(time.Millisecond))
	fmt.Fprintf(w, "problem: G %d×%d with %d nonzeros (%.2f per row), X %d×%d, E(Kᵀ) = %.6g\n\n",
		sum.N, sum.M, sum.NNZ, float64(sum.NNZ)/float64(sum.N), sum.M, sum.K, sum.InitialEnergy)

	first, err := inst.solve(ctx, method, o, progress, !o.quiet)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", method, err)
	}
	results := []*sparsels.Result{first}
	if o.compare {
		for _, m := range []sparsels.Method{sparsels.LevenbergMarquardt, sparsels.NewtonTrustRegion, sparsels.NAdam, sparsels.LBFGS} {
			if m == first.Method {
				continue
			}
			oc := o
			oc.timeLimit = o.compareTime
			if m == sparsels.NAdam {
				oc.timeLimit = 0 // the published baseline runs its full course
			}
			res, err := inst.solve(ctx, m, oc, progress, false)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", m, err)
			}
			results = append(results, res)
		}
	}
	sum.addRuns(results)
	printTable(w, sum)

	if err := inst.spectrum(results[0].G); err != nil {
		return nil, err
	}
	printSpectrum(w, sum)
	if o.writeOutput {
		if err := inst.write(o.out, results); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "\nwrote %s\n", filepath.Join(o.out, "{G.mtx, Lc.mtx, convergence.png, eigenvalues.png, summary.json}"))
	}
	return sum, nil
}
