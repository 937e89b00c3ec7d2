package sparsels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/sparsels/sparsels/internal/parallel"
	"github.com/sparsels/sparsels/internal/sparsemat"
)

// withSmallParts lowers the work threshold so that small test problems are
// split, and raises GOMAXPROCS to 4 so that up to four ranges run even on
// fewer cores. It returns a function that restores both.
func withSmallParts() func() {
	old := parallel.MinPartWork
	procs := runtime.GOMAXPROCS(4)
	parallel.MinPartWork = 1
	return func() {
		parallel.MinPartWork = old
		runtime.GOMAXPROCS(procs)
	}
}

// TestThreadsBitIdentical checks that every parallel evaluation returns the
// same bits for 1, 2, 3 and 4 goroutines, in both forms and for every kind
// of Y and of L.
func TestThreadsBitIdentical(t *testing.T) {
	defer withSmallParts()()
	for ci, fc := range formCases {
		t.Run(fc.String(), func(t *testing.T) {
			p0, g := newFormProblem(t, fc, uint64(ci+40))
			nnz, rc := p0.pat.NNZ(), p0.r*p0.c
			rng := rand.New(rand.NewPCG(uint64(ci), 8))
			x, w := perfVec(rng, nnz), perfVec(rng, rc)
			for _, gram := range []bool{false, true} {
				var ref [][]float64
				for k := 1; k <= 4; k++ {
					p := p0.withForm(gram).WithThreads(k)
					var got [][]float64
					e, grad := p.EnergyGradient(nil, g)
					got = append(got, []float64{e, p.Energy(g)}, grad)
					op := p.JacobianOperator(g)
					jx, jtw := make([]float64, rc), make([]float64, nnz)
					gn, hx := make([]float64, nnz), make([]float64, nnz)
					op.MulVecTo(jx, false, x)
					op.MulVecTo(jtw, true, w)
					op.GaussNewtonMulVecTo(gn, x)
					op.HessianMulVecTo(hx, x)
					got = append(got, jx, jtw, gn, hx, op.Gradient(nil))
					if k == 1 {
						ref = got
						continue
					}
					for i := range got {
						for j := range got[i] {
							if math.Float64bits(got[i][j]) != math.Float64bits(ref[i][j]) {
								t.Fatalf("Gram %v, %d goroutines: result %d entry %d is %v, with 1 goroutine %v", gram, k, i, j, got[i][j], ref[i][j])
							}
						}
					}
				}
			}
		})
	}
}

// TestWithThreads checks that WithThreads shares the data and scratch space
// of p and records the setting.
func TestWithThreads(t *testing.T) {
	p, _ := newFormProblem(t, formCases[0], 1)
	for _, k := range []int{-3, 0, 1, 5} {
		q := p.WithThreads(k)
		if q.shared != p.shared || q.pat != p.pat || &q.x[0] != &p.x[0] || q.plan != p.plan {
			t.Errorf("WithThreads(%d) does not share p's data", k)
		}
		if want := max(k, 0); q.threads != want {
			t.Errorf("WithThreads(%d).threads = %d, want %d", k, q.threads, want)
		}
		if p.threads != 0 {
			t.Errorf("WithThreads(%d) changed p", k)
		}
	}
	if got, want := p.WithThreads(1).maxThreads(), 1; got != want {
		t.Errorf("maxThreads with 1 thread = %d, want %d", got, want)
	}
	if got, want := p.WithThreads(1000).maxThreads(), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("maxThreads with 1000 threads = %d, want GOMAXPROCS = %d", got, want)
	}
}

