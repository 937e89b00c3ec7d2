package sparsels_test

import (
	"fmt"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// benchProblem is a problem built once per benchmark binary.
type benchProblem struct {
	once sync.Once
	inst *testprob.Instance
	p    *sparsels.Problem
}

func (bp *benchProblem) get(b *testing.B, n, m, c int, denseY bool) (*sparsels.Problem, *testprob.Instance) {
	bp.once.Do(func() {
		bp.inst = testprob.Coarsening(n, m, c, denseY, 1)
		bp.p = newTestProblem(b, bp.inst)
	})
	return bp.p, bp.inst
}

// The large coarsening problem: n = 6000, m = r = 500, c = 100, 7 nonzeros per row of G and at
// most 7 per row of L (nnz(G) = 42000, r c = 50000). Its dense Jacobian (50000×42000) and
// Gauss-Newton matrix (42000×42000) would take 16.8 GB and 14 GB, so only the matrix-free
// evaluations are benchmarked at this size.
var largeDiag, largeDense benchProblem

// The medium coarsening problem: n = 150, m = r = 100, c = 100 (nnz(G) = 1050, r c = 10000),
// where the dense Jacobian (84 MB) and Gauss-Newton matrix fit.
var mediumDiag, mediumDense benchProblem

func BenchmarkCoarsening(b *testing.B) {
	for _, v := range []struct {
		name   string
		bp     *benchProblem
		denseY bool
	}{{"diagY", &largeDiag, false}, {"denseY", &largeDense, true}} {
		b.Run(v.name, func(b *testing.B) {
			p, inst := v.bp.get(b, 6000, 500, 100, v.denseY)
			g := inst.G
			nnz := len(g)
			_, _, r, c := p.Dims()
			x := randomPoint(nnz, 1)
			w := randomPoint(r*c, 2)
			jx := make([]float64, r*c)
			out := make([]float64, nnz)
			res := mat.NewDense(r, c, nil)
			op := p.JacobianOperator(g)
			for _, bench := range []struct {
				name string
				fn   func()
			}{
				{"Residual", func() { p.Residual(res, g) }},
				{"Energy", func() { p.Energy(g) }},
				{"Gradient", func() { p.Gradient(out, g) }},
				{"EnergyGradient", func() { p.EnergyGradient(out, g) }},
				{"JacobianOperator", func() { p.JacobianOperator(g) }},
				{"Jx", func() { op.MulVecTo(jx, false, x) }},
				{"JTw", func() { op.MulVecTo(out, true, w) }},
				{"JTJx", func() { op.GaussNewtonMulVecTo(out, x) }},
				{"Hx", func() { op.HessianMulVecTo(out, x) }},
				{"GaussNewtonDiag", func() { p.GaussNewtonDiag(out, g) }},
			} {
				b.Run(bench.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						bench.fn()
					}
				})
			}
		})
	}
}

// BenchmarkDenseMatrices times the dense Jacobian and Gauss-Newton matrix on the medium problem,
// and compares GaussNewton with forming J by Jacobian and then Jᵀ J by gonum's SymOuterK (BLAS
// Dsyrk).
func BenchmarkDenseMatrices(b *testing.B) {
	for _, v := range []struct {
		name   string
		bp     *benchProblem
		denseY bool
	}{{"diagY", &mediumDiag, false}, {"denseY", &mediumDense, true}} {
		b.Run(v.name, func(b *testing.B) {
			p, inst := v.bp.get(b, 150, 100, 100, v.denseY)
			g := inst.G
			nnz := len(g)
			_, _, r, c := p.Dims()
			J := mat.NewDense(r*c, nnz, nil)
			gn := mat.NewSymDense(nnz, nil)
			h := mat.NewSymDense(nnz, nil)
			b.Run(fmt.Sprintf("Jacobian/%dx%d", r*c, nnz), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Jacobian(J, g)
				}
			})
			b.Run(fmt.Sprintf("GaussNewton/%d", nnz), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.GaussNewton(gn, g)
				}
			})
			b.Run(fmt.Sprintf("JacobianThenSyrk/%d", nnz), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Jacobian(J, g)
					gn.SymOuterK(1, J.T())
				}
			})
			b.Run(fmt.Sprintf("Hessian/%d", nnz), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Hessian(h, g)
				}
			})
		})
	}
}
