package coarsen

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/eigs"
)

// Options configure Spectral. A nil *Options, and the zero value of each
// field, select the defaults.
type Options struct {
	// K is the number of eigenvectors G is fitted to. Zero means
	// DefaultK(n, m).
	K int
	// QualityK is the number of eigenpairs compared by the monitor and by
	// Result.Quality. Zero means DefaultQualityK(K, m): min(100, K, m−1),
	// the size of the published demo's functional map.
	QualityK int
	// Weighting weighs the fitted eigenvectors; the zero value is
	// RootRelative. The eigenvectors beyond QualityK, fitted only to keep
	// spurious pairs away from the compared ones, get a quarter of their
	// weight on top.
	Weighting Weighting
	// QualityTol stops the minimization when doubling its iterations
	// improved the best quality score (Quality.Score) by less than this
	// fraction. Zero means 1/2; a negative value never stops on quality,
	// though the best checked G is still returned. See Spectral.
	QualityTol float64
	// SolveShare bounds the minimization's time by the monitor: at every
	// check after the start, the monitor does not start a doubling of the
	// iterations that would take the minimization past SolveShare times the
	// time the stages before it took (eigenpairs, clustering, set-up), or
	// past 30 s if that is more (it predicts that a doubling takes as long
	// as everything so far). Zero means 1; a negative value turns the time
	// rule off. Unlike the quality rule, this rule's verdict depends on the
	// machine's speed; the iterates it chooses from do not. See Spectral.
	SolveShare float64
	// Smoothing is the number of Smooth steps applied to the start G0 = Kᵀ.
	// Zero means DefaultSmoothing(n, m); a negative value none, the
	// published start.
	Smoothing int
	// NoMonitor turns the quality monitor off: G is the solver's final
	// iterate, as in the published method, and the run ends by the solver's
	// own limits only.
	NoMonitor bool
	// Landmarks are vertices that must be roots (coarse vertices), at most m
	// distinct ones; see ClusterLandmarks.
	Landmarks []int
	// Seed seeds the clustering's first root when there are no landmarks.
	Seed uint64
	// Settings configure the minimization; nil means the sparsels defaults.
	// Constraints nil means the published partition of unity G·1 = 1
	// (sparsels.RowSumConstraints). A Callback is called after Progress.
	Settings *sparsels.Settings
	// Eigs configure the fine and coarse eigensolves; nil means the defaults.
	Eigs *eigs.Settings
	// SkipQuality skips every coarse eigensolve: no monitor and no
	// Result.Quality.
	SkipQuality bool
	// Progress, if not nil, is called at the start of every stage, after
	// every iteration of the minimization and after every check of the
	// monitor.
	Progress func(Progress)
}

// Weighting selects the weights of the fitted eigenvectors in the energy:
// column j of X and B is multiplied by w_j, so that the residual of the
// eigenvector u_j counts w_j² times.
type Weighting int

const (
	// RootRelative weighs u_j by w_j = sqrt(λ_K/λ_j) (1 for λ_j = 0): the
	// residual of u_j counts between its absolute size, which keeps the
	// eigenvectors and so the functional map, and its size relative to λ_j,
	// which keeps the low eigenvalues; the default (BENCHMARKS.md,
	// "Coarsening quality").
	RootRelative Weighting = iota
	// Uniform weighs every eigenvector alike: the published energy.
	Uniform
	// Relative weighs u_j by λ_K/λ_j, its residual relative to λ_j.
	Relative
)

var weightingNames = [...]string{"root-relative", "uniform", "relative"}

func (w Weighting) String() string {
	if w >= 0 && int(w) < len(weightingNames) {
		return weightingNames[w]
	}
	return fmt.Sprintf("Weighting(%d)", int(w))
}

// weights returns the column weights of the fitted eigenvalues values for
// the weighting w; eigenvalues at most NullTol·scale count as zero.
func (w Weighting) weights(values []float64, scale float64, kq int) []float64 {
	k := len(values)
	ws := make([]float64, k)
	top := values[k-1]
	for j, v := range values {
		ws[j] = 1
		if w != Uniform && v > NullTol*scale && top > 0 {
			ws[j] = top / v
			if w == RootRelative {
				ws[j] = math.Sqrt(ws[j])
			}
		}
		if j >= kq {
			ws[j] *= guardWeight
		}
	}
	return ws
}

// guardWeight multiplies the weights of the fitted eigenvectors beyond
// QualityK: they are fitted so that no spurious pair takes their place, but
// at full weight the hardest of them cost the compared ones their accuracy
// (BENCHMARKS.md, "Coarsening quality").
const guardWeight = 0.25

