package sparsels_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/internal/testprob"
)

// TestConcurrentEvaluations evaluates one Problem from many goroutines at
// once (run it with -race): every result must be bit-identical to the
// sequential one.
func TestConcurrentEvaluations(t *testing.T) {
	for _, shape := range []struct {
		name string
		inst *testprob.Instance
		n, m int
	}{
		{"small dense", testprob.Random(testprob.Spec{N: 9, M: 5, R: 4, C: 3, NNZPerRow: 2, Symmetric: false, Seed: 3}), 9, 5},
		{"coarsening", testprob.Coarsening(600, 20, 6, false, 5), 600, 20},
	} {
		t.Run(shape.name, func(t *testing.T) {
			inst := shape.inst
			pat, err := sparsels.NewPattern(shape.n, shape.m, inst.I, inst.J)
			if err != nil {
				t.Fatal(err)
			}
			p, err := sparsels.NewProblem(inst.X, inst.Y, inst.L, inst.B, pat)
			if err != nil {
				t.Fatal(err)
			}
			nnz := pat.NNZ()
			small := nnz <= 200
			type out struct {
				e, e2        float64
				grad, grad2  []float64
				res          []float64
				diag         []float64
				blocks       []float64
				hess, gn     []float64
				jx, jtw, jtj []float64
				hx           []float64
			}
			x := make([]float64, nnz)
			for k := range x {
				x[k] = math.Cos(float64(k))
			}
			eval := func(g []float64) out {
				var o out
				o.e = p.Energy(g)
				o.grad = p.Gradient(nil, g)
				o.e2, o.grad2 = p.EnergyGradient(nil, g)
				var f mat.Dense
				p.Residual(&f, g)
				o.res = append([]float64(nil), f.RawMatrix().Data...)
				o.diag = p.GaussNewtonDiag(nil, g)
				bd := p.GaussNewtonBlocks(nil, g)
				for a := 0; a < shape.n; a++ {
					o.blocks = append(o.blocks, bd.Block(a)...)
				}
				if small {
					var h, gn mat.SymDense
					p.Hessian(&h, g)
					p.GaussNewton(&gn, g)
					o.hess = append([]float64(nil), h.RawSymmetric().Data...)
					o.gn = append([]float64(nil), gn.RawSymmetric().Data...)
				}
				op := p.JacobianOperator(g)
				rows, _ := op.Dims()
				o.jx = make([]float64, rows)
				op.MulVecTo(o.jx, false, x)
				o.jtw = make([]float64, nnz)
				op.MulVecTo(o.jtw, true, o.jx)
				o.jtj = make([]float64, nnz)
				op.GaussNewtonMulVecTo(o.jtj, x)
				o.hx = make([]float64, nnz)
				op.HessianMulVecTo(o.hx, x)
				return o
			}
			points := make([][]float64, 4)
			want := make([]out, len(points))
			for i := range points {
				points[i] = make([]float64, nnz)
				for k := range points[i] {
					points[i][k] = inst.G[k] * (1 + 0.1*float64(i)*math.Sin(float64(k)))
				}
				want[i] = eval(points[i])
			}
			same := func(a, b []float64) bool {
				if len(a) != len(b) {
					return false
				}
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
						return false
					}
				}
				return true
			}
			var wg sync.WaitGroup
			errs := make(chan string, 64)
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for rep := 0; rep < 3; rep++ {
						i := (w + rep) % len(points)
						o, ref := eval(points[i]), want[i]
						switch {
						case o.e != ref.e || o.e2 != ref.e2:
							errs <- fmt.Sprintf("point %d: energy %v, %v; sequential %v, %v", i, o.e, o.e2, ref.e, ref.e2)
						case !same(o.grad, ref.grad) || !same(o.grad2, ref.grad2):
							errs <- fmt.Sprintf("point %d: gradient differs", i)
						case !same(o.res, ref.res):
							errs <- fmt.Sprintf("point %d: residual differs", i)
						case !same(o.diag, ref.diag) || !same(o.blocks, ref.blocks):
							errs <- fmt.Sprintf("point %d: Gauss-Newton diagonal or blocks differ", i)
						case !same(o.hess, ref.hess) || !same(o.gn, ref.gn):
							errs <- fmt.Sprintf("point %d: Hessian or GaussNewton differs", i)
						case !same(o.jx, ref.jx) || !same(o.jtw, ref.jtw) || !same(o.jtj, ref.jtj) || !same(o.hx, ref.hx):
							errs <- fmt.Sprintf("point %d: operator products differ", i)
						}
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// TestConcurrentSolves runs two Solves on one Problem at once, and a
// third cancelled from another goroutine, alongside: the two complete runs
// must match a sequential run bit for bit. It runs LevenbergMarquardt with
// LinearCG and HybridGaussNewton, whose line probe borrows the Problem's
// pooled workspaces.
func TestConcurrentSolves(t *testing.T) {
	inst := testprob.Coarsening(800, 25, 6, false, 8)
	pat, err := sparsels.NewPattern(800, 25, inst.I, inst.J)
	if err != nil {
		t.Fatal(err)
	}
	X := mat.DenseCopyOf(inst.X)
	X.Scale(1.2, X)
	p, err := sparsels.NewProblem(X, inst.Y, inst.L, inst.B, pat)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sparsels.RowSumConstraints(pat)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []sparsels.Method{sparsels.LevenbergMarquardt, sparsels.HybridGaussNewton} {
		set := func() *sparsels.Settings {
			return &sparsels.Settings{Method: m, Linear: sparsels.LinearCG, Constraints: cs, MaxIterations: 8}
		}
		seq, err := sparsels.Solve(context.Background(), p, inst.G, set())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]*sparsels.Result, 2)
		errs := make([]error, 3)
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i], errs[i] = sparsels.Solve(context.Background(), p, inst.G, set())
			}(i)
		}
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		var cancelled *sparsels.Result
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := set()
			s.MaxIterations = 1000
			s.FunctionTol, s.GradientTol, s.StepTol = -1, -1, -1
			once := sync.Once{}
			s.Callback = func(sparsels.IterationRecord) error { once.Do(func() { close(started) }); return nil }
			cancelled, errs[2] = sparsels.Solve(ctx, p, inst.G, s)
		}()
		go func() { <-started; cancel() }()
		wg.Wait()
		cancel()
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("%v: concurrent Solve %d: %v", m, i, errs[i])
			}
			if r.Status != seq.Status || r.Iterations != seq.Iterations || r.Energy != seq.Energy || relDiff(r.G, seq.G) != 0 {
				t.Errorf("%v: concurrent Solve %d: %v after %d iterations, E = %.17g; sequential %v after %d, E = %.17g",
					m, i, r.Status, r.Iterations, r.Energy, seq.Status, seq.Iterations, seq.Energy)
			}
		}
		if !errors.Is(errs[2], context.Canceled) || cancelled == nil || cancelled.Status != sparsels.Canceled {
			t.Fatalf("%v: cancelled Solve: %v, %v", m, cancelled, errs[2])
		}
		checkSolveContract(t, fmt.Sprintf("%v: cancelled", m), p, &sparsels.Settings{Constraints: cs}, cancelled)
	}
}

