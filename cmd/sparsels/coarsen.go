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
	usage: `sparsels coarsen -mesh mesh.obj|.off|.ply -m M -o dir [-k K] [-landmarks i,j,…] [-seed s]
                 [-mass voronoi|barycentric] [-normalize=true] [-png] [-view azimuth,elevation]
                 [-method auto|qn|lm|gn|newton|nadam|lbfgs] [-max-iter N] [-ftol f] [-gtol g] [-time-limit d] [-q]
sparsels coarsen -L L.mtx -M M.mtx -m M -o dir [same flags]`,
	help: `
Coarsen runs the spectral coarsening of Liu, Jacobson and Ovsjanikov (2019),
as the published algebraicCoarsening: the k smallest eigenpairs of
L u = λ M u, m roots and clusters by graph k-medoids, the published problem
minimize ‖X − Y Gᵀ L G B‖²_F with every row of G summing to 1 from
G0 = Kᵀ, and the coarse pencil (Lc, Mc) = (Gᵀ L G, K M Kᵀ).

The operator is the cotangent Laplacian and lumped mass of -mesh (scaled
to unit area unless -normalize=false), or any symmetric positive
semi-definite -L with positive diagonal masses -M (a graph Laplacian, …):
M.mtx is an n×n diagonal coordinate file or an n×1 array.

It writes into -o: L.mtx, M.mtx (diagonal), X.mtx, Y.mtx (diagonal), B.mtx,
G0.mtx (the start, whose entry order is the pattern order), pattern.mtx (a
pattern file of the same entries), G.mtx (same order), Lc.mtx, Mc.mtx
(diagonal), C.mtx (the k×k functional map), roots.txt and clusters.txt
(0-based vertex and cluster indices, one per line), and summary.json (sizes,
solver status, energies, fine and coarse eigenvalues, eigenvalue errors,
off-diagonal energy of C). With -png it also draws fmap.png (|C|) and, with
a mesh, roots.png and eigenfunction.png (fine eigenvector -png-eig beside
the coarse one).

The outputs are checked before any input is read, as solve's: one that is
an input (-mesh, -L or -M, by name or as the same file) is a command-line
error; a -o that is not a directory, or an output that exists but is not a
regular file (a symbolic link, a named pipe, …), is an error. -o is created
if missing (and removed again if the run fails). Every file is written to a
temporary file and all are renamed into place together at the end, so each
exit status writes all of them or none.

-L and -M are read as solve reads its files, under -max-dense-bytes
(repeated entries are summed while reading). Then the arguments that depend
on n are checked (m ≤ n, k < n, landmarks below n), and the memory of the
whole run (eigensolver, clustering, set-up, solve, quality stage) is
estimated and refused over -max-dense-bytes, all before the eigensolve.

The problem files are those of sparsels solve: running
  sparsels solve -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G0.mtx -rowsum -o G.mtx
with the same solver flags reproduces G.mtx and its energy.

Landmarks are 0-based vertex indices that must be roots. Progress goes to
stderr, one line per stage and per iteration; -q prints only errors.

Exit status: 0 when the minimization converged, everything written; 3 when
it stopped otherwise (iteration or time limit), everything written all the
same; 3 on an interrupt (Ctrl-C or SIGTERM): before the solve, nothing is
written; during the solve, the best G found and the files that follow from
it are written if the coarsening returned an iterate (not C.mtx and the
pictures of the quality stage if it did not run), as said on stderr, and
nothing otherwise; during the writes, they are completed and
everything is written. A second interrupt ends the process at once (status
130), removing the temporary files and writing nothing. 1 on bad data, over
the memory budget, or a refused or failed write, with nothing written; 2 on
a bad command line, with nothing written.
`,
	flags: coarsenFlags,
}

// coarsenArgs are the flags of sparsels coarsen.
type coarsenArgs struct {
	meshFile, L, M, out   string
	m, k, maxIter, pngEig int
	landmarks, massKind   string
	view, method          string
	seed                  uint64
	normalize, png, quiet bool
	bound                 bool
	ftol, gtol            finiteFloat
	timeLimit             seconds
	maxDense              byteSize
}

