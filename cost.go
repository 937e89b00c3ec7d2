package sparsels

import (
	"fmt"
	"time"

	"github.com/sparsels/sparsels/internal/bytesize"
)

// The cost model of the linear algebra: the rule of LinearAuto, read by
// Solve and by EstimateMemory, and the predicted time that keeps the dense
// path within the time limit.

// costShape is what the cost model reads of a problem.
type costShape struct {
	nnz, dim int // nonzeros of G and free values
	nnzL     int // stored entries of L
	c        int // columns of X
	// blockFlops is Σ q²(q + max(c, 1)) over the rows of G, q the row's
	// nonzeros: the set-up of the block-Jacobi preconditioner.
	blockFlops float64
}

// costShape returns the shape of p under the constraints cs (nil for
// none).
func (p *Problem) costShape(cs *Constraints) costShape {
	nnz := p.pat.NNZ()
	sh := costShape{nnz: nnz, dim: nnz, nnzL: p.l.NNZ(), c: p.c}
	if cs != nil {
		sh.dim = cs.Dim()
	}
	c := float64(max(p.c, 1))
	for a := 0; a < p.n; a++ {
		q := float64(len(p.pat.RowIndices(a)))
		sh.blockFlops += q * q * (q + c)
	}
	return sh
}

// evenShape returns the shape of a problem whose n rows of G hold nnz
// entries in equal numbers, with dim free values: the shape EstimateMemory
// assumes, knowing no pattern.
func evenShape(n, nnz, dim, nnzL, c int) costShape {
	sh := costShape{nnz: nnz, dim: dim, nnzL: nnzL, c: c}
	if n > 0 {
		q := float64(nnz) / float64(n)
		sh.blockFlops = float64(n) * q * q * (q + float64(max(c, 1)))
	}
	return sh
}

// denseFlops returns the predicted floating-point operations of one dense
// iteration: assembling the nnz×nnz Gauss-Newton matrix from the Gram form
// (and the Hessian for Newton), reducing it to the dim×dim null space and
// factorizing it (Cholesky dim³/3; a symmetric eigendecomposition with
// vectors about 9·dim³).
func denseFlops(nnz, dim int, eigen bool) float64 {
	n, d := float64(nnz), float64(dim)
	assemble := 4 * n * n
	if eigen {
		assemble *= 2
	}
	reduce := 2 * n * n * d / max(n, 1) * 2
	factor := d * d * d / 3
	if eigen {
		factor = 9 * d * d * d
	}
	return assemble + reduce + factor
}

// cgFlops returns the predicted floating-point operations of one
// matrix-free iteration: budget products with JᵀJ or the Hessian, each about
// 2·(5 nnz(G) + 2 nnz(L))·c in the direct form, plus the preconditioner's
// set-up over the row blocks.
func (sh costShape) cgFlops(budget int) float64 {
	c := float64(max(sh.c, 1))
	product := 2 * (5*float64(sh.nnz) + 2*float64(sh.nnzL)) * c
	return float64(budget)*product + sh.blockFlops
}

// denseBytes returns the memory of the dense linear path, 4·nnz² float64
// values.
func denseBytes(nnz int) float64 { return 4 * 8 * float64(nnz) * float64(nnz) }

// denseWorth is how many matrix-free iterations one dense iteration is
// taken to be worth: it solves its subproblem exactly, which matters on tiny
// nonconvex problems, but matrix-free CG was faster on every problem
// measured beyond a few dozen nonzeros (BENCHMARKS.md, section "Solver
// design choices").
const denseWorth = 20

// denseMaxNNZ is the most nonzeros for which LinearAuto considers the dense
// path at all, whatever CG.MaxIterations makes the flop rule allow: its
// nnz×nnz matrices and cubic factorizations stay small.
const denseMaxNNZ = 2000

// resolveLinear is the rule of LinearAuto: the linear solver s.Linear
// chooses for a method with curvature cv on a problem of shape sh. LinearAuto
// gives LinearDense when nnz is at most denseMaxNNZ, the dense matrices fit
// in MemoryLimit and a dense iteration's predicted flops are below
// denseWorth times those of a matrix-free iteration with CG.MaxIterations
// products; LinearCG otherwise. The other values are returned as they are.
func (s *Settings) resolveLinear(cv curvature, sh costShape) LinearSolver {
	if s.Linear != LinearAuto {
		return s.Linear
	}
	if sh.nnz <= denseMaxNNZ && denseBytes(sh.nnz) <= float64(s.MemoryLimit) &&
		denseFlops(sh.nnz, sh.dim, cv == hessianCurvature) < denseWorth*sh.cgFlops(s.CG.MaxIterations) {
		return LinearDense
	}
	return LinearCG
}

// linearSolver returns the linear solver of the run (resolveLinear), and an
// error wrapping ErrMemoryLimit when LinearDense was asked for and its
// matrices exceed MemoryLimit.
func (sv *solver) linearSolver() (LinearSolver, error) {
	set := &sv.set
	linear := set.resolveLinear(sv.spec.curvature, sv.p.costShape(sv.cs))
	if set.Linear == LinearDense && sv.nnz > 0 && denseBytes(sv.nnz) > float64(set.MemoryLimit) {
		return 0, invalidf(ErrMemoryLimit, "sparsels: Solve: the dense linear solver needs about %s for nnz = %d, over MemoryLimit (%s)", bytesize.Format(denseBytes(sv.nnz)), sv.nnz, bytesize.Format(float64(set.MemoryLimit)))
	}
	return linear, nil
}

// denseRate is the assumed dense throughput before the first dense
// iteration has been timed, deliberately low: 0.5 GFLOP/s.
const denseRate = 0.5e9

// checkDenseTime ends the run before a dense linearization whose predicted
// time exceeds what is left of the time limit (a factorization cannot be
// interrupted). The rate is measured on the run's own dense iterations.
func (md *localModel) checkDenseTime() (r *Result, done bool, err error) {
	sv := md.sv
	left := sv.remaining()
	flops := denseFlops(sv.nnz, sv.dim, md.curvature == hessianCurvature)
	rate := denseRate
	if spent := sv.res.Times.Precondition + sv.res.Times.LinearSolve; md.denseIters > 0 && spent > 0 {
		rate = float64(md.denseIters) * flops / spent.Seconds()
	}
	predicted := time.Duration(flops / rate * 1e9)
	md.denseIters++
	if predicted > left {
		r, err = sv.finish(TimeLimit, fmt.Sprintf("the next dense factorization (predicted %v) would not finish within Settings.TimeLimit = %v", predicted.Round(time.Millisecond), sv.set.TimeLimit), nil)
		return r, true, err
	}
	return nil, false, nil
}