// TestConcurrentThreads runs evaluations of one Problem, split across
// goroutines, from several goroutines at once and checks them against a
// serial run (with -race it also checks for data races).
func TestConcurrentThreads(t *testing.T) {
	defer withSmallParts()()
	fc := formCase{n: 60, m: 10, c: 6, perRow: 3, y: sparsemat.Diag, lSym: false, emptyRows: true}
	p0, g := newFormProblem(t, fc, 5)
	for _, gram := range []bool{false, true} {
		p := p0.withForm(gram)
		e0, g0 := p.WithThreads(1).EnergyGradient(nil, g)
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for gr := 0; gr < 6; gr++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := p.WithThreads(gr%3 + 1)
				dst := make([]float64, len(g))
				for it := 0; it < 20; it++ {
					e, _ := q.EnergyGradient(dst, g)
					if e != e0 {
						errs <- fmt.Sprintf("goroutine %d: energy %v, want %v", gr, e, e0)
						return
					}
					for k := range dst {
						if dst[k] != g0[k] {
							errs <- fmt.Sprintf("goroutine %d: gradient[%d] %v, want %v", gr, k, dst[k], g0[k])
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("Gram %v: %s", gram, e)
		}
	}
}

// TestZeroAllocs checks that repeated evaluations allocate nothing, in both
// forms and with one and two goroutines.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	defer withSmallParts()()
	for ci, fc := range formCases[:6] {
		p0, g := newFormProblem(t, fc, uint64(ci+70))
		nnz, rc := p0.pat.NNZ(), p0.r*p0.c
		x, w := make([]float64, nnz), make([]float64, rc)
		copy(x, g)
		dst, jx := make([]float64, nnz), make([]float64, rc)
		for _, gram := range []bool{false, true} {
			for k := 1; k <= 2; k++ {
				p := p0.withForm(gram).WithThreads(k)
				op := p.JacobianOperator(g)
				for _, f := range []struct {
					name string
					fn   func()
				}{
					{"Energy", func() { p.Energy(g) }},
					{"EnergyGradient", func() { p.EnergyGradient(dst, g) }},
					{"J·x", func() { op.MulVecTo(jx, false, x) }},
					{"Jᵀ·w", func() { op.MulVecTo(dst, true, w) }},
					{"JᵀJ·x", func() { op.GaussNewtonMulVecTo(dst, x) }},
					{"∇²E·x", func() { op.HessianMulVecTo(dst, x) }},
					{"SetPoint", func() { op.SetPoint(g) }},
					{"Gradient", func() { op.Gradient(dst) }},
				} {
					if a := testing.AllocsPerRun(5, f.fn); a != 0 {
						t.Errorf("%v, Gram %v, %d goroutines: %s allocates %v times per call", fc, gram, k, f.name, a)
					}
				}
			}
		}
	}
}

// benchOps returns the benchmarked evaluations of p at g.
func benchOps(p *Problem, g []float64) []struct {
	name string
	fn   func()
} {
	nnz, rc := p.pat.NNZ(), p.r*p.c
	op := p.JacobianOperator(g)
	x := append([]float64(nil), g...)
	w := make([]float64, rc)
	for i := range w {
		w[i] = float64(i%7) - 3
	}
	dst, jx := make([]float64, nnz), make([]float64, rc)
	return []struct {
		name string
		fn   func()
	}{
		{"EnergyGradient", func() { p.EnergyGradient(dst, g) }},
		{"Energy", func() { p.Energy(g) }},
		{"GaussNewtonMulVecTo", func() { op.GaussNewtonMulVecTo(dst, x) }},
		{"HessianMulVecTo", func() { op.HessianMulVecTo(dst, x) }},
		{"MulVecTo", func() { op.MulVecTo(jx, false, x) }},
		{"MulVecToTrans", func() { op.MulVecTo(dst, true, w) }},
	}
}

// BenchmarkPerf measures the main evaluations on the coarsening shape
// (n = 6172, m = 500, c = 100, 7 nonzeros per row of G and L, diagonal Y) in
// the direct form, the Gram form and NewProblem's choice, with 1 and 2
// goroutines, and on a 10× larger shape (n = 61720, m = 5000, where the Gram
// form's m×m storage exceeds its cap, so the direct form is used).
func BenchmarkPerf(b *testing.B) {
	for _, sh := range []struct {
		name          string
		n, m, c, nnzr int
		forms         []string
	}{
		{"coarse", 6172, 500, 100, 7, []string{"direct", "gram"}},
		{"coarse10x", 61720, 5000, 100, 7, []string{"auto"}},
	} {
		b.Run(sh.name, func(b *testing.B) {
			if sh.n > 10000 && testing.Short() {
				b.Skip("large shape skipped in short mode")
			}
			p0, g := perfProblem(b, sh.n, sh.m, sh.c, sh.nnzr, 3)
			for _, form := range sh.forms {
				p1 := p0
				switch form {
				case "direct":
					p1 = p0.withForm(false)
				case "gram":
					p1 = p0.withForm(true)
				}
				for _, k := range []int{1, 2} {
					p := p1.WithThreads(k)
					for _, o := range benchOps(p, g) {
						b.Run(fmt.Sprintf("%s/t%d/%s", form, k, o.name), func(b *testing.B) {
							b.ReportAllocs()
							o.fn()
							b.ResetTimer()
							for i := 0; i < b.N; i++ {
								o.fn()
							}
						})
					}
				}
			}
		})
	}
}
