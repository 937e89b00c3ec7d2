package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/internal/bytesize"
	"github.com/sparsels/sparsels/internal/render"
	"github.com/sparsels/sparsels/mesh"
	"github.com/sparsels/sparsels/mtx"
)

var coarsenCommand = &command{
	name:     "coarsen",
	synopsis: "spectral coarsening of a mesh or of (L, M): write the problem, G, Lc and Mc",
	usage: `sparsels coarsen -mesh mesh.obj|.off|.ply -m M -o dir [-k K] [-quality-k Q] [-landmarks i,j,…] [-seed s]
                 [-weighting root-relative|uniform|relative] [-quality-tol t] [-no-monitor]
                 [-mass voronoi|barycentric] [-normalize=true] [-png] [-view azimuth,elevation]
                 [-method auto|qn|hgn|lm|gn|newton|nadam|lbfgs] [-max-iter N] [-ftol f] [-gtol g] [-time-limit d] [-q]
sparsels coarsen -L L.mtx -M M.mtx -m M -o dir [same flags]`,
	help: `
Coarsen runs the spectral coarsening of Liu, Jacobson and Ovsjanikov (2019),
as the published algebraicCoarsening, under a quality monitor: the smallest
eigenpairs of L u = λ M u, m roots and clusters by graph k-medoids, the
problem minimize ‖X − Y Gᵀ L G B‖²_F for the first k eigenvectors (-k, 0
for round(m/3), as published, but at most 200 and at most
max(2·10⁷/n, 110) on large operators), their columns weighted (-weighting), with
every row of G summing to 1 from G0 = Kᵀ smoothed by -smoothing damped
Jacobi steps (0 for ⌊√(n/m)/2⌋, none for clusters of fewer than 9
vertices), and the coarse pencil
(Lc, Mc) = (Gᵀ L G, K M Kᵀ).

-weighting root-relative (the default) weighs eigenvector j by
sqrt(λ_k/λ_j), between the published uniform energy (-weighting uniform),
which keeps the eigenvectors, and relative (λ_k/λ_j), which keeps the low
eigenvalues.

The quality monitor compares the first -quality-k eigenpairs (0 for
min(100, k, m−1)) of (Lc, Mc) with those of (L, M) at the start and after
100, 200, 400, … iterations, keeps the best G (fewest spurious coarse
eigenpairs, then the smallest score, the geometric mean of the mean and
largest eigenvalue error and the off-diagonal energy of the functional
map), and stops the minimization when doubling the iterations improved
that score by less than -quality-tol (0 for 1/2; negative: never stop on
quality, the best G checked is still kept), when spurious pairs appeared,
or before a doubling that would take the minimization past -solve-share
times the time of the stages before it, or 30 s if that is more (0 for 1;
negative: no time rule). The energy fits only k vectors, and a longer minimization can
pull spurious eigenvalues below them. -no-monitor runs the published loop:
G is the solver's last iterate and only the solver's limits (-max-iter,
-ftol, -gtol, -time-limit) end the run.

The operator is the cotangent Laplacian and lumped mass of -mesh (scaled
to unit area unless -normalize=false), or any symmetric positive
semi-definite -L with positive diagonal masses -M (a graph Laplacian, …):
M.mtx is an n×n diagonal coordinate file or an n×1 array.

It writes into -o: L.mtx, M.mtx (diagonal), X.mtx, Y.mtx (diagonal; X and
B with the weighted columns), B.mtx, G0.mtx (the start, whose entry order
is the pattern order), pattern.mtx (a pattern file of the same entries),
G.mtx (same order; the G kept, its comment saying its energy, iteration and
why the run ended), Lc.mtx, Mc.mtx (diagonal), C.mtx (the functional map of
the -quality-k eigenpairs compared), roots.txt and clusters.txt (0-based
vertex and cluster indices, one per line), and summary.json (sizes, k and
quality-k, weighting and weights, solver status, the kept iteration and
why the monitor stopped, energies, fine and coarse eigenvalues, eigenvalue
errors, off-diagonal energy of C, spurious pairs, every check of the
monitor, times of the stages). With -png it also draws fmap.png (|C|) and,
with a mesh, roots.png and eigenfunction.png (fine eigenvector -png-eig
beside the coarse one).

The outputs are checked before any input is read, as solve's: one that is
an input (-mesh, -L or -M, by name or as the same file) is a command-line
error; a -o that is not a directory, or an output that exists but is not a
regular file (a symbolic link, a named pipe, …), is an error. -o is created
if missing (and removed again if the run fails). Every file is written to a
temporary file and all are renamed into place together at the end, so each
exit status writes all of them or none.

-L and -M are read as solve reads its files, under -max-dense-bytes
(repeated entries are summed while reading). Then the arguments that depend
on n are checked (m ≤ n, k < n, landmarks below n, -png-eig below the
eigenpairs compared), and the memory of the whole run (eigensolver for
max(k, quality-k) eigenpairs, clustering, set-up, solve, the monitor's
coarse eigensolves) is estimated and refused over -max-dense-bytes, all
before the eigensolve.

The problem files are those of sparsels solve: running
  sparsels solve -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G0.mtx -rowsum -o G.mtx
with the same solver flags reproduces G.mtx and its energy for a run with
-no-monitor, and with -max-iter set to the kept iteration (kept_iteration
in summary.json, when above 0) for a run with the monitor.

Landmarks are 0-based vertex indices that must be roots. Progress goes to
stderr: a line per stage, a row per check of the monitor (time, iteration,
energy, mean and largest eigenvalue error, off-diagonal energy, spurious
pairs, "best" for the best G so far) and, between checks, the energy at
most every 5 s; -q prints only errors.

Exit status: 0 when the quality monitor stopped the minimization (the
default way to finish) or the minimization converged, everything written;
3 when it stopped otherwise (iteration or time limit), everything written
all the same; 3 on an interrupt (Ctrl-C or SIGTERM): before the solve,
nothing is written; during the solve, the best G found and the files that
follow from it are written (with the monitor, C.mtx and the pictures from
the best check; with -no-monitor, not C.mtx and the pictures of the
quality stage, which did not run), as said on stderr; during the writes,
they are completed and everything is written. A second interrupt ends the
process at once (status 130), removing the temporary files and writing
nothing. 1 on bad data, over the memory budget, or a refused or failed
write, with nothing written; 2 on a bad command line, with nothing
written.
`,
	args: func() args { return &coarsenArgs{} },
}

