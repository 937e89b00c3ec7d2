package sparsels

import (
	"math"

	"github.com/sparsels/sparsels/internal/krylov"
	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/vec"
)

// blockPrecond is the block-Jacobi preconditioner of the solvers in the
// null-space coordinates ξ of the constraints: for each row a of G,
// M_a = Z_aᵀ(B_a + diag(e_a))Z_a, where B_a is the row's block of JᵀJ (for
// the Jacobi kind only its diagonal), e a nonnegative diagonal shift
// (Tikhonov weight and damping) and Z_a the row's null-space basis. The
// blocks are factored and applied by a krylov.BlockJacobi, scaled by
// krylov.Unit of their largest diagonal entry; NoPreconditioner makes M the
// identity.
type blockPrecond struct {
	cs      *Constraints
	kind    Preconditioner
	bj      *krylov.BlockJacobi
	maxP    int
	scratch [parallel.MaxParts][]float64 // per part: 2·max p_a² floats for the reduction
}

func newBlockPrecond(cs *Constraints, kind Preconditioner, threads int) *blockPrecond {
	bp := &blockPrecond{cs: cs, kind: kind, bj: krylov.NewBlockJacobi(cs.nullOff, threads)}
	for a := range cs.rank {
		bp.maxP = max(bp.maxP, len(cs.pat.RowIndices(a)))
	}
	return bp
}

// update factors the blocks of blocks (JᵀJ by rows, may be nil for
// NoPreconditioner) plus diag(shift) (full length nnz), reduced to the null
// space.
func (bp *blockPrecond) update(blocks *BlockDiag, shift []float64) {
	if bp.kind == NoPreconditioner {
		return
	}
	cs := bp.cs
	sz := bp.maxP * bp.maxP
	unit := krylov.Unit(blocksMaxDiag(blocks, shift))
	var work float64
	for a := range cs.rank {
		q := cs.nullOff[a+1] - cs.nullOff[a]
		work += float64(q*q) * float64(sz)
	}
	bp.bj.Factor(unit, work, func(part, a int, f []float64) {
		if bp.scratch[part] == nil {
			bp.scratch[part] = make([]float64, 2*sz)
		}
		tmp, tzs := bp.scratch[part][:sz], bp.scratch[part][sz:]
		idx := cs.pat.RowIndices(a)
		pa := len(idx)
		u, ld, c0, q := cs.nullBasis(a)
		blk := blocks.Block(a)
		// t = B_a + diag(shift) (Jacobi: only its diagonal).
		t := tmp[:pa*pa]
		for i := 0; i < pa; i++ {
			for j := 0; j < pa; j++ {
				v := blk[i*pa+j]
				if bp.kind == Jacobi && i != j {
					v = 0
				}
				t[i*pa+j] = v
			}
			t[i*pa+i] += shift[idx[i]]
		}
		if unit != 0 {
			for i, v := range t {
				t[i] = math.Ldexp(v, -unit)
			}
		}
		// tz = t Z (p×q), then f = Zᵀ tz (q×q).
		tz := tzs[:pa*q]
		for i := 0; i < pa; i++ {
			for y := 0; y < q; y++ {
				var s float64
				for j := 0; j < pa; j++ {
					s += t[i*pa+j] * u[j*ld+c0+y]
				}
				tz[i*q+y] = s
			}
		}
		for x := 0; x < q; x++ {
			for y := 0; y <= x; y++ {
				var s float64
				for i := 0; i < pa; i++ {
					s += u[i*ld+c0+x] * tz[i*q+y]
				}
				f[x*q+y], f[y*q+x] = s, s
			}
		}
	})
}

// blocksMaxDiag returns the largest |B_a[i,i] + shift| over the blocks.
func blocksMaxDiag(blocks *BlockDiag, shift []float64) float64 {
	var big float64
	pat := blocks.pat
	for a := 0; a < pat.rows; a++ {
		idx := pat.RowIndices(a)
		blk, pa := blocks.Block(a), len(idx)
		for i, k := range idx {
			if v := math.Abs(blk[i*pa+i] + shift[k]); v > big {
				big = v
			}
		}
	}
	return big
}

// apply stores M⁻¹r into dst (reduced coordinates).
func (bp *blockPrecond) apply(dst, r []float64) {
	if bp.kind == NoPreconditioner {
		copy(dst, r)
		return
	}
	bp.bj.Apply(dst, r)
}

// normM returns sqrt(xᵀMx) = ‖Lᵀx‖ for the preconditioner matrix M = LLᵀ.
func (bp *blockPrecond) normM(x []float64) float64 {
	if bp.kind == NoPreconditioner {
		return math.Sqrt(vec.Dot(x, x))
	}
	return bp.bj.NormM(x)
}
