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

// Monitor measures the quality of coarse operators Lc = Gᵀ L G, for values g
// of G on a fixed pattern, against fixed fine eigenpairs: the measures of
// Measure, from one coarse eigensolve per call. Spectral runs one during the
// minimization to keep the best G and to stop when more iterations no longer
// pay (see Options.QualityTol).
type Monitor struct {
	l       *sparse.CSR
	pat     *sparsels.Pattern
	mc      []float64
	roots   []int
	values  []float64
	vectors *mat.Dense
	scale   float64
	eigs    *eigs.Settings
}

// NewMonitor returns a Monitor for the n×n operator L with masses mass, the
// problem d (its pattern and coarse masses), the roots (the injection P) and
// the k fine eigenpairs (values, vectors) to compare, vectors n×k and
// M-orthonormal; s configures the coarse eigensolves (nil for the defaults).
// It panics if the shapes do not agree, k ≥ m or d's pattern is not a valid
// sparsels.Pattern of an n×m matrix.
func NewMonitor(L *sparse.CSR, mass []float64, d *Data, roots []int, values []float64, vectors *mat.Dense, s *eigs.Settings) *Monitor {
	n := len(mass)
	m := len(d.Mc)
	vr, k := vectors.Dims()
	if r, c := L.Dims(); r != n || c != n || vr != n || len(values) != k || len(roots) != m {
		panic(fmt.Sprintf("coarsen: monitor of a %d×%d L with %d masses, %d×%d eigenvectors, %d eigenvalues, %d roots and %d coarse masses",
			r, c, n, vr, k, len(values), len(roots), m))
	}
	if k >= m {
		panic(fmt.Sprintf("coarsen: monitor of %d eigenpairs on %d coarse vertices (want k < m)", k, m))
	}
	pat, err := sparsels.NewPattern(n, m, d.Rows, d.Cols)
	if err != nil {
		panic(fmt.Sprintf("coarsen: monitor: %v", err))
	}
	return newMonitor(L, mass, pat, d, roots, values, vectors, s)
}

// newMonitor is NewMonitor for the checked pattern pat of d, which Spectral
// has built already.
func newMonitor(L *sparse.CSR, mass []float64, pat *sparsels.Pattern, d *Data, roots []int, values []float64, vectors *mat.Dense, s *eigs.Settings) *Monitor {
	return &Monitor{l: L, pat: pat, mc: d.Mc, roots: roots,
		values: values, vectors: vectors, scale: Scale(L, mass), eigs: s}
}

// Measure returns the quality of Gᵀ L G for the values g of G in the
// pattern's order. It returns the error of Measure, which wraps ctx.Err()
// when ctx is done. It panics if len(g) differs from the pattern's length.
func (mo *Monitor) Measure(ctx context.Context, g []float64) (*Quality, error) {
	if len(g) != mo.pat.NNZ() {
		panic(fmt.Sprintf("coarsen: %d values for a pattern of %d", len(g), mo.pat.NNZ()))
	}
	Lc := sparsels.CoarseOperator(mo.l, mo.pat, g)
	return Measure(ctx, mo.values, mo.vectors, Lc, mo.mc, mo.roots, mo.scale, mo.eigs)
}

// Score returns the scalar the monitor ranks coarsenings by when they have
// as many spurious pairs (Quality.Defects): the geometric mean of the mean
// and the largest eigenvalue error and the off-diagonal energy, so that each
// measure's relative change counts alike. Smaller is better.
func (q *Quality) Score() float64 {
	return math.Cbrt(q.MeanEigenvalueError * q.MaxEigenvalueError * q.OffDiagonalEnergy)
}

// better reports whether q ranks before r: fewer defects, then a smaller
// score.
func (q *Quality) better(r *Quality) bool {
	if dq, dr := q.Defects(), r.Defects(); dq != dr {
		return dq < dr
	}
	return q.Score() < r.Score()
}

// Check is one measurement of the monitor during Spectral's minimization.
// Its defects (see Quality.Defects) are max(Unmatched, Excess, 0).
type Check struct {
	Iteration int           // solver iterations done; 0 is the start G0
	Elapsed   time.Duration // since Spectral started
	Energy    float64       // the energy E at the iterate
	// The measures of Quality at the iterate.
	MeanEigenvalueError, MaxEigenvalueError, OffDiagonalEnergy float64
	Spurious, Unmatched, Excess                                int
	Score                                                      float64
}