// coarsenArgs are the flags of sparsels coarsen.
type coarsenArgs struct {
	meshFile, L, M, out   string
	m, k, pngEig          int
	qualityK, smoothing   int
	landmarks, massKind   string
	view                  string
	weighting             string
	seed                  uint64
	normalize, png, quiet bool
	bound, noMonitor      bool
	solver                solverFlags
	qualityTol            finiteFloat
	solveShare            finiteFloat
	maxDense              byteSize
}

func (a *coarsenArgs) register(fs *flag.FlagSet) {
	fs.StringVar(&a.meshFile, "mesh", "", "triangle mesh `file` (.obj, .off or .ply)")
	fs.StringVar(&a.L, "L", "", "Matrix Market `file` of the n×n operator L (instead of -mesh)")
	fs.StringVar(&a.M, "M", "", "Matrix Market `file` of the n masses: diagonal n×n or n×1 (with -L)")
	fs.IntVar(&a.m, "m", 0, "number of coarse vertices (required)")
	fs.IntVar(&a.k, "k", 0, "number of eigenvectors G is fitted to (0: round(m/3), as published, at most 200 and on large operators max(2·10⁷/n, 110))")
	fs.IntVar(&a.smoothing, "smoothing", 0, "damped Jacobi steps smoothing the start G0 = Kᵀ on the pattern (0: ⌊√(n/m)/2⌋, none for clusters of fewer than 9 vertices; negative: none, the published start)")
	fs.IntVar(&a.qualityK, "quality-k", 0, "number of eigenpairs compared by the quality monitor, C.mtx and summary.json (0: min(100, k, m−1))")
	fs.StringVar(&a.weighting, "weighting", "root-relative", "`weights` of the fitted eigenvectors: root-relative (sqrt(λ_k/λ_j)), uniform (the published energy) or relative (λ_k/λ_j)")
	fs.Var(&a.solveShare, "solve-share", "stop the minimization before a doubling of its iterations would take it past this `multiple` of the time of the stages before it, or 30 s if that is more (0: 1; negative: no time rule)")
	fs.Var(&a.qualityTol, "quality-tol", "stop the minimization when doubling its iterations improved the quality score by less than this `fraction` (0: 1/2; negative: never stop on quality, still keep the best G checked)")
	fs.BoolVar(&a.noMonitor, "no-monitor", false, "no quality monitor: G is the solver's last iterate and only the solver's limits end the run, as published")
	fs.StringVar(&a.landmarks, "landmarks", "", "comma-separated 0-based `vertices` that must be roots")
	fs.Uint64Var(&a.seed, "seed", 0, "clustering seed")
	fs.StringVar(&a.massKind, "mass", "voronoi", "lumped mass of -mesh: voronoi or barycentric")
	fs.BoolVar(&a.normalize, "normalize", true, "scale -mesh to unit surface area, as published")
	fs.StringVar(&a.out, "o", "", "output `directory` (required; created if missing)")
	fs.BoolVar(&a.png, "png", false, "also draw roots.png, eigenfunction.png (with -mesh) and fmap.png")
	fs.IntVar(&a.pngEig, "png-eig", -1, "eigenvector drawn in eigenfunction.png (-1: among 4..11, the one best kept, largest |C[j,j]|)")
	fs.StringVar(&a.view, "view", "120,15", "`azimuth,elevation` in degrees of the mesh pictures")
	a.solver.register(fs, false)
	a.maxDense.register(fs)
	fs.BoolVar(&a.quiet, "q", false, "quiet: print only errors")
	fs.BoolVar(&a.bound, "bound", false, "after the solve, compute the certified lower bound on E and report the optimality gap (summary.json: lower_bound, gap, relative_gap)")
}

// coarsenInput is the operator to coarsen and where it came from.
type coarsenInput struct {
	msh    *mesh.Mesh // nil for -L/-M
	L      *sparse.CSR
	mass   []float64
	desc   string
	source string // the file of -mesh or -L
}

func (a *coarsenArgs) run(ctx context.Context, cmd *command, stdout, stderr io.Writer) int {
	opts, view, err := a.options()
	if err != nil {
		return report(stderr, cmd, err)
	}
	// Every output is checked, and its temporary file created, before any
	// work; they are written together at the end or not at all.
	var outs outputs
	defer outs.discard()
	if err := outs.mkdirAll("o", a.out); err != nil {
		return fail(stderr, cmd, err)
	}
	for _, name := range a.outputNames() {
		outs.addAs(name, "o", filepath.Join(a.out, name))
	}
	if err := outs.check(map[string]string{"mesh": a.meshFile, "L": a.L, "M": a.M}); err != nil {
		return report(stderr, cmd, err)
	}

	br := newBudgetReader(ctx, int64(a.maxDense))
	in, err := a.load(&br)
	if err != nil {
		return failOrStop(stderr, cmd, err)
	}
	if err := a.validate(in, opts); err != nil {
		return report(stderr, cmd, err)
	}
	if !a.quiet {
		fmt.Fprintf(stderr, "sparsels coarsen: %s, m = %d\n", in.desc, a.m)
	}
	if err := a.checkMemory(ctx, in, opts, float64(br.used)); err != nil {
		return failOrStop(stderr, cmd, err)
	}
	pp := a.progress(stderr, opts)
	res, err := coarsen.Spectral(ctx, in.L, in.mass, a.m, opts)
	if pp != nil {
		pp.flush()
	}
	if err != nil {
		interrupted := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
		if !interrupted || res == nil || res.Iterate == nil || res.G == nil || res.Lc == nil || res.Problem == nil || res.Clustering == nil {
			if interrupted {
				fmt.Fprintf(stderr, "sparsels coarsen: interrupted (%v): nothing was written\n", err)
				return exitStopped
			}
			return fail(stderr, cmd, err)
		}
		// Interrupted during or after the solve: the best G found and what
		// follows from it are written, with the quality of its check if
		// the monitor measured it; what needs the quality stage is not
		// written otherwise.
		if res.Quality == nil {
			for _, name := range a.outputNames() {
				if needsQuality[name] {
					outs.drop(name)
				}
			}
		}
	}
	sum := newCoarsenSummary(in, res, opts.Weighting, a.compared(in.n()))
	// The writes are not interrupted: the run's result is worth keeping.
	wctx := context.WithoutCancel(ctx)
	if err := a.writeCoarsening(wctx, &outs, in, res, sum, view); err != nil {
		return fail(stderr, cmd, err)
	}
	if err := outs.commit(); err != nil {
		return fail(stderr, cmd, err)
	}
	if !a.quiet {
		printCoarsening(stdout, a.out, res, sum, outs.names())
	}
	return a.finish(ctx, stderr, res, err)
}

