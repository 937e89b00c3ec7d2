package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mtx"
)

// testProblem is a small problem written to Matrix Market files, with dense
// copies of its matrices for independent reference computations.
type testProblem struct {
	dir            string
	X, Y, L, B, G0 string // file paths
	n, m, r, c     int
	I, J           []int     // G0's entries in file order
	g0, gStar      []float64 // G0's values; the values that generated X
	Xd, Yd, Ld, Bd *mat.Dense
	perRow         int
	noise          float64
}

// newTestProblem writes a problem with n = 30, m = r = 6, c = 4 and three
// entries per row of G into a new temporary directory: X = Y G*ᵀ L G* B plus
// noise, L symmetric (written as SciPy does, lower triangle of a coordinate
// symmetric file), Y, B and X dense array files, and G0 a shuffled coordinate
// file whose rows sum to 1.
func newTestProblem(t testing.TB, seed uint64) *testProblem {
	t.Helper()
	tp := &testProblem{dir: t.TempDir(), n: 30, m: 6, r: 6, c: 4, perRow: 3, noise: 1e-2}
	rng := rand.New(rand.NewPCG(seed, 2))
	n, m, r, c := tp.n, tp.m, tp.r, tp.c

	for a := 0; a < n; a++ {
		base := a * m / n
		for s := 0; s < tp.perRow; s++ {
			tp.I = append(tp.I, a)
			tp.J = append(tp.J, (base+s)%m)
		}
	}
	rng.Shuffle(len(tp.I), func(x, y int) {
		tp.I[x], tp.I[y] = tp.I[y], tp.I[x]
		tp.J[x], tp.J[y] = tp.J[y], tp.J[x]
	})
	nnz := len(tp.I)
	tp.gStar = rowStochastic(rng, tp.I, n, nnz)
	tp.g0 = rowStochastic(rng, tp.I, n, nnz)

	// L: weighted ring with chords, plus a diagonal shift.
	tp.Ld = mat.NewDense(n, n, nil)
	for a := 0; a < n; a++ {
		for _, d := range []int{1, 4} {
			b := (a + d) % n
			w := 0.5 + rng.Float64()
			tp.Ld.Set(a, b, tp.Ld.At(a, b)-w)
			tp.Ld.Set(b, a, tp.Ld.At(b, a)-w)
			tp.Ld.Set(a, a, tp.Ld.At(a, a)+w)
			tp.Ld.Set(b, b, tp.Ld.At(b, b)+w)
		}
		tp.Ld.Set(a, a, tp.Ld.At(a, a)+0.1)
	}
	tp.Yd = randDense(rng, r, m)
	tp.Bd = randDense(rng, m, c)
	tp.Xd = tp.residual(tp.gStar) // −Y G*ᵀ L G* B, as X = 0 so far
	tp.Xd.Scale(-1, tp.Xd)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			tp.Xd.Set(i, j, tp.Xd.At(i, j)+tp.noise*rng.NormFloat64())
		}
	}
	tp.write(t)
	return tp
}

// rowStochastic returns positive values on the pattern rows I whose rows
// sum to 1.
func rowStochastic(rng *rand.Rand, I []int, n, nnz int) []float64 {
	g := make([]float64, nnz)
	sum := make([]float64, n)
	for k := range g {
		g[k] = 0.2 + rng.Float64()
		sum[I[k]] += g[k]
	}
	for k := range g {
		g[k] /= sum[I[k]]
	}
	return g
}

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d.Set(i, j, rng.NormFloat64())
		}
	}
	return d
}

// write writes the problem's files.
func (tp *testProblem) write(t testing.TB) {
	t.Helper()
	tp.X = filepath.Join(tp.dir, "X.mtx")
	tp.Y = filepath.Join(tp.dir, "Y.mtx")
	tp.L = filepath.Join(tp.dir, "L.mtx")
	tp.B = filepath.Join(tp.dir, "B.mtx")
	tp.G0 = filepath.Join(tp.dir, "G0.mtx")
	writeDenseFile(t, tp.X, tp.Xd)
	writeDenseFile(t, tp.Y, tp.Yd)
	writeDenseFile(t, tp.B, tp.Bd)
	writeSymCoordFile(t, tp.L, tp.Ld)
	writeCoordFile(t, tp.G0, tp.n, tp.m, tp.I, tp.J, tp.g0)
}

func writeDenseFile(t testing.TB, path string, a mat.Matrix) {
	t.Helper()
	if err := mtx.WriteFile(path, func(w io.Writer) error { return mtx.WriteDense(w, a, "") }); err != nil {
		t.Fatal(err)
	}
}

func writeCoordFile(t testing.TB, path string, rows, cols int, I, J []int, v []float64) {
	t.Helper()
	if err := mtx.WriteFile(path, func(w io.Writer) error { return mtx.WriteCoordinate(w, rows, cols, I, J, v, "") }); err != nil {
		t.Fatal(err)
	}
}