// maxDefaultK caps the default number of fitted eigenvectors, round(m/3):
// beyond it the fine eigenpairs cost more time and memory than the guards
// return (BENCHMARKS.md, "Coarsening quality").
const maxDefaultK = 200

// DefaultK returns the default number of fitted eigenvectors for an
// operator of n vertices coarsened to m: round(m/3), the default of the
// published MATLAB code, at least 1 and at most min(200, max(2·10⁷/n, 110)):
// the fine eigensolve's work grows faster than n·K, so above 10⁵ vertices
// the cap lowers K, but not below the 100 compared eigenpairs of
// DefaultQualityK plus ten guards (BENCHMARKS.md, "Coarsening quality at
// scale").
func DefaultK(n, m int) int {
	return min(max(int(math.Round(float64(m)/3)), 1), maxDefaultK, max(largeWork/max(n, 1), largeMinK))
}

const (
	largeWork = 20000000 // n·K at most for the default K
	largeMinK = 110      // the smallest cap: 100 compared and 10 guards
)

// DefaultQualityK returns the default number of compared eigenpairs when K
// are fitted on m coarse vertices: min(100, K, m−1).
func DefaultQualityK(k, m int) int { return min(100, k, m-1) }

// Stage is a step of Spectral.
type Stage int

const (
	StageEigenpairs Stage = iota // the k smallest eigenpairs of (L, M)
	StageClustering              // roots and assignment by k-medoids
	StageSetup                   // X, Y, B, the pattern and G0
	StageSolve                   // the minimization
	StageQuality                 // coarse eigenpairs and functional map
)

var stageNames = [...]string{"eigenpairs", "clustering", "set-up", "solve", "quality"}

