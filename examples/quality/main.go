// Command quality measures what coarsen.Spectral's defaults deliver on the
// published measures and writes the tables of the BENCHMARKS.md section
// "Coarsening quality".
//
// Usage:
//
//	go run ./examples/quality [-mesh a.obj,b.obj] [-seeds 1,2,3] [-m 500]
//	                          [-longer 2,5] [-published dir]
//	                          [-graphs dir1,dir2] [-reductions 0.5,0.7]
//	                          [-wavy 1e5]
//
// For every mesh (normalized to unit area, cotangent Laplacian, Voronoi
// mass) and seed it runs Spectral with the default options and records the
// wall and CPU time (eigenpairs included), the iteration the kept G comes
// from, why the minimization stopped, and the quality of (Lc, Mc) against
// the first QualityK (100) eigenpairs: mean and largest relative error of
// the eigenvalues, off-diagonal energy of the functional map and the number
// of spurious pairs. For each factor f of -longer it then runs the
// minimization again with the monitor's stopping rules off (QualityTol and
// SolveShare negative) and f times the default run's solve time as time limit, to show that
// more time does not lose quality.
//
// With -published, the outputs of the published MATLAB code in
// dir/<mesh>_k100_s<seed>/ (Lc.mtx, Mc.mtx and roots.txt, 0-based, as
// written by a driver script around algebraicCoarsening) are scored with
// the same measures against the same fine eigenpairs.
//
// For every graph directory (L.mtx.gz, M.mtx.gz) and reduction r it runs
// Spectral with m = round(n(1−r)) and QualityK 10, the setting of Loukas's
// graph coarsening benchmarks. For every size of -wavy it coarsens a
// generated wavy grid (mesh.WavyGrid) to m = n/100 with the defaults and
// prints the stage times and the peak resident set size.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/mesh"
	"github.com/sparsels/sparsels/mtx"

	"github.com/sparsels/sparsels/internal/runstats"
)

func main() {
	meshes := flag.String("mesh", "examples/coarsen/spot.obj.gz", "comma-separated mesh files")
	seeds := flag.String("seeds", "1,2,3", "comma-separated clustering seeds")
	m := flag.Int("m", 500, "coarse vertices of the meshes")
	longer := flag.String("longer", "2,5", "comma-separated factors of the default solve time for the longer runs (empty: none)")
	published := flag.String("published", "", "directory of the published code's outputs")
	graphs := flag.String("graphs", "", "comma-separated graph directories")
	reductions := flag.String("reductions", "0.5,0.7", "comma-separated graph reductions")
	wavy := flag.String("wavy", "", "comma-separated vertex counts of generated wavy grids, coarsened to m = n/100")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("load averages at the start: %s\n\n", runstats.LoadAvg())
	if *meshes != "" {
		fmt.Println("| mesh | n | seed | run | time | CPU time | kept iteration | stopped by | mean / max eigenvalue error | off-diagonal energy | spurious: rows of C below 0.5 / unmatched / surplus eigenvalues |")
		fmt.Println("|---|---:|---:|---|---:|---:|---:|---|---|---:|---|")
		for _, f := range split(*meshes) {
			for _, s := range split(*seeds) {
				seed, err := strconv.ParseUint(s, 10, 64)
				check(err)
				check(runMesh(ctx, f, seed, *m, factors(*longer), *published))
			}
		}
		fmt.Println()
	}
	if *wavy != "" {
		fmt.Println("| mesh | n | m | total | eigenpairs | clustering | set-up | solve (monitor) | peak RSS | kept iteration | stopped by | mean / max eigenvalue error | off-diagonal energy | spurious: rows / unmatched / surplus |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|")
		for _, v := range factors(*wavy) {
			check(runWavy(ctx, int(v)))
		}
		fmt.Println()
	}
	if *graphs != "" {
		fmt.Println("| graph | n | reduction | m | time | kept iteration | stopped by | mean / max error of eigenvalues 2..10 | off-diagonal energy | spurious: rows / unmatched / surplus |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---|---|---:|---|")
		for _, dir := range split(*graphs) {
			for _, r := range factors(*reductions) {
				check(runGraph(ctx, dir, r))
			}
		}
		fmt.Println()
	}
	fmt.Printf("load averages at the end: %s\n", runstats.LoadAvg())
}