// progress sets opts.Progress to print the run's progress on stderr (unless
// -q) and to call progressHook, and returns the printer (nil with -q).
func (a *coarsenArgs) progress(stderr io.Writer, opts *coarsen.Options) *progressPrinter {
	var show func(coarsen.Progress)
	var pp *progressPrinter
	if !a.quiet {
		pp = newProgressPrinter(stderr, progressEvery, !a.noMonitor)
		show = pp.show
	}
	if hook := progressHook; hook != nil || show != nil {
		opts.Progress = func(p coarsen.Progress) {
			if show != nil {
				show(p)
			}
			if hook != nil {
				hook(p)
			}
		}
	}
	return pp
}

// finish says on stderr how a run whose outputs were written ended, and
// returns its exit status; err is coarsen.Spectral's error, not nil after
// an interrupt during the solve.
func (a *coarsenArgs) finish(ctx context.Context, stderr io.Writer, res *coarsen.Result, err error) int {
	switch {
	case err != nil:
		if !a.quiet {
			what := "its outputs were written"
			if res.Quality == nil {
				what = "the outputs that follow from it were written (not " + strings.Join(qualityNames(a.outputNames()), ", ") + ": the quality of G was not measured)"
			} else if len(res.Checks) > 0 {
				what = "its outputs, with the quality of its check, were written"
			}
			fmt.Fprintf(stderr, "sparsels coarsen: interrupted (%v); the best G found (%s) and %s to %s\n", err, keptIterate(res), what, a.out)
		}
		return exitStopped
	case ctx.Err() != nil:
		if !a.quiet {
			fmt.Fprintf(stderr, "sparsels coarsen: interrupted while writing: every output was written to %s\n", a.out)
		}
		return exitStopped
	case res.Stopped != "":
		// The monitor's stop is the default way to finish: a success.
		if !a.quiet {
			fmt.Fprintf(stderr, "sparsels coarsen: the quality monitor stopped the minimization: %s; kept G of %s; everything was written\n", res.Stopped, keptIterate(res))
		}
		return exitOK
	case res.Solve.Status.Converged():
		return exitOK
	}
	if !a.quiet {
		kept := ""
		if len(res.Checks) > 0 {
			kept = "; kept the best checked G, " + keptIterate(res)
		}
		fmt.Fprintf(stderr, "sparsels coarsen: the minimization stopped before convergence (%s)%s; everything was written\n", res.Solve.Reason, kept)
	}
	return exitStopped
}

// progressHook, if not nil, is called with every progress report of the
// coarsening, after it is printed (a test's stand-in for an interrupt at a
// given point of the solve).
var progressHook func(coarsen.Progress)

// keptIterate describes the iterate G.mtx holds: its solver iteration and
// energy.
func keptIterate(res *coarsen.Result) string {
	return fmt.Sprintf("iteration %d, E = %.6g", res.Iteration, res.Energy)
}

// qualityNames returns the names among names that need the quality stage.
func qualityNames(names []string) []string {
	var q []string
	for _, name := range names {
		if needsQuality[name] {
			q = append(q, name)
		}
	}
	return q
}

// dataNames are the files coarsen writes into its -o directory, pictures
// aside.
var dataNames = []string{"L.mtx", "M.mtx", "X.mtx", "Y.mtx", "B.mtx", "G0.mtx", "pattern.mtx", "G.mtx",
	"Lc.mtx", "Mc.mtx", "C.mtx", "roots.txt", "clusters.txt", "summary.json"}

// needsQuality are the outputs drawn from the quality stage.
var needsQuality = map[string]bool{"C.mtx": true, "eigenfunction.png": true, "fmap.png": true}

// pictureNames are the pictures -png asks for: the mesh pictures need
// -mesh.
func (a *coarsenArgs) pictureNames() []string {
	switch {
	case !a.png:
		return nil
	case a.meshFile != "":
		return []string{"roots.png", "eigenfunction.png", "fmap.png"}
	}
	return []string{"fmap.png"}
}

// outputNames are all the files coarsen writes into its -o directory.
func (a *coarsenArgs) outputNames() []string {
	return append(slices.Clone(dataNames), a.pictureNames()...)
}

