// Command scale measures the spectral coarsening pipeline, coarsen.Spectral
// with its defaults, on generated meshes of growing size and writes the table
// of the BENCHMARKS.md section "Coarsening quality at scale".
//
// Usage:
//
//	go run ./examples/scale [-sizes 1e4,1e5,1e6] [-ratio 100] [-k 0]
//	                        [-solve-limit 0] [-cpuprofile prefix] [-out file.md]
//
// For every size n a wavy grid mesh of about n vertices (mesh.WavyGrid) is
// written as an OBJ file to a temporary directory, read back, and coarsened
// to m = n/ratio vertices; each stage's wall time, the CPU time of the
// process and the peak resident set size (VmHWM, reset before the stage)
// are recorded:
//
//   - read: mesh.ReadFile and Normalize (unit area);
//   - operators: cotangent Laplacian and Voronoi mass;
//   - eigenpairs, clustering, set-up and solve: the stages of
//     coarsen.Spectral (Options.K = -k, 0 for coarsen.DefaultK), told apart
//     by its Progress calls; the solve includes the quality monitor's checks
//     and ends by the monitor's rules, or at -solve-limit if positive.
//
// The program prints a markdown table with one row per size and stage (the
// solve's row notes the monitor's time, why the run stopped and the quality
// of the result), the machine and load averages, and the log-log slope of
// each stage's CPU time over the sizes (CPU time, because wall time depends
// on the machine's load).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sparsels/sparsels/mesh"

	"github.com/sparsels/sparsels/internal/runstats"
)

// options are the command-line settings.
type options struct {
	sizes      []int
	ratio, k   int
	solveLimit time.Duration
	cpuprofile string
	out        string
	seed       uint64
	log        io.Writer
}

// stage is the measured cost of one stage at one size.
type stage struct {
	name string
	time time.Duration
	cpu  time.Duration // user + system CPU time of the process during the stage
	rss  int64         // peak resident set size during the stage, bytes; 0 if unknown
	note string
}

// run is the record of one size.
type run struct {
	n, faces, m, k int
	stages         []stage
	load           [2]string // load averages at the start and the end
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var runs []*run
	for _, n := range o.sizes {
		r, err := measureSize(ctx, o, n)
		if err != nil {
			fmt.Fprintf(os.Stderr, "scale: n = %d: %v\n", n, err)
			os.Exit(1)
		}
		runs = append(runs, r)
		fmt.Fprint(os.Stderr, markdown(o, runs))
	}
	md := markdown(o, runs)
	fmt.Print(md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "scale:", err)
			os.Exit(1)
		}
	}
}

func parseOptions(args []string, errw io.Writer) (*options, error) {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(errw)
	sizes := fs.String("sizes", "1e4,1e5,1e6", "approximate vertex counts of the generated meshes")
	ratio := fs.Int("ratio", 100, "n/m: vertices per cluster")
	k := fs.Int("k", 0, "fitted eigenvectors (0: coarsen.DefaultK)")
	limit := fs.Duration("solve-limit", 0, "time limit of the solve stage (0: none, the default settings)")
	prof := fs.String("cpuprofile", "", "write a CPU profile per size and stage to prefix-n-stage.pprof")
	out := fs.String("out", "", "also write the markdown table to this file")
	seed := fs.Uint64("seed", 1, "seed of the mesh jitter and the clustering")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := &options{ratio: *ratio, k: *k, solveLimit: *limit, cpuprofile: *prof, out: *out, seed: *seed}
	if !*quiet {
		o.log = errw
	}
	for _, f := range strings.Split(*sizes, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 100 || v > 1e8 {
			return nil, fmt.Errorf("-sizes: %q is not a vertex count in [100, 1e8]", f)
		}
		o.sizes = append(o.sizes, int(v))
	}
	if o.ratio < 2 {
		return nil, fmt.Errorf("-ratio %d: want at least 2", o.ratio)
	}
	if o.k < 0 {
		return nil, fmt.Errorf("-k %d: want at least 1, or 0 for the default", o.k)
	}
	return o, nil
}

func (o *options) logf(format string, args ...any) {
	if o.log != nil {
		fmt.Fprintf(o.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
}

// timeStage runs fn as the stage name (see recorder) and appends its cost
// and fn's note to r.
func (o *options) timeStage(r *run, name string, fn func() (string, error)) error {
	rc := &recorder{o: o, r: r}
	rc.start(name)
	note, err := fn()
	rc.end()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rc.note(name, note)
	return nil
}

// gridSide returns the side of a square grid of about n vertices.
func gridSide(n int) (nx, ny int) {
	nx = int(math.Round(math.Sqrt(float64(n))))
	ny = int(math.Round(float64(n) / float64(nx)))
	return max(nx, 2), max(ny, 2)
}

// writeOBJ writes msh as an OBJ file.
func writeOBJ(path string, msh *mesh.Mesh) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	for _, p := range msh.V {
		buf = append(buf[:0], 'v')
		for _, x := range p {
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	for _, t := range msh.F {
		buf = append(buf[:0], 'f')
		for _, v := range t {
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(v+1), 10)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// measureSize runs the pipeline on a generated mesh of about n vertices.
func measureSize(ctx context.Context, o *options, n int) (*run, error) {
	dir, err := os.MkdirTemp("", "sparsels-scale-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "grid.obj")
	nx, ny := gridSide(n)
	if err := writeOBJ(path, mesh.WavyGrid(nx, ny, o.seed)); err != nil {
		return nil, err
	}
	r := &run{n: nx * ny, k: o.k, load: [2]string{runstats.LoadAvg(), ""}}
	defer func() { r.load[1] = runstats.LoadAvg() }()
	r.m = r.n / o.ratio

	var msh *mesh.Mesh
	err = o.timeStage(r, "read", func() (string, error) {
		var err error
		if msh, err = mesh.ReadFile(context.Background(), path); err != nil {
			return "", err
		}
		r.faces = len(msh.F)
		st, _ := os.Stat(path)
		return fmt.Sprintf("%d faces, OBJ %s", len(msh.F), runstats.Bytes(float64(st.Size()))), msh.Normalize()
	})
	if err != nil {
		return nil, err
	}
	return r, o.pipeline(ctx, r, msh)
}