func (s Stage) String() string {
	if s >= 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Progress reports where Spectral is.
type Progress struct {
	Stage   Stage
	Elapsed time.Duration // since Spectral started
	// Iteration is the solver iteration just finished during StageSolve,
	// nil at the start of a stage and with Check.
	Iteration *sparsels.IterationRecord
	// Check is the monitor's check just made during StageSolve, nil
	// otherwise.
	Check *Check
	// Method is the method that runs during StageSolve (Auto resolved, see
	// sparsels.Method.Resolve); Auto at the other stages.
	Method sparsels.Method
}

// StageTimes are the wall times of Spectral's stages. Monitor is the part of
// Solve spent in the monitor's checks.
type StageTimes struct {
	Eigenpairs, Clustering, Setup, Solve, Monitor, Quality, Total time.Duration
}

// Result is the outcome of Spectral: the coarse pencil (Lc, Mc), the
// prolongation G, and every piece of the problem it solved.
type Result struct {
	// G is the n×m prolongation; every row sums to 1 under the default
	// constraints.
	G *sparse.CSR
	// Lc = Gᵀ L G is the m×m coarse operator (exactly symmetric when L is,
	// positive semi-definite when L is), with sorted columns in every row.
	Lc *sparse.CSR
	// Mc holds the m coarse masses, the diagonal of K M Kᵀ (cluster masses).
	Mc []float64
	// Clustering holds the roots (Roots[c] is the fine vertex of coarse
	// vertex c, the injection P) and the cluster of every fine vertex.
	Clustering *Clustering
	// Values and Vectors are the smallest eigenvalues of (L, M) and the n×k
	// M-orthonormal eigenvectors U, max(K, QualityK) of them.
	Values  []float64
	Vectors *mat.Dense
	// Problem is the least-squares problem (X, Y, B with the columns
	// weighted, the pattern and the smoothed start G0), for callers who run
	// sparsels.Solve themselves.
	Problem *Data
	// Weights are the column weights of X and B (see Weighting).
	Weights []float64
	// Solve is the minimization's own result: its final iterate, status and
	// history.
	Solve *sparsels.Result
	// Iterate holds the values of G in the pattern's order (Problem.Rows,
	// Problem.Cols), Energy its energy and Iteration the solver iteration it
	// comes from: the best checked iterate with the monitor, the solver's
	// final one without.
	Iterate   []float64
	Energy    float64
	Iteration int
	// Checks are the monitor's checks in order, the start G0 first; Stopped
	// says why the monitor ended the minimization, empty if it did not.
	Checks  []Check
	Stopped string
	// Quality compares the first QualityK eigenpairs of (Lc, Mc) with those
	// of (L, M); nil with Options.SkipQuality.
	Quality *Quality
	Times   StageTimes
}

// P returns the m×n injection P(c, Roots[c]) = 1 (the MATLAB code's P).
func (r *Result) P() *sparse.CSR {
	m := len(r.Clustering.Roots)
	n := len(r.Clustering.Assign)
	indptr := make([]int, m+1)
	ind := make([]int, m)
	val := make([]float64, m)
	for c, v := range r.Clustering.Roots {
		indptr[c+1] = c + 1
		ind[c], val[c] = v, 1
	}
	return sparse.NewCSR(m, n, indptr, ind, val)
}

// Spectral coarsens the n×n symmetric positive semi-definite operator L with
// the positive diagonal mass M = diag(mass) to m coarse vertices, as Liu,
// Jacobson and Ovsjanikov (2019) and their algebraicCoarsening MATLAB code,
// and keeps the coarsening whose spectrum is best:
//
//  1. the smallest eigenpairs (Λ, U) of L u = λ M u (eigs.Smallest);
//  2. m roots and clusters by graph k-medoids (ClusterLandmarks);
//  3. the problem X, Y, B for the first K eigenvectors, their columns
//     weighted (Options.Weighting), the pattern of G (Setup) and the start
//     G0, Kᵀ smoothed (Options.Smoothing, Smooth);
//  4. minimize ‖X − Y Gᵀ L G B‖²_F over G on the pattern, every row of G
//     summing to 1, from G0 (sparsels.Solve), under the quality monitor;
//  5. Lc = Gᵀ L G (sparsels.Problem.CoarseOperator) and the quality of
//     (Lc, Mc).
//
// The energy fits Gᵀ L G on the K vectors P U only; with more iterations it
// can pull other coarse eigenvalues below the fitted ones, spurious pairs
// that shift every later eigenpair and ruin the functional map. The monitor
// (Monitor) therefore measures the coarse pencil at the start and after 100,
// 200, 400, … iterations, keeps the best G (fewest spurious pairs, then the
// smallest Quality.Score) and stops the minimization when an iterate has
// more spurious pairs than the best, when doubling the iterations improved
// the best score by less than Options.QualityTol, or, on operators where the
// minimization is slow next to the stages before it, when the next doubling
// would outlast Options.SolveShare times their time. The result is the same
// for any time limit that the rules end before, and a longer run never
// returns a worse G by that ranking. Options.NoMonitor restores the
// published loop.
//
// L may be a cotangent Laplacian (mesh.Mesh.Cotangent), a graph Laplacian or
// any such operator; its entries are read from the CSR arrays and repeated
// entries are summed. The result depends only on the inputs and options,
// and on the time limit or the time rule if one of them ends the
// minimization: the iterates checked are the same, only the check at which
// the run stops depends on the machine's speed then.
//
// Spectral returns an error if L is not n×n with n = len(mass), m < 2 or
// m > n, K or QualityK < 0 or ≥ n, QualityK ≥ m, a mass is not positive and
// finite, L is not symmetric positive semi-definite (as detected by
// eigs.Smallest), a landmark is invalid, the graph of L has more than m
// connected components, the context is done, or a stage fails; errors name
// the stage. When the context is done during or after the minimization, it
// returns the result for the best G so far with the error.
func Spectral(ctx context.Context, L *sparse.CSR, mass []float64, m int, opts *Options) (*Result, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if ctx == nil {
		ctx = context.Background()
	}
	k, kq, err := o.check(L, mass, m)
	if err != nil {
		return nil, err
	}
	n := len(mass)
	start := time.Now()
	res := &Result{}
	stage := func(s Stage) (time.Time, error) {
		if o.Progress != nil {
			o.Progress(Progress{Stage: s, Elapsed: time.Since(start)})
		}
		if err := ctx.Err(); err != nil {
			return time.Time{}, fmt.Errorf("coarsen: %v: %w", s, err)
		}
		return time.Now(), nil
	}

	t, err := stage(StageEigenpairs)
	if err != nil {
		return nil, err
	}
	if res.Values, res.Vectors, err = eigs.Smallest(ctx, L, mass, max(k, kq), o.Eigs); err != nil {
		return nil, fmt.Errorf("coarsen: eigenpairs: %w", err)
	}
	res.Times.Eigenpairs = time.Since(t)

	if t, err = stage(StageClustering); err != nil {
		return nil, err
	}
	if res.Clustering, err = clusterLandmarks(ctx, L, mass, m, o.Landmarks, o.Seed); err != nil {
		return nil, fmt.Errorf("coarsen: clustering: %w", err)
	}
	res.Times.Clustering = time.Since(t)

	if t, err = stage(StageSetup); err != nil {
		return nil, err
	}
	steps := o.Smoothing
	if steps == 0 {
		steps = DefaultSmoothing(n, m)
	}
	prob, set, err := res.setup(L, mass, k, kq, steps, o.Weighting, o.Settings)
	if err != nil {
		return nil, fmt.Errorf("coarsen: set-up: %w", err)
	}
	res.Times.Setup = time.Since(t)

	U := res.Vectors.Slice(0, n, 0, kq).(*mat.Dense)
	var w *watch
	if !o.SkipQuality && !o.NoMonitor {
		w = &watch{mon: newMonitor(L, mass, prob.Pattern(), res.Problem, res.Clustering.Roots, res.Values[:kq], U, o.Eigs), tol: o.QualityTol, next: firstCheck}
		if w.tol == 0 {
			w.tol = defaultQualityTol
		}
		if share := o.SolveShare; share >= 0 {
			if share == 0 {
				share = 1
			}
			before := res.Times.Eigenpairs + res.Times.Clustering + res.Times.Setup
			w.budget = max(time.Duration(share*float64(before)), minSolveBudget)
		}
	}
	if err := res.solve(ctx, prob, set, w, o.Progress, start); err != nil {
		if res.Iterate == nil {
			return nil, err
		}
		res.finish(prob, start)
		if w != nil && !o.SkipQuality {
			res.Quality = w.best
		}
		return res, err
	}
	res.finish(prob, start)
	if !o.SkipQuality {
		if w != nil {
			res.Quality = w.best
		} else {
			if t, err = stage(StageQuality); err != nil {
				return res, err
			}
			mon := newMonitor(L, mass, prob.Pattern(), res.Problem, res.Clustering.Roots, res.Values[:kq], U, o.Eigs)
			if res.Quality, err = mon.Measure(ctx, res.Iterate); err != nil {
				return res, fmt.Errorf("coarsen: quality: %w", err)
			}
			res.Times.Quality = time.Since(t)
		}
	}
	res.Times.Total = time.Since(start)
	return res, nil
}

// check validates the inputs of Spectral and returns K and QualityK with
// their defaults filled in.
func (o *Options) check(L *sparse.CSR, mass []float64, m int) (k, kq int, err error) {
	n := len(mass)
	if r, c := L.Dims(); r != n || c != n {
		return 0, 0, fmt.Errorf("coarsen: L is %d×%d with %d masses: want n×n with n = len(mass)", r, c, n)
	}
	if m < 2 || m > n {
		return 0, 0, fmt.Errorf("coarsen: m = %d coarse vertices: want 2 ≤ m ≤ n = %d", m, n)
	}
	k = o.K
	if k == 0 {
		k = DefaultK(n, m)
	}
	if k < 1 || k >= n {
		return 0, 0, fmt.Errorf("coarsen: K = %d eigenvectors: want 1 ≤ K < n = %d", k, n)
	}
	kq = o.QualityK
	if kq == 0 {
		kq = DefaultQualityK(k, m)
	}
	if kq < 1 || kq >= n || kq >= m {
		return 0, 0, fmt.Errorf("coarsen: QualityK = %d eigenpairs: want 1 ≤ QualityK < min(n, m) = %d", kq, min(n, m))
	}
	if o.Weighting < 0 || int(o.Weighting) >= len(weightingNames) {
		return 0, 0, fmt.Errorf("coarsen: unknown %v", o.Weighting)
	}
	if math.IsNaN(o.SolveShare) || math.IsInf(o.SolveShare, 1) {
		return 0, 0, fmt.Errorf("coarsen: SolveShare = %v: want a finite number", o.SolveShare)
	}
	if math.IsNaN(o.QualityTol) || o.QualityTol >= 1 {
		return 0, 0, fmt.Errorf("coarsen: QualityTol = %v: want a number below 1", o.QualityTol)
	}
	for i, v := range mass {
		if !(v > 0) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("coarsen: mass[%d] = %v is not positive and finite", i, v)
		}
	}
	return k, kq, nil
}