// TestConcurrentDistinctPoints evaluates one Problem from 8 goroutines,
// each at its own point, and compares the results bit for bit with
// sequential evaluation.
func TestConcurrentDistinctPoints(t *testing.T) {
	inst := testprob.Coarsening(60, 9, 4, false, 3)
	p := newTestProblem(t, inst)
	nnz := len(inst.G)
	_, _, r, c := p.Dims()
	type result struct {
		e                     float64
		grad, jx, jtw, gn, hx []float64
	}
	eval := func(g []float64, seed uint64) result {
		var res result
		res.e = p.Energy(g)
		res.grad = p.Gradient(nil, g)
		op := p.JacobianOperator(g)
		x := randomPoint(nnz, seed)
		w := randomPoint(r*c, seed+1)
		res.jx = make([]float64, r*c)
		op.MulVecTo(res.jx, false, x)
		res.jtw = make([]float64, nnz)
		op.MulVecTo(res.jtw, true, w)
		res.gn = make([]float64, nnz)
		op.GaussNewtonMulVecTo(res.gn, x)
		res.hx = make([]float64, nnz)
		op.HessianMulVecTo(res.hx, x)
		return res
	}
	const workers = 8
	points := make([][]float64, workers)
	want := make([]result, workers)
	for w := range workers {
		points[w] = randomPoint(nnz, uint64(100+w))
		want[w] = eval(points[w], uint64(w))
	}
	got := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				got[w] = eval(points[w], uint64(w))
			}
		}()
	}
	wg.Wait()
	for w := range workers {
		g, wt := got[w], want[w]
		if math.Float64bits(g.e) != math.Float64bits(wt.e) || !floats.Same(g.grad, wt.grad) || !floats.Same(g.jx, wt.jx) ||
			!floats.Same(g.jtw, wt.jtw) || !floats.Same(g.gn, wt.gn) || !floats.Same(g.hx, wt.hx) {
			t.Errorf("worker %d: concurrent results differ from sequential ones", w)
		}
	}
}