// writeSymCoordFile writes the lower triangle of the symmetric a as a
// coordinate real symmetric file.
func writeSymCoordFile(t testing.TB, path string, a *mat.Dense) {
	t.Helper()
	n, _ := a.Dims()
	m := &mtx.Matrix{Header: mtx.Header{Format: mtx.Coordinate, Field: mtx.Real, Symmetry: mtx.Symmetric, Rows: n, Cols: n}}
	for j := 0; j < n; j++ {
		for i := j; i < n; i++ {
			if v := a.At(i, j); v != 0 {
				m.I, m.J, m.V = append(m.I, i), append(m.J, j), append(m.V, v)
			}
		}
	}
	if err := mtx.WriteFile(path, func(w io.Writer) error { return mtx.Write(w, m, "") }); err != nil {
		t.Fatal(err)
	}
}

func writeText(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// files returns the -X -Y -L -B flags and -G g followed by extra.
func (tp *testProblem) args(cmd, g string, extra ...string) []string {
	a := []string{cmd, "-X", tp.X, "-Y", tp.Y, "-L", tp.L, "-B", tp.B, "-G", g}
	return append(a, extra...)
}

func (tp *testProblem) path(name string) string { return filepath.Join(tp.dir, name) }

// denseG returns G = sparse(I, J, g) as a dense n×m matrix.
func (tp *testProblem) denseG(I, J []int, g []float64) *mat.Dense {
	G := mat.NewDense(tp.n, tp.m, nil)
	for k := range g {
		G.Set(I[k], J[k], G.At(I[k], J[k])+g[k])
	}
	return G
}

// lgb returns L G B by dense products.
func (tp *testProblem) lgb(G *mat.Dense) *mat.Dense {
	var LG, LGB mat.Dense
	LG.Mul(tp.Ld, G)
	LGB.Mul(&LG, tp.Bd)
	return &LGB
}

// residualAt returns X − Y Gᵀ L G B by dense products.
func (tp *testProblem) residualAt(I, J []int, g []float64) *mat.Dense {
	G := tp.denseG(I, J, g)
	var GtLGB, f mat.Dense
	GtLGB.Mul(G.T(), tp.lgb(G))
	f.Mul(tp.Yd, &GtLGB)
	if tp.Xd != nil {
		f.Sub(tp.Xd, &f)
	} else {
		f.Scale(-1, &f)
	}
	return &f
}

func (tp *testProblem) residual(g []float64) *mat.Dense { return tp.residualAt(tp.I, tp.J, g) }

// energyAt returns ‖X − Y Gᵀ L G B‖²_F by dense products.
func (tp *testProblem) energyAt(I, J []int, g []float64) float64 {
	f := tp.residualAt(I, J, g)
	return mat.Norm(f, 2) * mat.Norm(f, 2)
}

// gradientAt returns −2(LGB fᵀY + LᵀG Yᵀf Bᵀ) sampled at (I, J).
func (tp *testProblem) gradientAt(I, J []int, g []float64) []float64 {
	G := tp.denseG(I, J, g)
	f := tp.residualAt(I, J, g)
	var LGBft, t1, t2, Ytf, YtfBt, LtG mat.Dense
	LGBft.Mul(tp.lgb(G), f.T())
	t1.Mul(&LGBft, tp.Yd)
	Ytf.Mul(tp.Yd.T(), f)
	YtfBt.Mul(&Ytf, tp.Bd.T())
	LtG.Mul(tp.Ld.T(), G)
	t2.Mul(&LtG, &YtfBt)
	out := make([]float64, len(g))
	for k := range g {
		out[k] = -2 * (t1.At(I[k], J[k]) + t2.At(I[k], J[k]))
	}
	return out
}

// jacobianAt returns J, column k = −vec(Y[:,b](LGB)[a,:] + (YGᵀL)[:,a]B[b,:]).
func (tp *testProblem) jacobianAt(I, J []int, g []float64) *mat.Dense {
	G := tp.denseG(I, J, g)
	LGB := tp.lgb(G)
	var YGt, YGtL mat.Dense
	YGt.Mul(tp.Yd, G.T())
	YGtL.Mul(&YGt, tp.Ld)
	jac := mat.NewDense(tp.r*tp.c, len(g), nil)
	for k := range g {
		a, b := I[k], J[k]
		for q := 0; q < tp.c; q++ {
			for p := 0; p < tp.r; p++ {
				v := tp.Yd.At(p, b)*LGB.At(a, q) + YGtL.At(p, a)*tp.Bd.At(b, q)
				jac.Set(p+q*tp.r, k, -v)
			}
		}
	}
	return jac
}

// hessianAt returns 2(JᵀJ − [L[a,a']T[b,b'] + L[a',a]T[b',b]]) with T = Yᵀf Bᵀ.
func (tp *testProblem) hessianAt(I, J []int, g []float64) *mat.Dense {
	jac := tp.jacobianAt(I, J, g)
	f := tp.residualAt(I, J, g)
	var Ytf, T mat.Dense
	Ytf.Mul(tp.Yd.T(), f)
	T.Mul(&Ytf, tp.Bd.T())
	var H mat.Dense
	H.Mul(jac.T(), jac)
	for k := range g {
		for l := range g {
			a, b, a2, b2 := I[k], J[k], I[l], J[l]
			second := -(tp.Ld.At(a, a2)*T.At(b, b2) + tp.Ld.At(a2, a)*T.At(b2, b))
			H.Set(k, l, 2*(H.At(k, l)+second))
		}
	}
	return &H
}

// tinyFiles is a small valid problem: G 4×2 with six entries whose rows sum
// to 1, L the Laplacian of a path (symmetric file), Y the 2×2 identity, B
// and X dense.
var tinyFiles = map[string]string{
	"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n4 4 7\n1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n",
	"Y.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n",
	"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0.5\n-0.25\n1\n",
	"X.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n-1\n-1\n1\n",
	"G.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 6\n1 1 1\n2 1 0.7\n2 2 0.3\n3 1 0.2\n3 2 0.8\n4 2 1\n",
	"C.mtx": "%%MatrixMarket matrix array real general\n2 1\n1\n1\n",
	"D.mtx": "%%MatrixMarket matrix array real general\n4 1\n1\n1\n1\n1\n",
}

// writeTinyProblem writes the problem into a new directory, with the files named
// in replace given other contents, and returns the directory.
func writeTinyProblem(t *testing.T, replace map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range tinyFiles {
		if r, ok := replace[name]; ok {
			text = r
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tinyArgs returns the arguments of cmd on the problem in dir, with extra
// flags appended.
func tinyArgs(dir, cmd string, extra ...string) []string {
	args := []string{cmd}
	for _, f := range []string{"X", "Y", "L", "B", "G"} {
		args = append(args, "-"+f, filepath.Join(dir, f+".mtx"))
	}
	return append(args, extra...)
}

// result is the outcome of one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// runArgs runs the command in-process.
func runArgs(args ...string) result {
	return runArgsContext(context.Background(), args...)
}

// runArgsContext runs the command in-process with the context ctx.
func runArgsContext(ctx context.Context, args ...string) result {
	var out, errb bytes.Buffer
	code := runContext(ctx, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runNoPanic runs the command in-process, failing the test if it panics,
// and returns its exit status and output.
func runNoPanic(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("sparsels %v panicked: %v", args, r)
		}
	}()
	r := runArgs(args...)
	return r.code, r.stdout, r.stderr
}

// field returns the value after "key: " on the first line of s that starts
// with it.
func field(t testing.TB, s, key string) string {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(line, key+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in output:\n%s", key, s)
	return ""
}

func floatField(t testing.TB, s, key string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(field(t, s, key), 64)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return v
}

func readMtx(t testing.TB, path string) *mtx.Matrix {
	t.Helper()
	m, err := mtx.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func relErr(a, b float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(a), math.Abs(b))
}

// maxRelDiff returns max|a−b| / max(max|a|, max|b|) over two equally shaped
// matrices.
func maxRelDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	var d, s float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d = math.Max(d, math.Abs(a.At(i, j)-b.At(i, j)))
			s = math.Max(s, math.Max(math.Abs(a.At(i, j)), math.Abs(b.At(i, j))))
		}
	}
	if d == 0 {
		return 0
	}
	return d / s
}

// writePathOperator writes the Laplacian of a path of n vertices (a
// symmetric coordinate file, lower triangle) and unit masses (an n×1 array)
// into dir as the files named l and m, and returns their paths.
func writePathOperator(t *testing.T, dir, l, m string, n int) (string, string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%%%%MatrixMarket matrix coordinate real symmetric\n%d %d %d\n", n, n, 2*n-1)
	for i := 1; i <= n; i++ {
		d := 2
		if i == 1 || i == n {
			d = 1
		}
		fmt.Fprintf(&b, "%d %d %d\n", i, i, d)
		if i > 1 {
			fmt.Fprintf(&b, "%d %d -1\n", i, i-1)
		}
	}
	lp, mp := filepath.Join(dir, l), filepath.Join(dir, m)
	writeText(t, lp, b.String())
	writeText(t, mp, fmt.Sprintf("%%%%MatrixMarket matrix array real general\n%d 1\n%s", n, strings.Repeat("1\n", n)))
	return lp, mp
}

// gzipText returns s gzip-compressed.
func gzipText(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// hiddenFiles returns the names in dir that start with a dot: temporary
// files of the atomic writes.
func hiddenFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			s = append(s, e.Name())
		}
	}
	return s
}

// snapshot returns the contents of the regular files in dir by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := map[string]string{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			s[e.Name()] = string(b)
		}
	}
	return s
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// binary builds the command once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sparsels-test-")
		if buildErr != nil {
			return
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(binDir, "sparsels")
		out, err := exec.Command(goCmd, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// exitCode runs cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