// solve runs the minimization under the watch w (nil for none) and sets
// Iterate, Energy, Iteration, Checks and Stopped. It returns an error for a
// failed minimization, or for a done context with Iterate set to the best
// iterate so far if there is one.
func (res *Result) solve(ctx context.Context, prob *sparsels.Problem, set *sparsels.Settings, w *watch, progress func(Progress), start time.Time) error {
	method := set.Method.Resolve(prob, set.Constraints)
	if progress != nil {
		progress(Progress{Stage: StageSolve, Elapsed: time.Since(start), Method: method})
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("coarsen: %v: %w", StageSolve, err)
	}
	t := time.Now()
	var monitor time.Duration
	check := func(iter int, e float64, g []float64) (bool, error) {
		t0 := time.Now()
		stop, err := w.observe(ctx, iter, time.Since(start), time.Since(t), e, g)
		monitor += time.Since(t0)
		if err == nil && progress != nil {
			c := w.checks[len(w.checks)-1]
			progress(Progress{Stage: StageSolve, Elapsed: time.Since(start), Check: &c, Method: method})
		}
		return stop, err
	}
	g0 := res.Problem.G0
	if w != nil {
		e0 := prob.Energy(g0)
		if _, err := check(0, e0, g0); err != nil {
			return fmt.Errorf("coarsen: quality at the start: %w", err)
		}
	}
	user := set.Callback
	if progress != nil || w != nil {
		set.Callback = func(rec sparsels.IterationRecord) error {
			if progress != nil {
				progress(Progress{Stage: StageSolve, Elapsed: time.Since(start), Iteration: &rec, Method: method})
			}
			if w != nil && rec.Iteration == w.next {
				w.next *= 2
				stop, err := check(rec.Iteration, rec.Energy, rec.G)
				if err != nil {
					return err
				}
				if stop {
					return sparsels.ErrStop
				}
			}
			if user != nil {
				return user(rec)
			}
			return nil
		}
	}
	sol, err := sparsels.Solve(ctx, prob, g0, set)
	res.Solve = sol
	defer func() { res.Times.Solve, res.Times.Monitor = time.Since(t), monitor }()
	if sol == nil {
		return fmt.Errorf("coarsen: solve: %w", err)
	}
	if w == nil {
		res.Iterate, res.Energy, res.Iteration = sol.G, sol.Energy, sol.Iterations
		if err != nil {
			return fmt.Errorf("coarsen: solve: %w", err)
		}
		return nil
	}
	if err == nil && sol.Iterations != w.checks[len(w.checks)-1].Iteration {
		// The solver ended between checks: check its final iterate. The
		// solver ended the run, so the rule's verdict there is moot.
		_, err = check(sol.Iterations, sol.Energy, sol.G)
		w.stopped = ""
	}
	res.Checks, res.Stopped = w.checks, w.stopped
	if w.bestG != nil {
		res.Iterate, res.Energy, res.Iteration = w.bestG, w.bestE, w.bestIt
	}
	if err != nil {
		return fmt.Errorf("coarsen: solve: %w", err)
	}
	return nil
}