// options checks the flags and returns the coarsening options and the view.
// What depends on the operator (m, k and the landmarks against n) is
// checked by validate once it is read.
func (a *coarsenArgs) options() (*coarsen.Options, render.View, error) {
	var view render.View
	switch {
	case a.meshFile == "" && a.L == "" && a.M == "":
		return nil, view, usagef("missing -mesh, or -L and -M (the operator to coarsen)")
	case a.meshFile != "" && (a.L != "" || a.M != ""):
		return nil, view, usagef("-mesh cannot be combined with -L and -M")
	case a.meshFile == "" && (a.L == "" || a.M == ""):
		return nil, view, usagef("-L and -M go together")
	case a.out == "":
		return nil, view, usagef("missing -o (the output directory)")
	case a.m < 2:
		return nil, view, usagef("-m %d: want at least 2 coarse vertices", a.m)
	case a.k < 0:
		return nil, view, usagef("-k %d: want k ≥ 1 (or 0 for the default)", a.k)
	case a.qualityK < 0:
		return nil, view, usagef("-quality-k %d: want at least 1 eigenpair (or 0 for min(100, k, m−1))", a.qualityK)
	case a.qualityK >= a.m:
		return nil, view, usagef("-quality-k %d: want fewer eigenpairs compared than -m %d coarse vertices", a.qualityK, a.m)
	case a.qualityTol >= 1:
		return nil, view, usagef("-quality-tol %v: want a fraction below 1 (0 for 1/2, negative to never stop on quality)", float64(a.qualityTol))
	case a.noMonitor && a.qualityTol != 0:
		return nil, view, usagef("-quality-tol %v has no effect with -no-monitor: drop one of them", float64(a.qualityTol))
	case a.noMonitor && a.solveShare != 0:
		return nil, view, usagef("-solve-share %v has no effect with -no-monitor: drop one of them", float64(a.solveShare))
	}
	if err := a.solver.checkLimits(); err != nil {
		return nil, view, err
	}
	switch {
	case a.pngEig < -1:
		return nil, view, usagef("-png-eig %d: want an eigenvector index j ≥ 0, or -1 for the best kept", a.pngEig)
	case a.massKind != "voronoi" && a.massKind != "barycentric":
		return nil, view, usagef("-mass %q: want voronoi or barycentric", a.massKind)
	}
	var err error
	if view, err = parseView(a.view); err != nil {
		return nil, view, err
	}
	set := &sparsels.Settings{Bound: a.bound, MemoryLimit: int64(a.maxDense)}
	a.solver.apply(set)
	if set.Method, err = a.solver.parseMethod(); err != nil {
		return nil, view, err
	}
	weighting, err := parseWeighting(a.weighting)
	if err != nil {
		return nil, view, err
	}
	opts := &coarsen.Options{K: a.k, QualityK: a.qualityK, Smoothing: a.smoothing, Weighting: weighting, QualityTol: float64(a.qualityTol), SolveShare: float64(a.solveShare),
		NoMonitor: a.noMonitor, Seed: a.seed, Settings: set}
	if opts.Landmarks, err = parseLandmarks(a.landmarks, a.m); err != nil {
		return nil, view, err
	}
	return opts, view, nil
}

// parseWeighting parses -weighting: a coarsen.Weighting by its name, in
// any case.
func parseWeighting(s string) (coarsen.Weighting, error) {
	var names []string
	for w := coarsen.RootRelative; w <= coarsen.Relative; w++ {
		if strings.EqualFold(strings.TrimSpace(s), w.String()) {
			return w, nil
		}
		names = append(names, w.String())
	}
	return 0, usagef("-weighting %q: want %s", s, strings.Join(names, ", "))
}

// parseView parses -view: two finite numbers, azimuth and elevation in
// degrees, separated by a comma.
func parseView(s string) (render.View, error) {
	var v render.View
	f := strings.Split(s, ",")
	if len(f) != 2 {
		return v, usagef("-view %q: want azimuth,elevation in degrees (two numbers)", s)
	}
	for i, p := range []*float64{&v.Azimuth, &v.Elevation} {
		x, err := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return v, usagef("-view %q: %q is not a finite number of degrees (want azimuth,elevation)", s, f[i])
		}
		*p = x
	}
	return v, nil
}

// parseLandmarks parses -landmarks: at most m distinct 0-based vertex
// indices separated by commas; an empty list is none. Whether they are
// below n is checked by validate.
func parseLandmarks(s string, m int) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var lm []int
	for i, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		switch {
		case err != nil:
			return nil, usagef("-landmarks: %q is not a vertex index", f)
		case v < 0:
			return nil, usagef("-landmarks: landmark %d is %d: want a 0-based vertex index ≥ 0", i, v)
		}
		if p := slices.Index(lm, v); p >= 0 {
			return nil, usagef("-landmarks: vertex %d is given twice (landmarks %d and %d)", v, p, i)
		}
		lm = append(lm, v)
	}
	if len(lm) > m {
		return nil, usagef("-landmarks: %d landmarks for -m %d coarse vertices: want at most m", len(lm), m)
	}
	return lm, nil
}

// eigenvectors returns k, the number of eigenvectors G is fitted to on an
// operator of n vertices: -k, or coarsen.DefaultK, as coarsen.Options.K.
func (a *coarsenArgs) eigenvectors(n int) int {
	if a.k > 0 {
		return a.k
	}
	return coarsen.DefaultK(n, a.m)
}

// compared returns the number of eigenpairs compared by the quality monitor
// and the quality stage on an operator of n vertices: -quality-k, or
// coarsen.DefaultQualityK, as coarsen.Options.QualityK.
func (a *coarsenArgs) compared(n int) int {
	if a.qualityK > 0 {
		return a.qualityK
	}
	return coarsen.DefaultQualityK(a.eigenvectors(n), a.m)
}

// validate checks what depends on the operator's size n before any work:
// m ≤ n, k < n, the landmarks below n and -png-eig below the number of
// eigenpairs compared (-quality-k < m ≤ n was checked with the flags).
// Errors name the flag and the input.
func (a *coarsenArgs) validate(in *coarsenInput, opts *coarsen.Options) error {
	n := in.n()
	k, kq := a.eigenvectors(n), a.compared(n)
	src := in.source
	switch {
	case a.m > n:
		return fmt.Errorf("-m %d: m = %d coarse vertices, but %s has n = %d vertices: want m ≤ n", a.m, a.m, src, n)
	case a.k > 0 && k >= n:
		return fmt.Errorf("-k %d: %s has n = %d vertices: want k < n", a.k, src, n)
	case k >= n:
		return fmt.Errorf("-m %d: k = %d eigenvectors by default, but %s has n = %d vertices: want k < n (lower -m or set -k)", a.m, k, src, n)
	case a.png && a.pngEig >= kq:
		how := "-quality-k"
		if a.qualityK == 0 {
			how = "min(100, k, m−1)"
		}
		return fmt.Errorf("-png-eig %d: the quality stage compares %d eigenpairs (%s): want j < %d", a.pngEig, kq, how, kq)
	}
	for i, v := range opts.Landmarks {
		if v >= n {
			return fmt.Errorf("-landmarks: landmark %d is vertex %d, but %s has n = %d vertices (0-based indices 0 to %d)", i, v, src, n, n-1)
		}
	}
	return nil
}

