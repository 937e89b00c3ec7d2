package krylov

import (
	"math"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/vec"
)

// BlockJacobi is the preconditioner M = diag(M_0, M_1, …) whose block M_b,
// symmetric positive semidefinite and q_b×q_b, acts on the entries
// [voff[b], voff[b+1]) of a vector. Factor computes each block's Cholesky
// factor and explicit inverse; Apply is then one dense product per block,
// free of the divisions and serial dependences of triangular solves, which
// pays because it runs many times per factorization.
//
// The blocks of a least-squares problem scale with the square of its scale,
// so their inverses can leave the floating-point range long before the
// problem does. Factor therefore takes the blocks divided by 2^unit, unit
// an even integer chosen by the caller (see Unit), and Apply and NormM
// scale back; with unit 0 nothing changes.
type BlockJacobi struct {
	threads int
	voff    []int     // block b acts on x[voff[b]:voff[b+1]]
	off     []int     // block b's factor at fac[off[b]:off[b+1]], q_b×q_b row-major
	fac     []float64 // lower Cholesky factors
	inv     []float64 // the inverses (LLᵀ)⁻¹ of the blocks, same layout
	unit    int
	maxQ    int
	scratch [parallel.MaxParts][]float64 // per part: q²+q floats for Factor

	loop  parallel.Loop
	apply applyKernel
}

// NewBlockJacobi returns the preconditioner for the blocks given by voff
// (nondecreasing, voff[0] = 0), run on up to threads goroutines (see
// parallel.Threads). Its blocks must be set by Factor before Apply is used.
func NewBlockJacobi(voff []int, threads int) *BlockJacobi {
	nb := len(voff) - 1
	bj := &BlockJacobi{threads: threads, voff: voff, off: make([]int, nb+1)}
	for b := 0; b < nb; b++ {
		q := voff[b+1] - voff[b]
		bj.off[b+1] = bj.off[b] + q*q
		bj.maxQ = max(bj.maxQ, q)
	}
	bj.fac = make([]float64, bj.off[nb])
	bj.inv = make([]float64, bj.off[nb])
	bj.apply.bj = bj
	return bj
}

// Unit returns the even exponent u such that big/2^u is near 1, or 0 while
// big, the largest diagonal entry of the blocks, lies in [2⁻²⁵⁷, 2²⁵⁶) or
// is 0 or not finite; e in big = f·2^e, ½ ≤ f < 1, rounded down to even.
func Unit(big float64) int {
	_, e := math.Frexp(big)
	if big == 0 || math.IsInf(big, 0) || math.IsNaN(big) || (e >= -256 && e <= 256) {
		return 0
	}
	return e &^ 1
}

// Factor sets the blocks and factors them. fill(part, b, f) must store
// M_b/2^unit, symmetric, in the q_b×q_b row-major f; part, below
// parallel.MaxParts, identifies the goroutine, and two calls with the same
// part never overlap. work estimates the multiply-adds of all the calls to
// fill, to decide how many goroutines to use. A block that is not positive
// definite is shifted by the smallest multiple of its mean absolute
// diagonal (1e-12, 1e-10, …) that makes it so, and one that stays singular
// is replaced by a multiple of the identity (see CholeskyShifted).
func (bj *BlockJacobi) Factor(unit int, work float64, fill func(part, b int, f []float64)) {
	bj.unit = unit
	nb := len(bj.voff) - 1
	q2 := bj.maxQ * bj.maxQ
	parallel.For(bj.threads, nb, work+float64(len(bj.fac))*float64(bj.maxQ), func(part, lo, hi int) {
		if bj.scratch[part] == nil {
			bj.scratch[part] = make([]float64, q2+bj.maxQ)
		}
		orig, col := bj.scratch[part][:q2], bj.scratch[part][q2:]
		for b := lo; b < hi; b++ {
			q := bj.voff[b+1] - bj.voff[b]
			if q == 0 {
				continue
			}
			f := bj.fac[bj.off[b]:bj.off[b+1]]
			fill(part, b, f)
			CholeskyShifted(f, q, orig)
			inv := bj.inv[bj.off[b]:bj.off[b+1]]
			for j := 0; j < q; j++ {
				c := col[:q]
				vec.Zero(c)
				c[j] = 1
				CholSolve(f, q, c)
				for i, v := range c {
					inv[i*q+j] = v
				}
			}
		}
	})
}

// Apply stores M⁻¹r into dst. It allocates nothing.
func (bj *BlockJacobi) Apply(dst, r []float64) {
	bj.apply.dst, bj.apply.r = dst, r
	bj.loop.Run(bj.threads, &bj.apply, len(bj.voff)-1, 2*float64(len(bj.fac)), nil, 1)
	bj.apply.dst, bj.apply.r = nil, nil
}

// applyKernel computes the blocks [lo, hi) of M⁻¹r.
type applyKernel struct {
	bj     *BlockJacobi
	dst, r []float64
}

// Run computes the blocks [lo, hi) of dst.
func (k *applyKernel) Run(_, lo, hi int) {
	bj := k.bj
	for b := lo; b < hi; b++ {
		o0, o1 := bj.voff[b], bj.voff[b+1]
		q := o1 - o0
		if q == 0 {
			continue
		}
		inv := bj.inv[bj.off[b]:bj.off[b+1]]
		x, rb := k.dst[o0:o1], k.r[o0:o1]
		for i := range x {
			row := inv[i*q : i*q+q]
			var s float64
			for j, v := range rb {
				s += row[j] * v
			}
			x[i] = s
		}
		if bj.unit != 0 {
			for i, v := range x {
				x[i] = math.Ldexp(v, -bj.unit)
			}
		}
	}
}

// NormM returns sqrt(xᵀMx) = ‖Lᵀx‖ for the factored M = LLᵀ.
func (bj *BlockJacobi) NormM(x []float64) float64 {
	var sum float64
	for b := 0; b+1 < len(bj.voff); b++ {
		o0, o1 := bj.voff[b], bj.voff[b+1]
		q := o1 - o0
		f := bj.fac[bj.off[b]:bj.off[b+1]]
		xb := x[o0:o1]
		for i := 0; i < q; i++ {
			var s float64
			for k := i; k < q; k++ {
				s += f[k*q+i] * xb[k]
			}
			sum += s * s
		}
	}
	return math.Ldexp(math.Sqrt(sum), bj.unit/2)
}

// Solve overwrites x, of length voff[len(voff)−1], with M⁻¹x by two
// triangular solves per block with the Cholesky factors, unscaled by unit.
// It is Apply's slower reference.
func (bj *BlockJacobi) Solve(x []float64) {
	for b := 0; b+1 < len(bj.voff); b++ {
		o0, o1 := bj.voff[b], bj.voff[b+1]
		CholSolve(bj.fac[bj.off[b]:bj.off[b+1]], o1-o0, x[o0:o1])
	}
}
