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
	// K is the number of eigenvectors whose spectrum G should keep. Zero
	// means round(m/3), the default of the published MATLAB code (the
	// paper's experiments use 100).
	K int
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
	// SkipQuality skips the coarse eigensolve and Result.Quality.
	SkipQuality bool
	// Progress, if not nil, is called at the start of every stage and after
	// every iteration of the minimization.
	Progress func(Progress)
}

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
	// nil at the start of a stage.
	Iteration *sparsels.IterationRecord
	// Method is the method that runs during StageSolve (Auto resolved, see
	// sparsels.Method.Resolve); Auto at the other stages.
	Method sparsels.Method
}

// StageTimes are the wall times of Spectral's stages.
type StageTimes struct {
	Eigenpairs, Clustering, Setup, Solve, Quality, Total time.Duration
}

// Result is the outcome of Spectral: the coarse pencil (Lc, Mc), the
// prolongation G, and every piece of the problem it solved.
type Result struct {
	// G is the n×m prolongation; every row sums to 1 under the default
	// constraints.
	G *sparse.CSR
	// Lc = Gᵀ L G is the m×m coarse operator (symmetric positive
	// semi-definite when L is).
	Lc *sparse.CSR
	// Mc holds the m coarse masses, the diagonal of K M Kᵀ (cluster masses).
	Mc []float64
	// Clustering holds the roots (Roots[c] is the fine vertex of coarse
	// vertex c, the injection P) and the cluster of every fine vertex.
	Clustering *Clustering
	// Values and Vectors are the k smallest eigenvalues of (L, M) and the n×k
	// M-orthonormal eigenvectors U.
	Values  []float64
	Vectors *mat.Dense
	// Problem is the published least-squares problem (X, Y, B, the pattern
	// and G0 = Kᵀ), for callers who run sparsels.Solve themselves.
	Problem *Data
	// Solve is the minimization's result; Solve.G holds G's values in the
	// pattern's order (Problem.Rows, Problem.Cols).
	Solve *sparsels.Result
	// Quality compares the first min(k, m−1) eigenpairs of (Lc, Mc) with
	// those of (L, M); nil with Options.SkipQuality.
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
// Jacobson and Ovsjanikov (2019) and their algebraicCoarsening MATLAB code:
//
//  1. the k smallest eigenpairs (Λ, U) of L u = λ M u (eigs.Smallest);
//  2. m roots and clusters by graph k-medoids (ClusterLandmarks);
//  3. the problem X, Y, B, the pattern of G and G0 = Kᵀ (Setup);
//  4. minimize ‖X − Y Gᵀ L G B‖²_F over G on the pattern, every row of G
//     summing to 1, from G0 (sparsels.Solve);
//  5. Lc = Gᵀ L G (Galerkin) and, unless skipped, the quality of (Lc, Mc)
//     (Measure).
//
// L may be a cotangent Laplacian (mesh.Mesh.Cotangent), a graph Laplacian or
// any such operator; its entries are read from the CSR arrays and repeated
// entries are summed. The result depends only on the inputs and options.
//
// Spectral returns an error if m < 2 or m > n, k < 1 or k ≥ n, a mass is not
// positive and finite, L is not symmetric positive semi-definite (as
// detected by eigs.Smallest), a landmark is invalid, the graph of L has more
// than m connected components, the context is done, or a stage fails; errors
// name the stage. It panics if L is not n×n with n = len(mass).
func Spectral(ctx context.Context, L *sparse.CSR, mass []float64, m int, opts *Options) (*Result, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	n := len(mass)
	if r, c := L.Dims(); r != n || c != n {
		panic(fmt.Sprintf("coarsen: L is %d×%d with %d masses", r, c, n))
	}
	if m < 2 || m > n {
		return nil, fmt.Errorf("coarsen: m = %d coarse vertices: want 2 ≤ m ≤ n = %d", m, n)
	}
	k := o.K
	if k == 0 {
		k = max(int(math.Round(float64(m)/3)), 1)
	}
	if k < 1 || k >= n {
		return nil, fmt.Errorf("coarsen: k = %d eigenvectors: want 1 ≤ k < n = %d", k, n)
	}
	for i, v := range mass {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("coarsen: mass[%d] = %v is not positive and finite", i, v)
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
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
	if res.Values, res.Vectors, err = eigs.Smallest(ctx, L, mass, k, o.Eigs); err != nil {
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
	prob, set, err := res.setup(L, mass, o.Settings)
	if err != nil {
		return nil, fmt.Errorf("coarsen: set-up: %w", err)
	}
	res.Times.Setup = time.Since(t)

	method := set.Method.Resolve(prob, set.Constraints)
	if o.Progress != nil {
		o.Progress(Progress{Stage: StageSolve, Elapsed: time.Since(start), Method: method})
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("coarsen: %v: %w", StageSolve, err)
	}
	t = time.Now()
	if o.Progress != nil {
		user := set.Callback
		set.Callback = func(rec sparsels.IterationRecord) error {
			o.Progress(Progress{Stage: StageSolve, Elapsed: time.Since(start), Iteration: &rec, Method: method})
			if user != nil {
				return user(rec)
			}
			return nil
		}
	}
	if res.Solve, err = sparsels.Solve(ctx, prob, res.Problem.G0, set); err != nil {
		return nil, fmt.Errorf("coarsen: solve: %w", err)
	}
	res.Times.Solve = time.Since(t)
	d := res.Problem
	res.G = Prolongation(n, m, d.Rows, d.Cols, res.Solve.G)
	res.Lc = Galerkin(L, res.G)
	res.Mc = d.Mc

	if !o.SkipQuality {
		if t, err = stage(StageQuality); err != nil {
			return nil, err
		}
		kq := min(k, m-1)
		U := res.Vectors.Slice(0, n, 0, kq).(*mat.Dense)
		if res.Quality, err = Measure(res.Values[:kq], U, res.Lc, res.Mc, res.Clustering.Roots, o.Eigs); err != nil {
			return nil, err
		}
		res.Times.Quality = time.Since(t)
	}
	res.Times.Total = time.Since(start)
	return res, nil
}

// setup builds the problem data, the sparsels problem and the settings.
func (res *Result) setup(L *sparse.CSR, mass []float64, s *sparsels.Settings) (*sparsels.Problem, *sparsels.Settings, error) {
	d, err := Setup(L, mass, res.Vectors, res.Clustering)
	if err != nil {
		return nil, nil, err
	}
	res.Problem = d
	n, m := len(mass), len(res.Clustering.Roots)
	pat, err := sparsels.NewPattern(n, m, d.Rows, d.Cols)
	if err != nil {
		return nil, nil, err
	}
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