func coarsenFlags(cmd *command, fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) int {
	var a coarsenArgs
	fs.StringVar(&a.meshFile, "mesh", "", "triangle mesh `file` (.obj, .off or .ply)")
	fs.StringVar(&a.L, "L", "", "Matrix Market `file` of the n×n operator L (instead of -mesh)")
	fs.StringVar(&a.M, "M", "", "Matrix Market `file` of the n masses: diagonal n×n or n×1 (with -L)")
	fs.IntVar(&a.m, "m", 0, "number of coarse vertices (required)")
	fs.IntVar(&a.k, "k", 0, "number of eigenvectors (0: round(m/3), as published)")
	fs.StringVar(&a.landmarks, "landmarks", "", "comma-separated 0-based `vertices` that must be roots")
	fs.Uint64Var(&a.seed, "seed", 0, "clustering seed")
	fs.StringVar(&a.massKind, "mass", "voronoi", "lumped mass of -mesh: voronoi or barycentric")
	fs.BoolVar(&a.normalize, "normalize", true, "scale -mesh to unit surface area, as published")
	fs.StringVar(&a.out, "o", "", "output `directory` (required; created if missing)")
	fs.BoolVar(&a.png, "png", false, "also draw roots.png, eigenfunction.png (with -mesh) and fmap.png")
	fs.IntVar(&a.pngEig, "png-eig", -1, "eigenvector drawn in eigenfunction.png (-1: among 4..11, the one best kept, largest |C[j,j]|)")
	fs.StringVar(&a.view, "view", "120,15", "`azimuth,elevation` in degrees of the mesh pictures")
	fs.StringVar(&a.method, "method", "auto", "minimization `method`: auto (qn), qn, lm, gn, newton, nadam or lbfgs, in any case (full names such as levenberg-marquardt work too)")
	fs.IntVar(&a.maxIter, "max-iter", 0, "maximum number of iterations (0: 100, or 5000 for nadam and lbfgs)")
	fs.Var(&a.ftol, "ftol", "stop when an accepted step decreases E by at most `f` relative (0: 1e-10, negative: never)")
	fs.Var(&a.gtol, "gtol", "stop when the projected gradient falls to `g` times its start (0: 1e-10, negative: never)")
	fs.Var(&a.timeLimit, "time-limit", "stop the minimization after this wall `time`, such as 30s, 5m or 1h30m; a bare number is seconds (0: no limit)")
	a.maxDense.register(fs)
	fs.BoolVar(&a.quiet, "q", false, "quiet: print only errors")
	fs.BoolVar(&a.bound, "bound", false, "after the solve, compute the certified lower bound on E and report the optimality gap (summary.json: lower_bound, gap, relative_gap)")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		return runCoarsen(ctx, cmd, &a, stdout, stderr)
	}
}

// coarsenInput is the operator to coarsen and where it came from.
type coarsenInput struct {
	msh    *mesh.Mesh // nil for -L/-M
	L      *sparse.CSR
	mass   []float64
	desc   string
	source string // the file of -mesh or -L
}

func runCoarsen(ctx context.Context, cmd *command, a *coarsenArgs, stdout, stderr io.Writer) int {
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
	if !a.quiet {
		opts.Progress = progressPrinter(stderr, opts.Settings.Method)
	}
	res, err := coarsen.Spectral(ctx, in.L, in.mass, a.m, opts)
	partial := false
	if err != nil {
		interrupted := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
		if !interrupted || res == nil || res.Solve == nil || res.G == nil || res.Lc == nil || res.Problem == nil || res.Clustering == nil {
			if interrupted {
				fmt.Fprintf(stderr, "sparsels coarsen: interrupted (%v): nothing was written\n", err)
				return exitStopped
			}
			return fail(stderr, cmd, err)
		}
		// Interrupted during or after the solve: the best G found and what
		// follows from it are written; what needs the quality stage is
		// not.
		partial = true
		if res.Quality == nil {
			for _, name := range a.outputNames() {
				if needsQuality[name] {
					outs.drop(name)
				}
			}
		}
	}
	sum := newCoarsenSummary(in, res)
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
	switch {
	case partial:
		if !a.quiet {
			fmt.Fprintf(stderr, "sparsels coarsen: interrupted (%v); the best G found and its outputs were written to %s\n", err, a.out)
		}
		return exitStopped
	case ctx.Err() != nil:
		if !a.quiet {
			fmt.Fprintf(stderr, "sparsels coarsen: interrupted while writing: every output was written to %s\n", a.out)
		}
		return exitStopped
	case res.Solve.Status.Converged():
		return exitOK
	}
	if !a.quiet {
		fmt.Fprintf(stderr, "sparsels coarsen: the minimization stopped before convergence (%s); everything was written\n", res.Solve.Reason)
	}
	return exitStopped
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
		return nil, view, usagef("-k %d: want k ≥ 1 (or 0 for round(m/3))", a.k)
	case a.maxIter < 0:
		return nil, view, usagef("-max-iter %d: want N ≥ 0", a.maxIter)
	case a.timeLimit < 0:
		return nil, view, usagef("-time-limit %v: want a duration ≥ 0", time.Duration(a.timeLimit))
	case a.pngEig < -1:
		return nil, view, usagef("-png-eig %d: want an eigenvector index j ≥ 0, or -1 for the best kept", a.pngEig)
	case a.massKind != "voronoi" && a.massKind != "barycentric":
		return nil, view, usagef("-mass %q: want voronoi or barycentric", a.massKind)
	}
	var err error
	if view, err = parseView(a.view); err != nil {
		return nil, view, err
	}
	set := &sparsels.Settings{
		MaxIterations: a.maxIter, FunctionTol: float64(a.ftol), GradientTol: float64(a.gtol), TimeLimit: time.Duration(a.timeLimit),
		Bound: a.bound, MemoryLimit: int64(a.maxDense),
	}
	if set.Method, err = parseMethod(a.method); err != nil {
		return nil, view, usagef("-method: %v", err)
	}
	opts := &coarsen.Options{K: a.k, Seed: a.seed, Settings: set}
	if opts.Landmarks, err = parseLandmarks(a.landmarks, a.m); err != nil {
		return nil, view, err
	}
	return opts, view, nil
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

