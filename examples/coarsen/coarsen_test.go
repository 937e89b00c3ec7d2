package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/mesh"
	"github.com/sparsels/sparsels/mtx"
)

// sphere returns a UV sphere with nu×nv quads split into triangles, plus
// the two poles: a closed genus-0 mesh with irregular triangles.
func sphere(nu, nv int) *mesh.Mesh {
	m := &mesh.Mesh{}
	m.V = append(m.V, [3]float64{0, 0, 1})
	for i := 1; i < nu; i++ {
		th := math.Pi * float64(i) / float64(nu)
		for j := 0; j < nv; j++ {
			ph := 2 * math.Pi * float64(j) / float64(nv)
			// A slight squash makes the spectrum non-degenerate.
			m.V = append(m.V, [3]float64{1.3 * math.Sin(th) * math.Cos(ph), math.Sin(th) * math.Sin(ph), 0.8 * math.Cos(th)})
		}
	}
	m.V = append(m.V, [3]float64{0, 0, -0.8})
	south := len(m.V) - 1
	id := func(i, j int) int { return 1 + (i-1)*nv + (j+nv)%nv }
	for j := 0; j < nv; j++ {
		m.F = append(m.F, [3]int{0, id(1, j), id(1, j+1)})
		m.F = append(m.F, [3]int{south, id(nu-1, j+1), id(nu-1, j)})
	}
	for i := 1; i < nu-1; i++ {
		for j := 0; j < nv; j++ {
			m.F = append(m.F, [3]int{id(i, j), id(i+1, j), id(i+1, j+1)})
			m.F = append(m.F, [3]int{id(i, j), id(i+1, j+1), id(i, j+1)})
		}
	}
	return m
}