// runMesh runs the default coarsening of one mesh and seed, the longer runs
// and the published output's score.
func runMesh(ctx context.Context, file string, seed uint64, m int, longer []float64, published string) error {
	msh, err := mesh.ReadFile(ctx, file)
	if err != nil {
		return err
	}
	if err := msh.Normalize(); err != nil {
		return err
	}
	L, mass := msh.Cotangent(), msh.Mass(mesh.Voronoi)
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".gz"), ".obj")
	opts := &coarsen.Options{Seed: seed}
	res, wall, cpu, err := timed(func() (*coarsen.Result, error) { return coarsen.Spectral(ctx, L, mass, m, opts) })
	if err != nil {
		return err
	}
	row(name, len(mass), seed, "default", wall, cpu, res)
	for _, f := range longer {
		o := &coarsen.Options{Seed: seed, QualityTol: -1, SolveShare: -1,
			Settings: &sparsels.Settings{TimeLimit: time.Duration(f * float64(res.Times.Solve))}}
		r, wall, cpu, err := timed(func() (*coarsen.Result, error) { return coarsen.Spectral(ctx, L, mass, m, o) })
		if err != nil {
			return err
		}
		row(name, len(mass), seed, fmt.Sprintf("%g× the solve time", f), wall, cpu, r)
	}
	if published == "" {
		return nil
	}
	dir := filepath.Join(published, fmt.Sprintf("%s_k100_s%d", name, seed))
	if _, err := os.Stat(dir); err != nil {
		return nil // no published run of this mesh and seed
	}
	q, secs, err := scorePublished(ctx, dir, L, mass, res)
	if err != nil {
		return err
	}
	fmt.Printf("| %s | %d | %d | published | %s | | | its stall rule | %.4f / %.4f | %.3f | %s |\n",
		name, len(mass), seed, secs, q.MeanEigenvalueError, q.MaxEigenvalueError, q.OffDiagonalEnergy, counts(q))
	return nil
}

// scorePublished measures the published code's coarse pencil in dir against
// the fine eigenpairs of res.
func scorePublished(ctx context.Context, dir string, L *sparse.CSR, mass []float64, res *coarsen.Result) (*coarsen.Quality, string, error) {
	lc, err := mtx.ReadFile(filepath.Join(dir, "Lc.mtx"))
	if err != nil {
		return nil, "", err
	}
	mcm, err := mtx.ReadFile(filepath.Join(dir, "Mc.mtx"))
	if err != nil {
		return nil, "", err
	}
	mc := make([]float64, mcm.Rows)
	for p := range mcm.I {
		mc[mcm.I[p]] += mcm.V[p]
	}
	roots, err := readInts(filepath.Join(dir, "roots.txt"))
	if err != nil {
		return nil, "", err
	}
	kq := len(res.Quality.FineValues)
	U := res.Vectors.Slice(0, len(mass), 0, kq).(*mat.Dense)
	q, err := coarsen.Measure(ctx, res.Values[:kq], U, lc.CSR(), mc, roots, coarsen.Scale(L, mass), nil)
	if err != nil {
		return nil, "", err
	}
	secs := "?"
	if b, err := os.ReadFile(filepath.Join(dir, "time.txt")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "algebraicCoarsening_wall_seconds" {
				secs = f[1] + " s"
			}
		}
	}
	return q, secs, nil
}