func newCheck(iter int, elapsed time.Duration, energy float64, q *Quality) Check {
	return Check{Iteration: iter, Elapsed: elapsed, Energy: energy,
		MeanEigenvalueError: q.MeanEigenvalueError, MaxEigenvalueError: q.MaxEigenvalueError,
		OffDiagonalEnergy: q.OffDiagonalEnergy, Spurious: q.Spurious, Unmatched: q.Unmatched, Excess: q.Excess, Score: q.Score()}
}

// firstCheck is the iteration of the first check after the start; the
// checks then come at doubling iterations, so that they cost a bounded
// share of the run and a check compares the gain of doubling the work.
const firstCheck = 100

// firstRule is the first check at which the monitor judges the gain of a
// doubling: before it the gains are those of the quasi-Newton method's
// start-up and too erratic to extrapolate (BENCHMARKS.md, section
// "Coarsening quality", the stopping rule).
const firstRule = 2 * firstCheck

// watch is the monitor's state during one minimization: the best iterate
// so far and the stopping rule.
type watch struct {
	mon     *Monitor
	tol     float64       // stop when a doubling improves the best score by less
	budget  time.Duration // stop before a doubling would take the solve past it; 0 for none
	next    int           // iteration of the next check
	best    *Quality
	bestG   []float64
	bestE   float64
	bestIt  int
	prev    float64 // best score at the previous check
	checks  []Check
	stopped string // why the watch stopped the run, if it did
}

// observe measures the iterate g after iteration iter, made solve after the
// minimization started and elapsed after Spectral did, and reports whether
// the run should stop (see judge).
func (w *watch) observe(ctx context.Context, iter int, elapsed, solve time.Duration, energy float64, g []float64) (stop bool, err error) {
	q, err := w.mon.Measure(ctx, g)
	if err != nil {
		return false, err
	}
	w.checks = append(w.checks, newCheck(iter, elapsed, energy, q))
	return w.judge(q, iter, solve, energy, g), nil
}

// judge keeps the iterate g of quality q and energy energy if it is the best
// so far and reports whether the run should stop after it (see rule), the
// reason in w.stopped. The first check never stops the run.
func (w *watch) judge(q *Quality, iter int, solve time.Duration, energy float64, g []float64) bool {
	first := w.best == nil
	if first || q.better(w.best) {
		w.best, w.bestE, w.bestIt = q, energy, iter
		w.bestG = append(w.bestG[:0], g...)
	}
	prev := w.prev
	w.prev = w.best.Score()
	if first {
		return false
	}
	w.stopped = w.rule(q, prev, iter, solve)
	return w.stopped != ""
}

// rule returns why the run should stop after the check of quality q at
// iteration iter, made solve after the minimization started, with prev the
// best score at the previous check and w.best already updated; empty if it
// should go on. It stops when the iterate has more spurious pairs than the
// best one, from iteration firstRule on when the best score improved by less
// than tol since the previous check, and at any check after the start when
// doubling the iterations (predicted to take solve again) would take the
// minimization past the budget. A negative tol turns the first two off, a
// zero budget the last.
func (w *watch) rule(q *Quality, prev float64, iter int, solve time.Duration) string {
	switch {
	case w.tol >= 0 && q.Defects() > w.best.Defects():
		return fmt.Sprintf("%d spurious eigenpairs at iteration %d, %d at the best G (iteration %d)", q.Defects(), iter, w.best.Defects(), w.bestIt)
	case w.tol >= 0 && iter >= firstRule && w.best.Score() > (1-w.tol)*prev:
		return fmt.Sprintf("quality improved by %.3g%% (less than %.3g%%) from iteration %d to %d", 100*(1-w.best.Score()/prev), 100*w.tol, iter/2, iter)
	case w.budget > 0 && 2*solve > w.budget:
		return fmt.Sprintf("time: iterations %d to %d would take the minimization past %v, its share of the time of the stages before it",
			iter, 2*iter, w.budget.Round(time.Millisecond))
	}
	return ""
}

// minSolveBudget is the least time budget of the time rule (see
// Options.SolveShare): below it the rule would stop small problems, whose
// stages before the minimization take a second or two, before the quality
// rule judged them.
const minSolveBudget = 30 * time.Second

// defaultQualityTol is the default Options.QualityTol: stop when doubling
// the iterations improved the best score by less than half, so that the
// default finishes in a fifth of the published code's time (BENCHMARKS.md,
// "Coarsening quality", for the runs that chose it).
const defaultQualityTol = 0.5
