package sparsels

import (
	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// dispatch holds what one parallel evaluation step needs: a parallel.Loop
// and the task structs of the kernels, so that handing a kernel to the
// workers allocates nothing. Obtain one with Problem.getDispatch; a
// dispatch runs one loop at a time.
type dispatch struct {
	parallel.Loop
	tmp []float64 // slot-ordered output of a split sampling kernel

	gather  sparsemat.GatherKernel
	gather2 sparsemat.Gather2Kernel
	operand sparsemat.OperandKernel
	resid   residualTask
	sample  sampleTask
	hsample hessianSampleTask
	transp  sparsemat.TransposeKernel
	load    loadTask
	prod    productTask
	gquad   gramQuadTask
	gsample gramSampleTask
	ssample sDotsTask
	mirror  mirrorTask
}

// getDispatch returns a dispatch from p's free list; return it with
// putDispatch.
func (p *Problem) getDispatch() *dispatch {
	if d := popFree(p.shared, &p.shared.freeDispatch); d != nil {
		return d
	}
	return new(dispatch)
}

func (p *Problem) putDispatch(d *dispatch) { pushFree(p.shared, &p.shared.freeDispatch, d) }

// maxThreads returns the number of goroutines p may use: its WithThreads
// setting, capped by GOMAXPROCS.
func (p *Problem) maxThreads() int { return parallel.Threads(p.threads) }

// partsFor returns the number of ranges for a loop of n items costing about
// work multiply-adds in all.
func (p *Problem) partsFor(n int, work float64) int { return parallel.Parts(p.threads, n, work) }

// runRange runs k over the items [0, n) on the dispatch d with p's thread
// limit; see parallel.Loop.Run.
func (p *Problem) runRange(d *dispatch, k parallel.Kernel, n int, work float64, ptr []int, block int) {
	d.Run(p.threads, k, n, work, ptr, block)
}