// eigenvectors returns k, the number of eigenvectors: -k, or round(m/3).
func (a *coarsenArgs) eigenvectors() int {
	if a.k > 0 {
		return a.k
	}
	return max(int(math.Round(float64(a.m)/3)), 1)
}

// validate checks what depends on the operator's size n before any work:
// m ≤ n, k < n, the landmarks below n and -png-eig below the number of
// eigenpairs compared. Errors name the flag and the input.
func (a *coarsenArgs) validate(in *coarsenInput, opts *coarsen.Options) error {
	n, k := in.n(), a.eigenvectors()
	src := in.source
	switch {
	case a.m > n:
		return fmt.Errorf("-m %d: m = %d coarse vertices, but %s has n = %d vertices: want m ≤ n", a.m, a.m, src, n)
	case a.k > 0 && k >= n:
		return fmt.Errorf("-k %d: %s has n = %d vertices: want k < n", a.k, src, n)
	case k >= n:
		return fmt.Errorf("-m %d: k = round(m/3) = %d eigenvectors, but %s has n = %d vertices: want k < n (lower -m or set -k)", a.m, k, src, n)
	case a.png && a.pngEig >= min(k, a.m-1):
		return fmt.Errorf("-png-eig %d: the quality stage compares %d eigenpairs (min(k, m−1)): want j < %d", a.pngEig, min(k, a.m-1), min(k, a.m-1))
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

// progressPrinter prints one line per stage and per iteration.
func progressPrinter(w io.Writer, m sparsels.Method) func(coarsen.Progress) {
	return func(p coarsen.Progress) {
		if p.Iteration == nil {
			fmt.Fprintf(w, "%8.3fs  %s\n", p.Elapsed.Seconds(), p.Stage)
			if p.Stage == coarsen.StageSolve {
				fmt.Fprintf(w, "%4s  %-22s  %9s  %9s  %9s  %9s  %5s  %3s\n",
					"iter", "energy", "rel.decr", "grad", "step", dampingLabel(p.Method), "cg", "acc")
			}
			return
		}
		r := p.Iteration
		acc := "no"
		if r.Accepted {
			acc = "yes"
		}
		fmt.Fprintf(w, "%4d  %-22.16e  %9.3e  %9.3e  %9.3e  %9.3e  %5d  %3s\n",
			r.Iteration, r.Energy, r.RelDecrease, r.GradientNorm, r.StepNorm, r.Damping, r.CGIterations, acc)
	}
}

// coarsenSummary is summary.json.
type coarsenSummary struct {
	Source              string    `json:"source"`
	N                   int       `json:"vertices"`
	M                   int       `json:"coarse_vertices"`
	K                   int       `json:"eigenvectors"`
	NNZ                 int       `json:"nnz_G"`
	Method              string    `json:"method"`
	Status              string    `json:"status"`
	Converged           bool      `json:"converged"`
	Iterations          int       `json:"iterations"`
	InitialEnergy       float64   `json:"initial_energy"`
	Energy              float64   `json:"energy"`
	Violation           float64   `json:"row_sum_violation"`
	FineEigenvalues     []float64 `json:"fine_eigenvalues"`
	CoarseEigenvalues   []float64 `json:"coarse_eigenvalues"`
	EigenvalueErrors    []float64 `json:"eigenvalue_relative_errors"`
	MeanEigenvalueError float64   `json:"mean_eigenvalue_error"`
	MaxEigenvalueError  float64   `json:"max_eigenvalue_error"`
	OffDiagonalEnergy   float64   `json:"functional_map_off_diagonal_energy"`
	// With -bound: the certified lower bound on E over every feasible G
	// (sparsels.LowerBound), E − bound and (E − bound)/E.
	LowerBound  *float64 `json:"lower_bound,omitempty"`
	Gap         *float64 `json:"gap,omitempty"`
	RelativeGap *float64 `json:"relative_gap,omitempty"`
	Seconds     struct {
		Eigenpairs, Clustering, Setup, Solve, Quality, Total float64
	} `json:"seconds"`
}

func newCoarsenSummary(in *coarsenInput, res *coarsen.Result) *coarsenSummary {
	n, m := res.G.Dims()
	sr := res.Solve
	s := &coarsenSummary{
		Source: in.desc, N: n, M: m, K: len(res.Values), NNZ: len(sr.G),
		Method: sr.Method.String(), Status: sr.Reason, Converged: sr.Status.Converged(), Iterations: sr.Iterations,
		InitialEnergy: sr.InitialEnergy, Energy: sr.Energy, Violation: sr.Violation,
	}
	if q := res.Quality; q != nil { // nil after an interrupt during the solve
		s.FineEigenvalues, s.CoarseEigenvalues, s.EigenvalueErrors = q.FineValues, q.CoarseValues, q.EigenvalueErrors
		s.MeanEigenvalueError, s.MaxEigenvalueError = q.MeanEigenvalueError, q.MaxEigenvalueError
		s.OffDiagonalEnergy = q.OffDiagonalEnergy
	}
	if sr.Bound != nil {
		lb := sr.Bound.Value
		gap, rel := sr.Gap()
		s.LowerBound, s.Gap, s.RelativeGap = &lb, &gap, &rel
	}
	t := res.Times
	s.Seconds.Eigenpairs, s.Seconds.Clustering, s.Seconds.Setup = t.Eigenpairs.Seconds(), t.Clustering.Seconds(), t.Setup.Seconds()
	s.Seconds.Solve, s.Seconds.Quality, s.Seconds.Total = t.Solve.Seconds(), t.Quality.Seconds(), t.Total.Seconds()
	return s
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
			return mtx.WriteCoordinate(w, n, m, d.Rows, d.Cols, res.Solve.G, fmt.Sprintf(
				"prolongation G (n×m), rows sum to 1: %s, E = %s", res.Solve.Reason, strconv.FormatFloat(res.Solve.Energy, 'g', -1, 64)))
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
	fmt.Fprintf(w, "G: %d×%d with %d nonzeros (%.2f per row); k = %d eigenvectors\n", s.N, s.M, s.NNZ, float64(s.NNZ)/float64(s.N), s.K)
	fmt.Fprintln(w, res.Solve.String())
	fmt.Fprintf(w, "energy: %s\n", strconv.FormatFloat(res.Solve.Energy, 'g', -1, 64))
	fmt.Fprintf(w, "initial energy: %s\n", strconv.FormatFloat(res.Solve.InitialEnergy, 'g', -1, 64))
	if res.Quality != nil {
		fmt.Fprintf(w, "eigenvalue relative error: mean %.4g, max %.4g\n", s.MeanEigenvalueError, s.MaxEigenvalueError)
		fmt.Fprintf(w, "functional map off-diagonal energy: %.4g\n", s.OffDiagonalEnergy)
	}
	if s.LowerBound != nil {
		fmt.Fprintf(w, "lower bound: %s; gap %.6g (%.3g relative)\n", strconv.FormatFloat(*s.LowerBound, 'g', -1, 64), *s.Gap, *s.RelativeGap)
	}
	fmt.Fprintf(w, "time: eigenpairs %.3fs, clustering %.3fs, set-up %.3fs, solve %.3fs, quality %.3fs, total %.3fs\n",
		s.Seconds.Eigenpairs, s.Seconds.Clustering, s.Seconds.Setup, s.Seconds.Solve, s.Seconds.Quality, s.Seconds.Total)
	fmt.Fprintf(w, "wrote %s: %s\n", dir, strings.Join(names, " "))
}
