package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/sparsels/sparsels"
)

var checkCommand = &command{
	name:     "check",
	synopsis: "compare every analytic derivative with central finite differences",
	usage: `sparsels check -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G.mtx [-random N] [-seed S]
               [-tol t] [-coords K] [-step h]`,
	help: `
Check compares the library's derivatives of E(g) = ‖X − Y Gᵀ L G B‖²_F with
central finite differences (gonum.org/v1/gonum/diff/fd) at the values of
G.mtx, or with -random N at N random points on its pattern (values uniform in
±‖g‖∞ of G.mtx), and prints one line per quantity:

	gradient          ∂E/∂g                        vs differences of E
	Jacobian          J = ∂vec(f)/∂g (dense)       vs differences of f
	J·x, Jᵀ·w         the Jacobian operator        vs differences of f, w·f
	GaussNewton       JᵀJ (dense)                  vs products of the differenced J
	GaussNewton diag  diag(JᵀJ)                    vs squared differenced columns
	GaussNewton·x     JᵀJ·x (operator)             vs differences of (Jx)·f
	Hessian           ∇²E (dense)                  vs differences of the gradient
	Hessian·x         ∇²E·x (operator)             vs differences of the gradient

with random directions x and w. The step is h·‖g‖∞ (h when g = 0). At most
K coordinates of g (chosen at random when nnz > K) are differenced; the
products J·x and Hessian·x are compared in full. The relative error of a
quantity is its largest absolute error divided by the largest of the
magnitudes of its analytic and differenced values and, for the gradient, Jᵀ·w
and GaussNewton·x, the Cauchy-Schwarz bound ‖w‖₂·max_k‖J[:,k]‖₂ of their
entries (w = 2f for the gradient), so that cancellation near a minimum is not
reported as an error. A quantity passes when that is at most -tol. Since f is
quadratic in g, the differences of f are exact up to rounding.

At extreme scales finite differences cannot resolve some derivatives: at
‖g‖∞ = 1e-200 the energy varies by about 1e-400 over the step, and at 1e150
it overflows. A quantity whose differenced function overflows, or whose
expected rounding error in the differences (2ε|F|/δ for the step δ) exceeds
a quarter of -tol (and 1e-8) relative to its scale, is reported as not
checkable at this scale instead of failing; the other quantities are still
checked (at 1e-200, the Hessian by differences of the gradient).

A dense quantity whose arrays would not fit in what -max-dense-bytes leaves
beside the problem is skipped, with the size it would need; the others are
still checked. An interrupt (Ctrl-C or SIGTERM) stops the checks between
two quantities, or between two differenced coordinates, and prints no
verdict. Exit status: 0 if every checked quantity passed, 1 if one failed,
if none could be checked, or on bad data, 2 on a bad command line, 3 after
an interrupt.
`,
	args: func() args { return &checkArgs{} },
}

// checkArgs are the flags of sparsels check.
type checkArgs struct {
	files          problemFiles
	points, coords int
	seed           uint64
	tol, step      finiteFloat
}

func (a *checkArgs) register(fs *flag.FlagSet) {
	a.files.register(fs, "Matrix Market `file` of G: its entries give the pattern, its values the point (required)")
	a.tol, a.step = 1e-6, finiteFloat(fd.Central.Step)
	fs.IntVar(&a.points, "random", 0, "check at `N` random points of G's pattern instead of at G's values")
	fs.Uint64Var(&a.seed, "seed", 1, "`seed` of the random points, directions and coordinates")
	fs.Var(&a.tol, "tol", "largest relative `error` that passes")
	fs.IntVar(&a.coords, "coords", 1000, "difference at most `K` coordinates of g")
	fs.Var(&a.step, "step", "finite-difference `step`, relative to ‖g‖∞")
}

// check returns a usage error for the first flag out of range.
func (a *checkArgs) check() error {
	if err := a.files.check(); err != nil {
		return err
	}
	switch {
	case a.points < 0:
		return usagef("-random %d: want N ≥ 0", a.points)
	case a.coords < 1:
		return usagef("-coords %d: want K ≥ 1", a.coords)
	case a.tol <= 0:
		return usagef("-tol %v: want a positive tolerance", float64(a.tol))
	case a.step <= 0:
		return usagef("-step %v: want a positive step", float64(a.step))
	}
	return nil
}

func (a *checkArgs) run(ctx context.Context, cmd *command, stdout, stderr io.Writer) int {
	if err := a.check(); err != nil {
		return report(stderr, cmd, err)
	}
	ld, err := loadProblem(ctx, a.files, &sparsels.Settings{Linear: sparsels.LinearCG})
	if err != nil {
		return failOrStop(stderr, cmd, err)
	}
	if ld.pat.NNZ() == 0 {
		return fail(stderr, cmd, fmt.Errorf("%s has no entries: there is nothing to check", a.files.G))
	}
	rng := rand.New(rand.NewPCG(a.seed, 0x5eed))
	ck := newChecker(ld.prob, rng, a.coords, float64(a.step), ld.avail())

	where := "at the values of " + a.files.G
	if a.points > 0 {
		where = fmt.Sprintf("at %d random points (seed %d)", a.points, a.seed)
	}
	fmt.Fprintf(stdout, "problem: %s\n", ld.summary)
	fmt.Fprintf(stdout, "central differences with step %g·‖g‖∞ %s, %d of %d coordinates, tolerance %g\n\n",
		float64(a.step), where, len(ck.coords), ld.pat.NNZ(), float64(a.tol))
	if a.points == 0 {
		err = ck.point(ctx, ld.g)
	} else {
		err = a.randomPoints(ctx, ck, rng, ld.g)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sparsels check: interrupted: the checks were not completed; nothing was written\n")
		return exitStopped
	}
	if ck.print(stdout, float64(a.tol)) {
		return exitError
	}
	return exitOK
}

// randomPoints checks at -random points drawn uniformly in ±‖g0‖∞ (±1 if
// g0 = 0) on the pattern; it returns ctx.Err() if interrupted.
func (a *checkArgs) randomPoints(ctx context.Context, ck *checker, rng *rand.Rand, g0 []float64) error {
	scale := infNorm(g0)
	if scale == 0 || math.IsNaN(scale) {
		scale = 1
	}
	g := make([]float64, len(g0))
	for range a.points {
		for k := range g {
			g[k] = scale * (2*rng.Float64() - 1)
		}
		if err := ck.point(ctx, g); err != nil {
			return err
		}
	}
	return nil
}
