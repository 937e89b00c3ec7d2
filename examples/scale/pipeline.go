package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/mesh"

	"github.com/sparsels/sparsels/internal/runstats"
)

// pipeline runs the stages after the read on msh, recording them in r: the
// operators, then coarsen.Spectral with its defaults, its stages told apart
// by its Progress calls.
func (o *options) pipeline(ctx context.Context, r *run, msh *mesh.Mesh) error {
	var (
		L    *sparse.CSR
		mass []float64
	)
	err := o.timeStage(r, "operators", func() (string, error) {
		L = msh.Cotangent()
		mass = msh.Mass(mesh.Voronoi)
		return fmt.Sprintf("nnz(L) = %d", L.NNZ()), nil
	})
	if err != nil {
		return err
	}
	msh = nil

	rec := &recorder{o: o, r: r}
	opts := &coarsen.Options{K: o.k, Seed: o.seed, Settings: &sparsels.Settings{TimeLimit: o.solveLimit},
		Progress: func(p coarsen.Progress) {
			if p.Iteration == nil && p.Check == nil {
				rec.end()
				rec.start(p.Stage.String())
			}
			if p.Check != nil {
				c := p.Check
				o.logf("n = %d: check at iteration %d (%v): E = %.4g, eigenvalue error %.3g / %.3g, off-diagonal %.3g, spurious %d/%d/%d",
					r.n, c.Iteration, p.Elapsed.Round(time.Second), c.Energy, c.MeanEigenvalueError, c.MaxEigenvalueError,
					c.OffDiagonalEnergy, c.Spurious, c.Unmatched, c.Excess)
			}
		}}
	res, err := coarsen.Spectral(ctx, L, mass, r.m, opts)
	rec.end()
	if err != nil {
		return err
	}
	r.k = len(res.Weights)
	rec.note("eigenpairs", fmt.Sprintf("%d pairs (K = %d fitted, %d compared); λ₁ = %.4g, λ_K = %.4g",
		len(res.Values), r.k, len(res.Quality.FineValues), res.Values[1], res.Values[r.k-1]))
	rec.note("clustering", fmt.Sprintf("m = %d", r.m))
	rec.note("set-up", fmt.Sprintf("nnz(G) = %d", len(res.Iterate)))
	stopped := res.Stopped
	if stopped == "" {
		stopped = res.Solve.Reason
	}
	q := res.Quality
	rec.note("solve", fmt.Sprintf("%v, %d iterations, %d checks (monitor %s); stopped by %s; kept iteration %d, E/E₀ = %.3g; "+
		"eigenvalue error %.2g / %.2g, off-diagonal energy %.3f, spurious %d / %d / %d",
		res.Solve.Method, res.Solve.Iterations, len(res.Checks), runstats.Duration(res.Times.Monitor), stopped, res.Iteration,
		res.Energy/res.Solve.InitialEnergy, q.MeanEigenvalueError, q.MaxEigenvalueError, q.OffDiagonalEnergy,
		q.Spurious, q.Unmatched, q.Excess))
	return nil
}

// recorder times the stages of coarsen.Spectral as its Progress reports
// them, like options.timeStage.
type recorder struct {
	o       *options
	r       *run
	name    string
	t0      time.Time
	c0      time.Duration
	resetOK bool
	prof    *os.File
}

// start begins the stage name after releasing freed memory and resetting the
// peak RSS.
func (rc *recorder) start(name string) {
	rc.resetOK = runstats.ResetPeak()
	if rc.o.cpuprofile != "" {
		f, err := os.Create(fmt.Sprintf("%s-%d-%s.pprof", rc.o.cpuprofile, rc.r.n, name))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			rc.prof = f
		}
	}
	rc.o.logf("n = %d: %s", rc.r.n, name)
	rc.name, rc.t0, rc.c0 = name, time.Now(), runstats.CPUTime()
}

// end records the stage begun last, if any.
func (rc *recorder) end() {
	if rc.name == "" {
		return
	}
	st := stage{name: rc.name, time: time.Since(rc.t0), cpu: runstats.CPUTime() - rc.c0}
	if rc.prof != nil {
		pprof.StopCPUProfile()
		rc.prof.Close()
		rc.prof = nil
	}
	if rc.resetOK {
		st.rss = runstats.PeakRSS()
	}
	rc.o.logf("n = %d: %s took %v (CPU %v), peak RSS %s", rc.r.n, rc.name, st.time.Round(time.Millisecond),
		st.cpu.Round(time.Millisecond), runstats.Bytes(float64(st.rss)))
	rc.r.stages = append(rc.r.stages, st)
	rc.name = ""
}

// note sets the note of the recorded stage name.
func (rc *recorder) note(name, note string) {
	for i := range rc.r.stages {
		if rc.r.stages[i].name == name {
			rc.r.stages[i].note = note
		}
	}
}