// TestEigenpairsAgainstDense checks the sparse eigensolver on a small mesh
// against gonum's dense EigenSym of M^{-1/2} L M^{-1/2}.
func TestEigenpairsAgainstDense(t *testing.T) {
	msh := sphere(12, 16)
	if err := msh.Normalize(); err != nil {
		t.Fatal(err)
	}
	L := msh.Cotangent()
	mass := msh.Mass(mesh.Voronoi)
	n := len(mass)
	const k = 20
	vals, U, err := eigs.Smallest(context.Background(), L, mass, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := mat.NewSymDense(n, nil)
	L.DoNonZero(func(i, j int, v float64) {
		if j >= i {
			a.SetSym(i, j, v/math.Sqrt(mass[i]*mass[j]))
		}
	})
	var es mat.EigenSym
	if !es.Factorize(a, true) {
		t.Fatal("dense factorization failed")
	}
	want := es.Values(nil)
	scale := want[n-1]
	for j := 0; j < k; j++ {
		if d := math.Abs(vals[j] - want[j]); d > 1e-9*scale {
			t.Errorf("eigenvalue %d: sparse %.12g, dense %.12g", j, vals[j], want[j])
		}
	}
	// Residuals ‖L u − λ M u‖ and M-orthonormality.
	for j := 0; j < k; j++ {
		var res float64
		for i := 0; i < n; i++ {
			var lu float64
			for s := L.RawMatrix().Indptr[i]; s < L.RawMatrix().Indptr[i+1]; s++ {
				lu += L.RawMatrix().Data[s] * U.At(L.RawMatrix().Ind[s], j)
			}
			res = math.Max(res, math.Abs(lu-vals[j]*mass[i]*U.At(i, j))/mass[i])
		}
		if res > 1e-7*scale {
			t.Errorf("eigenpair %d: residual %g", j, res)
		}
		for l := 0; l <= j; l++ {
			var s float64
			for i := 0; i < n; i++ {
				s += U.At(i, j) * mass[i] * U.At(i, l)
			}
			want := 0.0
			if l == j {
				want = 1
			}
			if math.Abs(s-want) > 1e-9 {
				t.Errorf("UᵀMU[%d,%d] = %g", j, l, s)
			}
		}
	}
}

// TestShortRun runs the whole pipeline on Spot with few clusters and
// eigenvectors: the energy goes down, rows of G sum to 1, the outputs are
// written and readable, and the coarse spectrum gets closer to the fine one.
func TestShortRun(t *testing.T) {
	dir := t.TempDir()
	o := options{
		mesh: "../../testdata/spot.obj", m: 60, k: 12, method: "auto", seed: 1, out: dir,
		compare: !testing.Short(), nadamIters: 200, maxIter: 40, ftol: 1e-6, quiet: true, writeOutput: true,
	}
	var out, progress bytes.Buffer
	sum, err := run(context.Background(), o, &out, &progressWriter{w: &progress})
	if err != nil {
		t.Fatal(err)
	}
	// Auto runs QuasiNewton.
	first := sum.Runs[0]
	if first.Method != "qn" || !(first.Energy < 1e-3*sum.InitialEnergy) {
		t.Fatalf("%s: energy %g, start %g", first.Method, first.Energy, sum.InitialEnergy)
	}
	for _, r := range sum.Runs {
		if r.Violation > 1e-12 {
			t.Errorf("%s: row-sum violation %g", r.Method, r.Violation)
		}
		if !(r.Energy <= sum.InitialEnergy) {
			t.Errorf("%s: energy %g above the start %g", r.Method, r.Energy, sum.InitialEnergy)
		}
	}
	if !(sum.RelErrAfter < sum.RelErrBefore) {
		t.Errorf("spectrum error %g after, %g before", sum.RelErrAfter, sum.RelErrBefore)
	}
	if !strings.Contains(out.String(), "| qn |") || !testing.Short() && !strings.Contains(out.String(), "| newton (") {
		t.Errorf("no results table in the output:\n%s", out.String())
	}

	// G.mtx: the pattern in order, rows summing to 1.
	gm, err := mtx.ReadFile(filepath.Join(dir, "G.mtx"))
	if err != nil {
		t.Fatal(err)
	}
	rowSum := make([]float64, gm.Rows)
	for k := range gm.I {
		rowSum[gm.I[k]] += gm.V[k]
	}
	for a, s := range rowSum {
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("G.mtx row %d sums to %.17g", a, s)
		}
	}
	if _, err := mtx.ReadFile(filepath.Join(dir, "Lc.mtx")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"convergence.png", "eigenvalues.png"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: not a PNG (%d bytes, %v)", name, len(b), err)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.NNZ != sum.NNZ || len(back.Runs) != len(sum.Runs) {
		t.Errorf("summary.json does not match the run")
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []options{
		{mesh: "../../testdata/spot.obj", m: 1, k: 10, method: "lm"},
		{mesh: "../../testdata/spot.obj", m: 10, k: 0, method: "lm"},
		{mesh: "../../testdata/spot.obj", m: 10, k: 5, method: "bogus"},
		{mesh: "no/such/mesh.obj", m: 10, k: 5, method: "lm"},
	} {
		if _, err := run(context.Background(), o, &bytes.Buffer{}, &progressWriter{w: io.Discard}); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestRoughEdges checks the command-line behaviour: -h exits 0 and prints
// the usage on stdout; without -mesh the embedded Spot is used from any
// directory; progress to a non-terminal has no carriage returns and says
// "newton" for auto, as the table does; the table marks a run stopped by
// its iteration limit; -compare=false leaves the NAdam fields out of
// summary.json.
func TestRoughEdges(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"-h"}, &stdout, &stderr, false); code != 0 || !strings.Contains(stdout.String(), "-compare") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if code := cli(context.Background(), []string{"-bogus"}, &stdout, &stderr, false); code != 2 {
		t.Errorf("-bogus: exit %d, want 2", code)
	}

	t.Chdir(t.TempDir()) // the embedded Spot needs no file
	stdout.Reset()
	stderr.Reset()
	args := []string{"-m", "40", "-k", "8", "-max-iter", "3", "-compare=false", "-out", "out"}
	if code := cli(context.Background(), args, &stdout, &stderr, false); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "\r") {
		t.Errorf("progress to a non-terminal contains carriage returns: %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "spot.obj (embedded)") {
		t.Errorf("output does not name the embedded mesh:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String(), "| qn |") || !strings.Contains(stdout.String(), "| 3 | iteration limit |") {
		t.Errorf("table does not show qn (the default) stopped by its iteration limit:\n%s", stdout.String())
	}
	if strings.Contains(stderr.String(), "auto ") {
		t.Errorf("progress names the method auto:\n%s", stderr.String())
	}
	js, err := os.ReadFile(filepath.Join("out", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"nadam_best_energy", "time_to_nadam_best_ns"} {
		if strings.Contains(string(js), key) {
			t.Errorf("summary.json has %s without a NAdam run", key)
		}
	}
}

// TestUnreferencedVertex: a vertex in no triangle is reported with its
// index and the file, not as a zero mass.
func TestUnreferencedVertex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stray.obj")
	obj := "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 9 9 9\nv 1 1 0\nf 1 2 3\nf 2 5 3\n"
	if err := os.WriteFile(path, []byte(obj), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := run(context.Background(), options{mesh: path, m: 2, k: 1, method: "auto"}, io.Discard, &progressWriter{w: io.Discard})
	if err == nil || !strings.Contains(err.Error(), path+": vertex 3 (the 4-th vertex record) is in no triangle") {
		t.Errorf("error %v, want one naming vertex 3 and %s", err, path)
	}
}
