package sparsels

import (
	"fmt"
	"time"

	"github.com/sparsels/sparsels/internal/bytesize"
)

// Predicted costs that choose between the dense and the matrix-free linear
// algebra (LinearAuto) and keep the dense path within the time limit.

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
func (p *Problem) cgFlops(budget int) float64 {
	c := float64(max(p.c, 1))
	product := 2 * (5*float64(p.pat.NNZ()) + 2*float64(p.l.NNZ())) * c
	var blocks float64
	for a := 0; a < p.n; a++ {
		q := float64(len(p.pat.RowIndices(a)))
		blocks += q * q * (q + c)
	}
	return float64(budget)*product + blocks
}

// denseWorth is how many matrix-free iterations one dense iteration is
// taken to be worth: it solves its subproblem exactly, which matters on tiny
// nonconvex problems. Measured on testprob.Coarsening problems with rows
// summing to 1 (one run, nnz 80 to 980), matrix-free CG was faster every
// time: Newton 1–81 ms against 115 ms–18 s dense (20–29 iterations against
// 5–13), LM 0–53 ms against 2–481 ms. So the dense path is chosen only
// where its predicted flops are within this factor of CG's, which in
// practice means a few dozen nonzeros.
const denseWorth = 20

// chooseLinear resolves LinearAuto by predicted cost and checks the dense
// path against MemoryLimit.
func (sv *solver) chooseLinear(eigen bool) (LinearSolver, error) {
	set := sv.set
	nnz := int64(sv.nnz)
	bytes := 4 * nnz * nnz * 8
	switch set.Linear {
	case LinearAuto:
		if sv.nnz <= set.DenseMaxNNZ && bytes <= set.MemoryLimit &&
			denseFlops(sv.nnz, sv.dim, eigen) < denseWorth*sv.p.cgFlops(set.MaxCGIterations) {
			return LinearDense, nil
		}
		return LinearCG, nil
	case LinearDense:
		if nnz > 0 && bytes > set.MemoryLimit {
			return 0, fmt.Errorf("sparsels: Solve: the dense linear solver needs about %s for nnz = %d, over MemoryLimit (%s)", bytesize.Format(float64(bytes)), nnz, bytesize.Format(float64(set.MemoryLimit)))
		}
	}
	return set.Linear, nil
}

// denseRate is the assumed dense throughput before the first dense
// iteration has been timed, deliberately low: 0.5 GFLOP/s.
const denseRate = 0.5e9

// checkDenseTime ends the run before a dense linearization whose predicted
// time exceeds what is left of the time limit (a factorization cannot be
// interrupted). The rate is measured on the run's own dense iterations.
func (so *secondOrder) checkDenseTime() (*Result, error, bool) {
	sv := so.sv
	left := sv.remaining()
	flops := denseFlops(sv.nnz, sv.dim, so.hessian)
	rate := denseRate
	if spent := sv.res.Times.Precondition + sv.res.Times.LinearSolve; so.denseIters > 0 && spent > 0 {
		rate = float64(so.denseIters) * flops / spent.Seconds()
	}
	predicted := time.Duration(flops / rate * 1e9)
	so.denseIters++
	if predicted > left {
		r, err := sv.finish(TimeLimit, fmt.Sprintf("the next dense factorization (predicted %v) would not finish within Settings.TimeLimit = %v", predicted.Round(time.Millisecond), sv.set.TimeLimit), nil)
		return r, err, true
	}
	return nil, nil, false
}