// runWavy coarsens a wavy grid of about n vertices to m = n/100 with the
// defaults and prints the stage times, the peak resident set size and the
// quality.
func runWavy(ctx context.Context, n int) error {
	side := int(math.Round(math.Sqrt(float64(n))))
	msh := mesh.WavyGrid(side, side, 1)
	if err := msh.Normalize(); err != nil {
		return err
	}
	L, mass := msh.Cotangent(), msh.Mass(mesh.Voronoi)
	m := len(mass) / 100
	res, wall, _, err := timed(func() (*coarsen.Result, error) { return coarsen.Spectral(ctx, L, mass, m, nil) })
	if err != nil {
		return err
	}
	q, t := res.Quality, res.Times
	fmt.Printf("| wavy grid | %d | %d | %.0f s | %.0f s | %.1f s | %.1f s | %.0f s (%.0f s) | %s | %d | %s | %.4f / %.4f | %.3f | %s |\n",
		len(mass), m, wall.Seconds(), t.Eigenpairs.Seconds(), t.Clustering.Seconds(), t.Setup.Seconds(), t.Solve.Seconds(), t.Monitor.Seconds(),
		runstats.Bytes(float64(runstats.PeakRSS())), res.Iteration, stopped(res), q.MeanEigenvalueError, q.MaxEigenvalueError, q.OffDiagonalEnergy, counts(q))
	return nil
}

// runGraph coarsens a graph at reduction r and prints its row.
func runGraph(ctx context.Context, dir string, r float64) error {
	lm, err := mtx.ReadFile(filepath.Join(dir, "L.mtx.gz"))
	if err != nil {
		return err
	}
	mm, err := mtx.ReadFile(filepath.Join(dir, "M.mtx.gz"))
	if err != nil {
		return err
	}
	d := mm.Dense()
	n, _ := d.Dims()
	mass := make([]float64, n)
	for i := range mass {
		mass[i] = d.At(i, 0)
	}
	m := int(math.Round(float64(n) * (1 - r)))
	res, wall, _, err := timed(func() (*coarsen.Result, error) {
		return coarsen.Spectral(ctx, lm.CSR(), mass, m, &coarsen.Options{QualityK: 10})
	})
	if err != nil {
		return err
	}
	q := res.Quality
	fmt.Printf("| %s | %d | %g | %d | %.1f s | %d | %s | %.4f / %.4f | %.4f | %s |\n", filepath.Base(dir), n, r, m,
		wall.Seconds(), res.Iteration, stopped(res), q.MeanEigenvalueError, q.MaxEigenvalueError, q.OffDiagonalEnergy, counts(q))
	return nil
}

func row(name string, n int, seed uint64, run string, wall, cpu time.Duration, res *coarsen.Result) {
	q := res.Quality
	fmt.Printf("| %s | %d | %d | %s | %.1f s | %.1f s | %d | %s | %.4f / %.4f | %.3f | %s |\n", name, n, seed, run,
		wall.Seconds(), cpu.Seconds(), res.Iteration, stopped(res), q.MeanEigenvalueError, q.MaxEigenvalueError, q.OffDiagonalEnergy, counts(q))
}

// counts formats the three counts of spurious pairs.
func counts(q *coarsen.Quality) string {
	return fmt.Sprintf("%d / %d / %d", q.Spurious, q.Unmatched, max(q.Excess, 0))
}

func stopped(res *coarsen.Result) string {
	switch {
	case res.Stopped == "":
		return res.Solve.Status.String()
	case strings.Contains(res.Stopped, "spurious"):
		return "monitor: spurious pairs"
	}
	return "monitor: quality stalled"
}

// timed runs f and returns its wall and CPU time.
func timed(f func() (*coarsen.Result, error)) (*coarsen.Result, time.Duration, time.Duration, error) {
	c0 := runstats.CPUTime()
	t0 := time.Now()
	res, err := f()
	return res, time.Since(t0), runstats.CPUTime() - c0, err
}

func readInts(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			out = append(out, v)
		}
	}
	return out, sc.Err()
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func factors(s string) []float64 {
	var out []float64
	for _, f := range split(s) {
		v, err := strconv.ParseFloat(f, 64)
		check(err)
		out = append(out, v)
	}
	return out
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