// finish builds G and Lc = Gᵀ L G from Iterate on prob's pattern and L.
func (res *Result) finish(prob *sparsels.Problem, start time.Time) {
	res.G = prob.Pattern().CSR(res.Iterate)
	res.Lc = prob.CoarseOperator(res.Iterate)
	res.Mc = res.Problem.Mc
	res.Times.Total = time.Since(start)
}

// setup builds the problem data for the first k eigenvectors with the
// weighting w and G0 smoothed by steps steps, the sparsels problem and the
// settings.
func (res *Result) setup(L *sparse.CSR, mass []float64, k, kq, steps int, w Weighting, s *sparsels.Settings) (*sparsels.Problem, *sparsels.Settings, error) {
	n, m := len(mass), len(res.Clustering.Roots)
	U := res.Vectors.Slice(0, n, 0, k).(*mat.Dense)
	d, err := Setup(L, mass, U, res.Clustering)
	if err != nil {
		return nil, nil, err
	}
	pat, err := sparsels.NewPattern(n, m, d.Rows, d.Cols)
	if err != nil {
		return nil, nil, err
	}
	d.G0 = Smooth(d.G0, L, pat, d.G0, steps)
	res.Weights = w.weights(res.Values[:k], Scale(L, mass), kq)
	for c := range m {
		x, b := d.X.RawRowView(c), d.B.RawRowView(c)
		for j, wj := range res.Weights {
			x[j] *= wj
			b[j] *= wj
		}
	}
	res.Problem = d
	prob, err := sparsels.NewProblem(d.X, d.Y, L, d.B, pat)
	if err != nil {
		return nil, nil, err
	}
	var set sparsels.Settings
	if s != nil {
		set = *s
	}
	if set.Constraints == nil {
		if set.Constraints, err = sparsels.RowSumConstraints(pat); err != nil {
			return nil, nil, err
		}
	}
	return prob, &set, nil
}
