package main

// Tests of -max-dense-bytes: inputs, problems and outputs over the budget
// are refused before they are allocated.

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDenseLimit checks that oversized dense outputs are refused before
// anything is written (the problem needs about 68 KB of the budget, see
// loadProblem; the outputs must fit in the rest), and that check skips them
// but checks the rest.
func TestDenseLimit(t *testing.T) {
	tp := newTestProblem(t, 4)
	outs := []string{tp.path("f.mtx"), tp.path("g.mtx"), tp.path("J.mtx"), tp.path("H.mtx")}
	for _, tc := range []struct {
		flag, path, size string
	}{
		{"-jac", outs[2], "the Jacobian is 24×90: it needs 17280 bytes"},
		{"-hess", outs[3], "the Hessian is 90×90: it needs 64800 bytes"},
	} {
		r := runArgs(tp.args("eval", tp.G0, "-max-dense-bytes", "80000", "-residual", outs[0], "-grad", outs[1], tc.flag, tc.path)...)
		if r.code != exitError || !strings.Contains(r.stderr, tc.size) || !strings.Contains(r.stderr, tc.path) {
			t.Errorf("%s: want exit 1 naming the file and %q, got %v", tc.flag, tc.size, r)
		}
		for _, p := range outs {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s was written", tc.flag, p)
			}
		}
	}

	r := runArgs(tp.args("check", tp.G0, "-max-dense-bytes", "80000")...)
	if r.code != exitOK {
		t.Fatalf("check with a small limit: %v", r)
	}
	rows := checkTable(t, r.stdout)
	for name, res := range rows {
		skipped := name == "Jacobian" || name == "GaussNewton" || name == "Hessian"
		if skipped && !strings.HasPrefix(res, "skipped") || !skipped && res != "OK" {
			t.Errorf("%s: %s", name, res)
		}
	}
	if !strings.Contains(rows["Hessian"], "129600 bytes") {
		t.Errorf("Hessian row does not give the size (nnz² + nnz·K)·8 = 129600 bytes: %s", rows["Hessian"])
	}

	// A lying header: G and L claim 200 million rows with a few entries. The
	// refusal comes before any storage in proportion to the rows.
	const big = 200_000_000
	writeText(t, tp.path("Gbig.mtx"), fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n%d 6 2\n1 1 0.5\n2 2 0.5\n", big))
	writeText(t, tp.path("Lbig.mtx"), fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n%d %d 1\n1 1 1\n", big, big))
	alloc := bytesAllocated(func() { r = runArgs(tp.args("eval", tp.path("Gbig.mtx"), "-L", tp.path("Lbig.mtx"))...) })
	if r.code != exitError || !strings.Contains(r.stderr, "over -max-dense-bytes") {
		t.Errorf("lying header: %v", r)
	}
	if alloc > 64<<20 {
		t.Errorf("lying header: %d bytes allocated", alloc)
	}
	writeText(t, tp.path("Ghuge.mtx"), "%%MatrixMarket matrix coordinate real general\n1000000000000 6 1\n1 1 1\n")
	r = runArgs(tp.args("eval", tp.path("Ghuge.mtx"))...)
	if r.code != exitError || !strings.Contains(r.stderr, "Ghuge.mtx") {
		t.Errorf("huge header: %v", r)
	}
}

// TestMemoryBudget: G 2·10⁶×4 with 24 entries and L with 23 entries
// (files of a few hundred bytes) under -max-dense-bytes 256MiB: the
// estimate of everything the command builds, not only of the dense
// storage, is refused before any of it is allocated, with the estimate in
// the message.
func TestMemoryBudget(t *testing.T) {
	dir := writeTinyProblem(t, map[string]string{
		"G.mtx": "%%MatrixMarket matrix coordinate real general\n2000000 2 6\n1 1 1\n2 1 0.7\n2 2 0.3\n3 1 0.2\n3 2 0.8\n4 2 1\n",
		"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n2000000 2000000 7\n1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n",
	})
	out := filepath.Join(dir, "out.mtx")
	for _, args := range [][]string{
		tinyArgs(dir, "solve", "-max-dense-bytes", "256MiB", "-o", out),
		tinyArgs(dir, "solve", "-max-dense-bytes", "256MiB", "-o", out, "-method", "nadam"),
		tinyArgs(dir, "eval", "-max-dense-bytes", "128MiB", "-grad", out),
	} {
		var code int
		var stderr string
		alloc := bytesAllocated(func() { code, _, stderr = runNoPanic(t, args) })
		if code != exitError || !strings.Contains(stderr, "needs about") || !strings.Contains(stderr, "over -max-dense-bytes = ") ||
			!strings.Contains(stderr, "2000000×2") {
			t.Errorf("%v: exit status %d, stderr %q", args[len(args)-2:], code, stderr)
		}
		if alloc > 32<<20 {
			t.Errorf("%v: %d bytes allocated before the refusal", args[len(args)-2:], alloc)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("output written")
		}
	}
}

// bytesAllocated returns the bytes allocated while running f.
func bytesAllocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestInputBudget: an L that repeats one entry two million times (a
// gzip file of a few kilobytes) is read in memory bounded by its 16
// positions and summed; an L whose size line declares more entries than
// the budget can hold is refused on that line, naming the file, before any
// entry is decompressed.
func TestInputBudget(t *testing.T) {
	var raw strings.Builder
	raw.WriteString("%%MatrixMarket matrix coordinate real general\n4 4 2000001\n")
	raw.WriteString(strings.Repeat("1 1 0.5\n", 2000000))
	raw.WriteString("4 4 1\n")
	var gz strings.Builder
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, raw.String())
	zw.Close()
	dir := writeTinyProblem(t, map[string]string{"L.mtx": gz.String()})
	var code int
	var stdout, stderr string
	alloc := bytesAllocated(func() { code, stdout, stderr = runNoPanic(t, tinyArgs(dir, "eval")) })
	if code != exitOK {
		t.Fatalf("duplicate bomb: exit status %d, stderr %q", code, stderr)
	}
	if alloc > 16<<20 {
		t.Errorf("duplicate bomb: %d bytes allocated to read a 4×4 L", alloc)
	}
	// L = 10⁶·e₁e₁ᵀ + e₄e₄ᵀ, summed in file order.
	want := writeTinyProblem(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n4 4 2\n1 1 1e6\n4 4 1\n"})
	_, stdout2, _ := runNoPanic(t, tinyArgs(want, "eval"))
	if field(t, stdout, "energy") != field(t, stdout2, "energy") {
		t.Errorf("energy %s with the repeated entries, %s with their sum", field(t, stdout, "energy"), field(t, stdout2, "energy"))
	}

	big := writeTinyProblem(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n1000000 1000000 1000000000\n1 1 1\n"})
	code, _, stderr = runNoPanic(t, tinyArgs(big, "eval"))
	if code != exitError || !strings.Contains(stderr, filepath.Join(big, "L.mtx")+":2: 1000000000 entries need 29.8 GiB, over the memory limit") {
		t.Errorf("huge L: exit status %d, stderr %q", code, stderr)
	}
}

// TestCoarsenInputBudget: coarsen reads -L and -M with solve's reader:
// repeated entries are summed while reading, so a small gzip file that
// repeats one entry two million times is read in bounded memory, and a
// size line that the budget cannot hold is refused on that line, naming
// the file and -max-dense-bytes.
func TestCoarsenInputBudget(t *testing.T) {
	dir := t.TempDir()
	_, mf := writePathOperator(t, dir, "P.mtx", "M.mtx", 4)
	path4 := "1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n"
	bomb := filepath.Join(dir, "bomb.mtx.gz")
	writeText(t, bomb, gzipText(t, "%%MatrixMarket matrix coordinate real symmetric\n4 4 2000007\n"+path4+strings.Repeat("1 1 0\n", 2000000)))
	var r result
	alloc := bytesAllocated(func() { r = runArgs("coarsen", "-L", bomb, "-M", mf, "-m", "2", "-o", filepath.Join(dir, "out"), "-q") })
	if r.code != exitOK && r.code != exitStopped {
		t.Fatalf("duplicate bomb: %v", r)
	}
	if alloc > 32<<20 {
		t.Errorf("duplicate bomb: %d bytes allocated for a 4×4 L", alloc)
	}
	// The repeats summed: L.mtx written back is the path Laplacian.
	if l := readMtx(t, filepath.Join(dir, "out", "L.mtx")); l.Rows != 4 || len(l.I) != 10 {
		t.Errorf("L.mtx: %d×%d with %d entries, want the 4×4 path Laplacian (10 entries)", l.Rows, l.Cols, len(l.I))
	}

	huge := filepath.Join(dir, "huge.mtx.gz")
	writeText(t, huge, gzipText(t, "%%MatrixMarket matrix coordinate real general\n1000000 1000000 100000000\n"+path4))
	r = runArgs("coarsen", "-L", huge, "-M", mf, "-m", "2", "-o", filepath.Join(dir, "out2"), "-max-dense-bytes", "64MiB")
	if r.code != exitError || !strings.Contains(r.stderr, huge+":2: ") || !strings.Contains(r.stderr, "-max-dense-bytes = 64.0 MiB") {
		t.Errorf("huge size line: %v", r)
	}
}

// TestCoarsenMemoryBudget: a coarsening whose eigenvectors and Krylov
// basis exceed -max-dense-bytes is refused before the eigensolve, with the
// estimate, its parts and the flag to raise; the eigenvectors are
// max(k, quality-k) of them, and the default k is coarsen.DefaultK's, not
// round(m/3) = 1000.
func TestCoarsenMemoryBudget(t *testing.T) {
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 20000)
	out := filepath.Join(dir, "out")
	for _, test := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", "3000", "-max-dense-bytes", "256MiB"}, "m = 3000, k = 200, "},
		{[]string{"-m", "300", "-k", "60", "-max-dense-bytes", "32MiB"}, "k = 60) needs about"},
		// The fine eigenpairs compared count too: 250 of them, not k = 10.
		{[]string{"-m", "300", "-k", "10", "-quality-k", "250", "-max-dense-bytes", "32MiB"}, "k = 10, quality-k = 250) needs about"},
	} {
		var r result
		alloc := bytesAllocated(func() { r = runArgs(append([]string{"coarsen", "-L", lf, "-M", mf, "-o", out}, test.args...)...) })
		if r.code != exitError || !strings.Contains(r.stderr, test.want) || !strings.Contains(r.stderr, "for the eigenvectors") ||
			!strings.Contains(r.stderr, "over -max-dense-bytes = ") || !strings.Contains(r.stderr, "raise -max-dense-bytes") {
			t.Errorf("%v: %v", test.args, r)
		}
		if strings.Contains(r.stderr, "s  eigenpairs") {
			t.Errorf("%v: the eigensolve started: %q", test.args, r.stderr)
		}
		if alloc > 64<<20 {
			t.Errorf("%v: %d bytes allocated before the refusal", test.args, alloc)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: the refused run left %s", test.args, out)
		}
	}
}