// n returns the number of vertices of the operator.
func (in *coarsenInput) n() int { return len(in.mass) }

// load reads the mesh or the operator files; -L and -M are read by br, under
// the memory budget and summing repeated entries while reading.
func (a *coarsenArgs) load(br *budgetReader) (*coarsenInput, error) {
	if a.meshFile != "" {
		if br.ctx.Err() != nil {
			return nil, fmt.Errorf("%w before reading %s", errInterrupted, a.meshFile)
		}
		return loadMesh(br.ctx, a.meshFile, a.massKind, a.normalize)
	}
	lm, err := br.read(a.L, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if lm.Rows != lm.Cols {
		return nil, fmt.Errorf("%s: L is %d×%d, not square", a.L, lm.Rows, lm.Cols)
	}
	n := lm.Rows
	// The conversion to compressed rows (symmetric files are expanded)
	// must fit beside the files.
	entries := float64(len(lm.I))
	if lm.Format == mtx.Array {
		entries = float64(n) * float64(n)
	} else if lm.Symmetry != mtx.General {
		entries *= 2
	}
	if conv := csrBytes(float64(n), entries); float64(br.used)+conv > float64(br.budget) {
		return nil, fmt.Errorf("%s: L (%s) needs %s in compressed rows beside the %s of the files read, over -max-dense-bytes = %s",
			a.L, describe(lm), bytesize.Format(conv), bytesize.Format(float64(br.used)), bytesize.Format(float64(br.budget)))
	}
	mass, err := readMass(br, a.M, n)
	if err != nil {
		return nil, err
	}
	L, err := operand(lm, true)
	if err != nil {
		return nil, err
	}
	return &coarsenInput{L: L.(*sparse.CSR), mass: mass, desc: fmt.Sprintf("%s and %s, n = %d", a.L, a.M, n), source: a.L}, nil
}

// loadMesh reads a mesh and builds its cotangent Laplacian and lumped mass;
// a vertex in no face of positive area is an error naming it and the file.
func loadMesh(ctx context.Context, path, kind string, normalize bool) (*coarsenInput, error) {
	msh, err := mesh.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if u := msh.Unreferenced(); len(u) > 0 {
		return nil, fmt.Errorf("%s: vertex %d (1-based in the file: %d) is in no triangle of positive area, so it has no mass; %d such vertices in all: remove them",
			path, u[0], u[0]+1, len(u))
	}
	if normalize {
		if err := msh.Normalize(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	mk := mesh.Voronoi
	if kind == "barycentric" {
		mk = mesh.Barycentric
	}
	desc := fmt.Sprintf("%s, %d vertices, %d triangles", path, len(msh.V), len(msh.F))
	return &coarsenInput{msh: msh, L: msh.Cotangent(), mass: msh.Mass(mk), desc: desc, source: path}, nil
}

// readMass reads n masses from a diagonal n×n coordinate file or an n×1
// (or 1×n) file; entries off the diagonal and non-positive masses are errors
// naming the line.
func readMass(br *budgetReader, path string, n int) ([]float64, error) {
	mm, err := br.read(path, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	mass := make([]float64, n)
	switch {
	case mm.Rows == n && mm.Cols == n && mm.Format == mtx.Coordinate:
		I, J, V := mm.I, mm.J, mm.V
		for k := range I {
			if I[k] != J[k] {
				return nil, fmt.Errorf("%s:%d: entry (%d, %d) is off the diagonal: M must be diagonal", path, mm.Line[k], I[k]+1, J[k]+1)
			}
			if V != nil {
				mass[I[k]] += V[k]
			} else {
				mass[I[k]] = 1
			}
		}
	case (mm.Rows == n && mm.Cols == 1) || (mm.Rows == 1 && mm.Cols == n):
		d := mm.Dense()
		for i := range n {
			if mm.Cols == 1 {
				mass[i] = d.At(i, 0)
			} else {
				mass[i] = d.At(0, i)
			}
		}
	default:
		return nil, fmt.Errorf("%s: M is %d×%d (%s), want an n×n diagonal coordinate file or n×1 with n = %d", path, mm.Rows, mm.Cols, mm.Format, n)
	}
	for i, v := range mass {
		if !(v > 0) {
			return nil, fmt.Errorf("%s: mass of vertex %d (row %d) is %v: masses must be positive", path, i, i+1, v)
		}
	}
	return mass, nil
}

// progressEvery is the longest the progress printer stays silent during
// the solve between two checks of the quality monitor.
const progressEvery = 5 * time.Second

// progressPrinter prints a person's view of a coarsening: a line per
// stage, a row per check of the quality monitor and, between checks, at
// most one energy row every `every` of the solve, never one per iteration.
type progressPrinter struct {
	w       io.Writer
	every   time.Duration
	monitor bool // the quality monitor runs
	// last is the elapsed time of the last row of the solve, pending the
	// last iteration not printed, printedIter the last iteration printed.
	last        time.Duration
	pending     *sparsels.IterationRecord
	pendingAt   time.Duration
	printedIter int
	// bestDefects and bestScore rank the checks as the monitor does:
	// fewer spurious pairs, then a smaller score.
	bestDefects int
	bestScore   float64
	checks      int
}

func newProgressPrinter(w io.Writer, every time.Duration, monitor bool) *progressPrinter {
	return &progressPrinter{w: w, every: every, monitor: monitor, printedIter: -1}
}

func (pp *progressPrinter) show(p coarsen.Progress) {
	switch {
	case p.Check != nil:
		c := p.Check
		defects := max(c.Unmatched, c.Excess, 0)
		mark := ""
		if pp.checks == 0 || defects < pp.bestDefects || (defects == pp.bestDefects && c.Score < pp.bestScore) {
			pp.bestDefects, pp.bestScore, mark = defects, c.Score, "best"
		}
		pp.checks++
		if mark != "" {
			mark = "  " + mark
		}
		fmt.Fprintf(pp.w, "%8.3fs  %7d  %-12.6e  %9.3e  %9.3e  %9.3e  %8d%s\n",
			p.Elapsed.Seconds(), c.Iteration, c.Energy, c.MeanEigenvalueError, c.MaxEigenvalueError, c.OffDiagonalEnergy, defects, mark)
		pp.printed(c.Iteration, p.Elapsed)
	case p.Iteration != nil:
		r := *p.Iteration
		r.G = nil // not kept
		pp.pending, pp.pendingAt = &r, p.Elapsed
		if p.Elapsed-pp.last >= pp.every {
			pp.flush()
		}
	default:
		pp.flush()
		fmt.Fprintf(pp.w, "%8.3fs  %s\n", p.Elapsed.Seconds(), p.Stage)
		if p.Stage == coarsen.StageSolve {
			if pp.monitor {
				fmt.Fprintf(pp.w, "%8.3fs  %v under the quality monitor: a row per check (iterations 0, 100, 200, 400, …), the energy at most every %v between checks\n",
					p.Elapsed.Seconds(), p.Method, pp.every)
				fmt.Fprintf(pp.w, "%9s  %7s  %-12s  %9s  %9s  %9s  %8s\n", "time", "iter", "energy E", "mean err", "max err", "off-diag", "spurious")
			} else {
				fmt.Fprintf(pp.w, "%8.3fs  %v, no quality monitor: the energy at most every %v\n", p.Elapsed.Seconds(), p.Method, pp.every)
				fmt.Fprintf(pp.w, "%9s  %7s  %s\n", "time", "iter", "energy E")
			}
			pp.last = p.Elapsed
		}
	}
}

// flush prints the last iteration of the solve if no row showed it.
func (pp *progressPrinter) flush() {
	if r := pp.pending; r != nil && r.Iteration > pp.printedIter {
		fmt.Fprintf(pp.w, "%8.3fs  %7d  %-12.6e\n", pp.pendingAt.Seconds(), r.Iteration, r.Energy)
		pp.printed(r.Iteration, pp.pendingAt)
	}
	pp.pending = nil
}

func (pp *progressPrinter) printed(iter int, at time.Duration) {
	pp.printedIter, pp.last = max(pp.printedIter, iter), at
}

// coarsenSummary is summary.json; every key is snake_case.
type coarsenSummary struct {
	Source    string    `json:"source"`
	N         int       `json:"vertices"`
	M         int       `json:"coarse_vertices"`
	FittedK   int       `json:"fitted_k"`  // eigenvectors G is fitted to
	QualityK  int       `json:"quality_k"` // eigenpairs compared
	Weighting string    `json:"weighting"`
	Weights   []float64 `json:"weights"` // of the fitted eigenvectors
	NNZ       int       `json:"nnz_G"`
	Method    string    `json:"method"`
	// Status, Converged and Iterations are the solver's; KeptIteration is
	// the iteration G.mtx comes from, Energy and Violation are those of
	// G.mtx.
	Status              string    `json:"status"`
	Converged           bool      `json:"converged"`
	Iterations          int       `json:"iterations"`
	KeptIteration       int       `json:"kept_iteration"`
	Stopped             string    `json:"stopped"` // why the quality monitor stopped the run; "" if it did not
	InitialEnergy       float64   `json:"initial_energy"`
	Energy              float64   `json:"energy"`
	Violation           float64   `json:"row_sum_violation"`
	FineEigenvalues     []float64 `json:"fine_eigenvalues"`
	CoarseEigenvalues   []float64 `json:"coarse_eigenvalues"`
	EigenvalueErrors    []float64 `json:"eigenvalue_relative_errors"`
	MeanEigenvalueError float64   `json:"mean_eigenvalue_error"`
	MaxEigenvalueError  float64   `json:"max_eigenvalue_error"`
	OffDiagonalEnergy   float64   `json:"functional_map_off_diagonal_energy"`
	Spurious            int       `json:"spurious"`
	Unmatched           int       `json:"unmatched"`
	Excess              int       `json:"excess"`
	// Checks are the quality monitor's checks, the start G0 first; empty
	// with -no-monitor.
	Checks []coarsenCheck `json:"checks"`
	// With -bound: the certified lower bound on E over every feasible G
	// (sparsels.LowerBound), E − bound and (E − bound)/E for the solver's
	// final iterate.
	LowerBound  *float64 `json:"lower_bound,omitempty"`
	Gap         *float64 `json:"gap,omitempty"`
	RelativeGap *float64 `json:"relative_gap,omitempty"`
	Seconds     struct {
		Eigenpairs float64 `json:"eigenpairs"`
		Clustering float64 `json:"clustering"`
		Setup      float64 `json:"setup"`
		Solve      float64 `json:"solve"`   // the minimization, with the monitor's checks
		Monitor    float64 `json:"monitor"` // the monitor's part of solve
		Quality    float64 `json:"quality"`
		Total      float64 `json:"total"`
	} `json:"seconds"`
}

// coarsenCheck is a check of the quality monitor in summary.json.
type coarsenCheck struct {
	Iteration           int     `json:"iteration"`
	Seconds             float64 `json:"seconds"` // since the coarsening started
	Energy              float64 `json:"energy"`
	MeanEigenvalueError float64 `json:"mean_eigenvalue_error"`
	MaxEigenvalueError  float64 `json:"max_eigenvalue_error"`
	OffDiagonalEnergy   float64 `json:"off_diagonal_energy"`
	Spurious            int     `json:"spurious"`
	Unmatched           int     `json:"unmatched"`
	Excess              int     `json:"excess"`
	Score               float64 `json:"score"`
}

// newCoarsenSummary returns the summary of res, a coarsening of in with
// the weighting w and kq eigenpairs compared.
func newCoarsenSummary(in *coarsenInput, res *coarsen.Result, w coarsen.Weighting, kq int) *coarsenSummary {
	n, m := res.G.Dims()
	sr := res.Solve
	s := &coarsenSummary{
		Source: in.desc, N: n, M: m, FittedK: len(res.Weights), QualityK: kq, Weighting: w.String(), NNZ: len(res.Iterate),
		Weights: res.Weights, KeptIteration: res.Iteration, Stopped: res.Stopped, Energy: res.Energy,
		Violation: rowSumViolation(res), Checks: []coarsenCheck{},
	}
	if sr != nil {
		s.Method, s.Status, s.Converged, s.Iterations = sr.Method.String(), sr.Reason, sr.Status.Converged(), sr.Iterations
		s.InitialEnergy = sr.InitialEnergy
		if sr.Bound != nil {
			lb := sr.Bound.Value
			gap, rel := sr.Gap()
			s.LowerBound, s.Gap, s.RelativeGap = &lb, &gap, &rel
		}
	}
	if q := res.Quality; q != nil { // nil after an interrupt without a check
		s.FineEigenvalues, s.CoarseEigenvalues, s.EigenvalueErrors = q.FineValues, q.CoarseValues, q.EigenvalueErrors
		s.MeanEigenvalueError, s.MaxEigenvalueError = q.MeanEigenvalueError, q.MaxEigenvalueError
		s.OffDiagonalEnergy, s.Spurious, s.Unmatched, s.Excess = q.OffDiagonalEnergy, q.Spurious, q.Unmatched, q.Excess
	}
	for _, c := range res.Checks {
		s.Checks = append(s.Checks, coarsenCheck{Iteration: c.Iteration, Seconds: c.Elapsed.Seconds(), Energy: c.Energy,
			MeanEigenvalueError: c.MeanEigenvalueError, MaxEigenvalueError: c.MaxEigenvalueError, OffDiagonalEnergy: c.OffDiagonalEnergy,
			Spurious: c.Spurious, Unmatched: c.Unmatched, Excess: c.Excess, Score: c.Score})
	}
	t := res.Times
	s.Seconds.Eigenpairs, s.Seconds.Clustering, s.Seconds.Setup = t.Eigenpairs.Seconds(), t.Clustering.Seconds(), t.Setup.Seconds()
	s.Seconds.Solve, s.Seconds.Monitor, s.Seconds.Quality, s.Seconds.Total = t.Solve.Seconds(), t.Monitor.Seconds(), t.Quality.Seconds(), t.Total.Seconds()
	return s
}

// rowSumViolation returns the relative violation of G·1 = 1 at the kept G
// (sparsels.Constraints.Violation), which need not be the solver's final
// iterate that Solve.Violation measures.
func rowSumViolation(res *coarsen.Result) float64 {
	d := res.Problem
	n, m := res.G.Dims()
	pat, err := sparsels.NewPattern(n, m, d.Rows, d.Cols)
	if err != nil {
		return math.NaN()
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		return math.NaN()
	}
	return cs.Violation(res.Iterate)
}

// writeCoarsening fills the temporary file of every output registered in
// outs (see outputNames); outs.commit then renames them into place.
func (a *coarsenArgs) writeCoarsening(ctx context.Context, outs *outputs, in *coarsenInput, res *coarsen.Result, sum *coarsenSummary, view render.View) error {
	d := res.Problem
	n, m := res.G.Dims()
	diag := func(v []float64, comment string) func(io.Writer) error {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		return func(w io.Writer) error { return mtx.WriteCoordinate(w, len(v), len(v), idx, idx, v, comment) }
	}
	ints := func(v []int) func(io.Writer) error {
		return func(w io.Writer) error {
			buf := make([]byte, 0, 8*len(v))
			for _, x := range v {
				buf = strconv.AppendInt(buf, int64(x), 10)
				buf = append(buf, '\n')
			}
			_, err := w.Write(buf)
			return err
		}
	}
	files := map[string]func(w io.Writer) error{
		"L.mtx": func(w io.Writer) error { return mtx.WriteSparse(w, in.L, "operator L (n×n)") },
		"M.mtx": diag(in.mass, "lumped mass M (n×n diagonal)"),
		"X.mtx": func(w io.Writer) error { return mtx.WriteDense(w, d.X, "X = Mc^{1/2} P M^{-1} L U (m×k)") },
		"Y.mtx": diag(d.Y.RawBand().Data, "Y = Mc^{-1/2} (m×m diagonal)"),
		"B.mtx": func(w io.Writer) error { return mtx.WriteDense(w, d.B, "B = P U (m×k)") },
		"G0.mtx": func(w io.Writer) error {
			return mtx.WriteCoordinate(w, n, m, d.Rows, d.Cols, d.G0, "start G0 = K^T; its entry order is the pattern order")
		},
		"pattern.mtx": func(w io.Writer) error {
			return mtx.WriteCoordinate(w, n, m, d.Rows, d.Cols, nil, "pattern of G, in the order of G0.mtx and G.mtx")
		},
		"G.mtx": func(w io.Writer) error {
			return mtx.WriteCoordinate(w, n, m, d.Rows, d.Cols, res.Iterate, gComment(res))
		},
		"Lc.mtx": func(w io.Writer) error { return mtx.WriteSparse(w, res.Lc, "coarse operator Lc = G^T L G (m×m)") },
		"Mc.mtx": diag(coarseMasses(res), "coarse mass Mc = K M K^T (m×m diagonal)"),
		"C.mtx": func(w io.Writer) error {
			return mtx.WriteDense(w, res.Quality.FunctionalMap, "functional map C = Phi_c^T Mc P Phi (k×k)")
		},
		"roots.txt":    ints(res.Clustering.Roots),
		"clusters.txt": ints(res.Clustering.Assign),
		"summary.json": func(w io.Writer) error {
			js, err := json.MarshalIndent(sum, "", "  ")
			if err != nil {
				return err
			}
			_, err = w.Write(append(js, '\n'))
			return err
		},
	}
	for name, draw := range a.pictures(in, res, view) {
		files[name] = draw
	}
	for _, out := range outs.list {
		write, ok := files[out.key]
		if !ok {
			panic("sparsels coarsen: no writer for " + out.key)
		}
		if err := outs.write(ctx, out.key, write); err != nil {
			return err
		}
	}
	return nil
}

// gComment is the comment of G.mtx: its energy, the solver iteration it
// comes from and how the run ended.
func gComment(res *coarsen.Result) string {
	c := fmt.Sprintf("prolongation G (n×m), rows sum to 1: E = %s at iteration %d",
		strconv.FormatFloat(res.Energy, 'g', -1, 64), res.Iteration)
	switch {
	case res.Stopped != "":
		c += "; the quality monitor kept this G and stopped the minimization: " + res.Stopped
	case len(res.Checks) > 0 && res.Solve != nil:
		c += fmt.Sprintf("; the best G checked by the quality monitor; solver: %s after %d iterations", res.Solve.Reason, res.Solve.Iterations)
	case res.Solve != nil:
		c += "; solver: " + res.Solve.Reason
	}
	return c
}

// coarseMasses returns the coarse masses Mc of res.
func coarseMasses(res *coarsen.Result) []float64 {
	if res.Mc != nil {
		return res.Mc
	}
	return res.Problem.Mc
}

// pictures returns the writers of the PNG files -png asks for (see
// pictureNames), by name.
func (a *coarsenArgs) pictures(in *coarsenInput, res *coarsen.Result, view render.View) map[string]func(io.Writer) error {
	pics := map[string]func(io.Writer) error{}
	if !a.png {
		return pics
	}
	m := len(coarseMasses(res))
	if in.msh != nil {
		name := filepath.Base(a.meshFile)
		pics["roots.png"] = func(w io.Writer) error {
			return render.Roots(w, in.msh, res.Clustering.Roots, view,
				fmt.Sprintf("%s: %d of %d vertices kept as roots", name, m, len(in.mass)))
		}
	}
	q := res.Quality
	if q == nil {
		return pics
	}
	k := len(q.FineValues)
	if in.msh != nil {
		j := min(a.pngEig, k-1)
		if j < 0 {
			j = bestKept(q.FunctionalMap, 4, 12)
		}
		pics["eigenfunction.png"] = func(w io.Writer) error {
			fine := mat.Col(nil, j, res.Vectors)
			coarse := mat.Col(nil, j, q.CoarseVectors)
			if q.FunctionalMap.At(j, j) < 0 { // align the signs for the eye
				for c := range coarse {
					coarse[c] = -coarse[c]
				}
			}
			return render.Eigenfunctions(w, in.msh, fine, res.Clustering.Roots, res.Clustering.Assign, coarse, view,
				fmt.Sprintf("eigenvector %d of (L, M), λ = %.4g", j, q.FineValues[j]),
				fmt.Sprintf("eigenvector %d of (Lc, Mc), each cluster coloured by its root, λ = %.4g", j, q.CoarseValues[j]))
		}
	}
	pics["fmap.png"] = func(w io.Writer) error {
		return render.FunctionalMap(w, q.FunctionalMap,
			fmt.Sprintf("|C|, C = Φcᵀ Mc P Φ (k = %d): off-diagonal energy %.3g", k, q.OffDiagonalEnergy))
	}
	return pics
}

// bestKept returns the j in [lo, hi) ∩ [0, k) with the largest |C[j,j]|,
// or k−1 if the range is empty.
func bestKept(C *mat.Dense, lo, hi int) int {
	k, _ := C.Dims()
	best := -1
	for j := lo; j < min(hi, k); j++ {
		if best < 0 || math.Abs(C.At(j, j)) > math.Abs(C.At(best, best)) {
			best = j
		}
	}
	if best < 0 {
		return k - 1
	}
	return best
}

// printCoarsening reports the run on stdout.
func printCoarsening(w io.Writer, dir string, res *coarsen.Result, s *coarsenSummary, names []string) {
	fmt.Fprintf(w, "G: %d×%d with %d nonzeros (%.2f per row); fitted to k = %d eigenvectors (%s weights), %d eigenpairs compared\n",
		s.N, s.M, s.NNZ, float64(s.NNZ)/float64(s.N), s.FittedK, s.Weighting, s.QualityK)
	if res.Solve != nil {
		fmt.Fprintln(w, res.Solve.String())
	}
	switch {
	case res.Stopped != "":
		fmt.Fprintf(w, "quality monitor: stopped the minimization (%s); G is iteration %d's, the best of %d checks\n", res.Stopped, res.Iteration, len(res.Checks))
	case len(res.Checks) > 0:
		fmt.Fprintf(w, "quality monitor: G is iteration %d's, the best of %d checks\n", res.Iteration, len(res.Checks))
	}
	fmt.Fprintf(w, "energy: %s\n", strconv.FormatFloat(res.Energy, 'g', -1, 64))
	fmt.Fprintf(w, "initial energy: %s\n", strconv.FormatFloat(s.InitialEnergy, 'g', -1, 64))
	if res.Quality != nil {
		fmt.Fprintf(w, "eigenvalue relative error: mean %.4g, max %.4g\n", s.MeanEigenvalueError, s.MaxEigenvalueError)
		fmt.Fprintf(w, "functional map off-diagonal energy: %.4g\n", s.OffDiagonalEnergy)
		fmt.Fprintf(w, "spurious coarse eigenpairs: %d (rows of C below %g: %d; unmatched near their index: %d; surplus eigenvalues: %d)\n",
			max(s.Unmatched, s.Excess, 0), coarsen.SpuriousOverlap, s.Spurious, s.Unmatched, s.Excess)
	}
	if s.LowerBound != nil {
		fmt.Fprintf(w, "lower bound: %s; gap %.6g (%.3g relative)\n", strconv.FormatFloat(*s.LowerBound, 'g', -1, 64), *s.Gap, *s.RelativeGap)
	}
	fmt.Fprintf(w, "time: eigenpairs %.3fs, clustering %.3fs, set-up %.3fs, solve %.3fs (monitor %.3fs), quality %.3fs, total %.3fs\n",
		s.Seconds.Eigenpairs, s.Seconds.Clustering, s.Seconds.Setup, s.Seconds.Solve, s.Seconds.Monitor, s.Seconds.Quality, s.Seconds.Total)
	fmt.Fprintf(w, "wrote %s: %s\n", dir, strings.Join(names, " "))
}
