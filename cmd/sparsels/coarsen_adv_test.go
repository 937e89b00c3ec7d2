package main

// Adversarial tests of sparsels coarsen: it shares solve's output checks,
// input reader, memory budget and interrupt handling.

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

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

// TestAdvCoarsenInputsOverwritten: an output of coarsen that is an input,
// by name or by file identity (a hard link), is a command-line error
// before any work, and the inputs are left as they were. The outputs X.mtx
// and Y.mtx used to replace inputs so named.
func TestAdvCoarsenInputsOverwritten(t *testing.T) {
	dir := t.TempDir()
	lx, my := writePathOperator(t, dir, "X.mtx", "Y.mtx", 30)
	obj := writeGridOBJ(t, dir, 4)
	linked := filepath.Join(dir, "linked")
	if err := os.Mkdir(linked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(lx, filepath.Join(linked, "G0.mtx")); err != nil {
		t.Fatal(err)
	}
	meshLinked := filepath.Join(dir, "meshlinked")
	if err := os.Mkdir(meshLinked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(obj, filepath.Join(meshLinked, "summary.json")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"-L X.mtx -M Y.mtx -o .", []string{"-L", lx, "-M", my, "-o", dir}, "would overwrite the input -L " + lx},
		{"-o spelled differently", []string{"-L", lx, "-M", my, "-o", filepath.Join(dir, "linked", "..")}, "would overwrite the input -L"},
		{"hard link to -L", []string{"-L", lx, "-M", my, "-o", linked}, "would overwrite the input -L " + lx},
		{"hard link to -mesh", []string{"-mesh", obj, "-o", meshLinked}, "would overwrite the input -mesh " + obj},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := runArgs(append([]string{"coarsen", "-m", "6"}, test.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, test.want) {
				t.Errorf("%v\nwant exit 2 and %q", r, test.want)
			}
			if strings.Contains(r.stderr, "s  eigenpairs") {
				t.Errorf("work done before the outputs were checked: %q", r.stderr)
			}
			for _, d := range []string{dir, linked, meshLinked} {
				if h := hiddenFiles(t, d); len(h) > 0 {
					t.Errorf("temporary files left in %s: %v", d, h)
				}
			}
		})
	}
	if after := snapshot(t, dir); !mapsEqual(before, after) {
		t.Errorf("files changed: before %v, after %v", keys(before), keys(after))
	}
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

// TestAdvCoarsenOutputTargets: a -o that is a regular file, and outputs in
// the directory that are a symbolic link or a named pipe, are refused
// before any work (exit 1), and nothing is replaced; a missing -o is not
// left behind by a failed run. Before, the work ran for seconds, then the
// directory could not be made, and a symbolic link and a FIFO were replaced.
func TestAdvCoarsenOutputTargets(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	afile := filepath.Join(dir, "afile")
	writeText(t, afile, "keep\n")
	precious := filepath.Join(dir, "precious.txt")
	writeText(t, precious, "precious\n")
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", "precious.txt"), filepath.Join(out, "summary.json")); err != nil {
		t.Fatal(err)
	}
	fifoOut := filepath.Join(dir, "fifo")
	if err := os.Mkdir(fifoOut, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(fifoOut, "roots.txt"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	for _, test := range []struct {
		name, out, want string
	}{
		{"-o a regular file", afile, "afile is not a directory"},
		{"-o below a regular file", filepath.Join(afile, "sub"), "afile is not a directory"},
		{"summary.json a symbolic link", out, "summary.json (-o): it is a symbolic link, not a regular file"},
		{"roots.txt a named pipe", fifoOut, "roots.txt (-o): it is a named pipe, not a regular file"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := runArgs("coarsen", "-L", lf, "-M", mf, "-m", "6", "-o", test.out)
			if r.code != exitError || !strings.Contains(r.stderr, test.want) {
				t.Errorf("%v\nwant exit 1 and %q", r, test.want)
			}
			if strings.Contains(r.stderr, "s  eigenpairs") || r.stdout != "" {
				t.Errorf("work done before the outputs were checked: %v", r)
			}
		})
	}
	if b, _ := os.ReadFile(precious); string(b) != "precious\n" {
		t.Errorf("precious.txt changed to %q", b)
	}
	if b, _ := os.ReadFile(afile); string(b) != "keep\n" {
		t.Errorf("afile changed to %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(out, "summary.json")); err != nil || fi.Mode().Type() != os.ModeSymlink {
		t.Errorf("summary.json replaced: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(fifoOut, "roots.txt")); err != nil || fi.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("roots.txt replaced: %v", err)
	}
	for _, d := range []string{out, fifoOut} {
		if ents, _ := os.ReadDir(d); len(ents) != 1 {
			t.Errorf("%s holds %d files, want 1", d, len(ents))
		}
	}

	// A run that fails after the check removes the directories it made.
	made := filepath.Join(dir, "new", "deeper")
	r := runArgs("coarsen", "-L", lf, "-M", mf, "-m", "6", "-landmarks", "40", "-o", made)
	if r.code != exitError {
		t.Errorf("landmark 40 of 30: %v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Errorf("a failed run left the directory it made: %v", err)
	}
}

// TestAdvCoarsenInterruptWhileWriting: a first interrupt during the writes
// lets them finish (every output written, exit 3, said on stderr); the
// cleanup of a second interrupt finds every temporary file of the writes
// registered and removes them, and nothing is written. Before, the
// temporary files of the writes were not registered, so a second interrupt
// left one behind with part of the outputs.
func TestAdvCoarsenInterruptWhileWriting(t *testing.T) {
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	args := []string{"coarsen", "-L", lf, "-M", mf, "-m", "6", "-png"}
	defer func() { writeHook = nil }()

	t.Run("first", func(t *testing.T) {
		out := filepath.Join(dir, "first")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		writeHook = func(key string) {
			if key == "G.mtx" {
				cancel()
			}
		}
		r := runArgsContext(ctx, append(args, "-o", out)...)
		writeHook = nil
		if r.code != exitStopped || !strings.Contains(r.stderr, "interrupted while writing: every output was written") {
			t.Errorf("%v", r)
		}
		for _, name := range append(slices.Clone(dataNames), "fmap.png") {
			if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
				t.Errorf("%s not written: %v", name, err)
			}
		}
	})

	t.Run("second", func(t *testing.T) {
		out := filepath.Join(dir, "second")
		var registered, left []string
		var hidden int
		writeHook = func(key string) {
			if key != "G.mtx" {
				return
			}
			// What the second interrupt does before the process exits.
			for _, h := range hiddenFiles(t, out) {
				hidden++
				if temps.names[filepath.Join(out, h)] {
					registered = append(registered, h)
				}
			}
			temps.cleanup()
			// The directory made for the outputs goes too, once empty.
			if ents, err := os.ReadDir(out); err == nil {
				for _, e := range ents {
					left = append(left, e.Name())
				}
			}
			temps.names, temps.dirs = map[string]bool{}, map[string]bool{}
			temps.mu.Unlock()
		}
		r := runArgs(append(args, "-o", out)...)
		writeHook = nil
		if want := len(dataNames) + 1; hidden != want || len(registered) != want {
			t.Errorf("%d temporary files during the writes, %d of them registered for cleanup; want %d", hidden, len(registered), want)
		}
		if len(left) > 0 {
			t.Errorf("files left by the cleanup: %v", left)
		}
		if r.code != exitError {
			t.Errorf("the commit after the cleanup: %v", r)
		}
		if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
			t.Errorf("files in %s after the cleanup: %d", out, len(ents))
		}
	})
}

// countCtx is a context whose Err reports context.Canceled from its
// (limit+1)-th call on (never if limit is 0), and counts the calls: a
// deterministic stand-in for an interrupt at a given point of a run.
type countCtx struct {
	context.Context
	calls, limit int
}

func (c *countCtx) Err() error {
	c.calls++
	if c.limit > 0 && c.calls > c.limit {
		return context.Canceled
	}
	return nil
}

// TestAdvCheckInterrupt: an interrupt while check computes its table stops
// it between two quantities (exit 3, nothing printed as a verdict). Before,
// check looked at the interrupt only between random points, so it ran to
// the end of a large problem.
func TestAdvCheckInterrupt(t *testing.T) {
	tp := newTestProblem(t, 3)
	args := tp.args("check", tp.G0)
	all := &countCtx{Context: context.Background()}
	if r := runArgsContext(all, args...); r.code != exitOK {
		t.Fatalf("uninterrupted: %v", r)
	}
	for _, before := range []int{1, 3} { // interrupt this many checks before the end
		ctx := &countCtx{Context: context.Background(), limit: all.calls - before}
		r := runArgsContext(ctx, args...)
		if r.code != exitStopped || !strings.Contains(r.stderr, "interrupted") || strings.Contains(r.stdout, "OK: all") {
			t.Errorf("interrupted %d checks before the end: %v", before, r)
		}
	}
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

// TestAdvCoarsenInputBudget: coarsen reads -L and -M with solve's reader:
// repeated entries are summed while reading, so a small gzip file that
// repeats one entry two million times is read in bounded memory, and a
// size line that the budget cannot hold is refused on that line, naming
// the file and -max-dense-bytes. Before, coarsen kept every copy (and a
// 2·10⁸-line file ran out of memory) and had no budget.
func TestAdvCoarsenInputBudget(t *testing.T) {
	dir := t.TempDir()
	_, mf := writePathOperator(t, dir, "P.mtx", "M.mtx", 4)
	path4 := "1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n"
	bomb := filepath.Join(dir, "bomb.mtx.gz")
	writeText(t, bomb, gzipText(t, "%%MatrixMarket matrix coordinate real symmetric\n4 4 2000007\n"+path4+strings.Repeat("1 1 0\n", 2000000)))
	var r result
	alloc := advAllocated(func() { r = runArgs("coarsen", "-L", bomb, "-M", mf, "-m", "2", "-o", filepath.Join(dir, "out"), "-q") })
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

// TestAdvCoarsenMemoryBudget: a coarsening whose eigenvectors and Krylov
// basis exceed -max-dense-bytes is refused before the eigensolve, with the
// estimate, its parts and the flag to raise; the eigenvectors are
// max(k, quality-k) of them, and the default k is coarsen.DefaultK's (the
// command once estimated round(m/3) = 1000 here, where the coarsening fits
// 200). Before, coarsen had no budget and died allocating the n×k basis.
func TestAdvCoarsenMemoryBudget(t *testing.T) {
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
		alloc := advAllocated(func() { r = runArgs(append([]string{"coarsen", "-L", lf, "-M", mf, "-o", out}, test.args...)...) })
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

// TestAdvCoarsenArguments: every argument is validated before the
// eigensolve: repeated, negative and out-of-range landmarks, k ≥ n, m > n,
// -png-eig (below the eigenpairs compared), -quality-k ≥ m, -weighting,
// -quality-tol (below 1, not with -no-monitor), -view. Errors name the
// flag. Before, a repeated landmark or a
// bad -png-eig were found after the eigensolve or not at all, and -view
// nan,nan and 1,2,3 were accepted.
func TestAdvCoarsenArguments(t *testing.T) {
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	out := filepath.Join(dir, "out")
	for _, test := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-landmarks", "3,3"}, exitUsage, "-landmarks: vertex 3 is given twice (landmarks 0 and 1)"},
		{[]string{"-landmarks", "2,-1"}, exitUsage, "-landmarks: landmark 1 is -1"},
		{[]string{"-landmarks", "1,2,3,4,5,6,7"}, exitUsage, "-landmarks: 7 landmarks for -m 6"},
		{[]string{"-landmarks", "4,30"}, exitError, "-landmarks: landmark 1 is vertex 30, but " + lf + " has n = 30 vertices"},
		{[]string{"-k", "30"}, exitError, "-k 30: " + lf + " has n = 30 vertices: want k < n"},
		{[]string{"-m", "31"}, exitError, "-m 31: m = 31 coarse vertices, but " + lf + " has n = 30 vertices"},
		{[]string{"-png", "-png-eig", "2"}, exitError, "-png-eig 2: the quality stage compares 2 eigenpairs"},
		{[]string{"-png", "-k", "4", "-quality-k", "3", "-png-eig", "3"}, exitError, "-png-eig 3: the quality stage compares 3 eigenpairs (-quality-k)"},
		{[]string{"-quality-k", "6"}, exitUsage, "-quality-k 6: want fewer eigenpairs compared than -m 6"},
		{[]string{"-weighting", "square"}, exitUsage, `-weighting "square": want root-relative, uniform, relative`},
		{[]string{"-quality-tol", "1"}, exitUsage, "-quality-tol 1: want a fraction below 1"},
		{[]string{"-quality-tol", "nan"}, exitUsage, "-quality-tol"},
		{[]string{"-no-monitor", "-quality-tol", "0.1"}, exitUsage, "-quality-tol 0.1 has no effect with -no-monitor"},
		{[]string{"-png-eig", "-2"}, exitUsage, "-png-eig -2"},
		{[]string{"-view", "nan,nan"}, exitUsage, `-view "nan,nan": "nan" is not a finite number`},
		{[]string{"-view", "1,2,3"}, exitUsage, `-view "1,2,3": want azimuth,elevation`},
		{[]string{"-view", "1"}, exitUsage, `-view "1": want azimuth,elevation`},
	} {
		args := append([]string{"coarsen", "-L", lf, "-M", mf, "-m", "6", "-o", out}, test.args...)
		r := runArgs(args...)
		if r.code != test.code || !strings.Contains(r.stderr, test.want) {
			t.Errorf("%v: %v\nwant exit %d and %q", test.args, r, test.code, test.want)
		}
		if strings.Contains(r.stderr, "s  eigenpairs") {
			t.Errorf("%v: the eigensolve started: %q", test.args, r.stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run left %s", out)
	}
}

// TestAdvNegativeFlags: negative numeric flags of every subcommand are
// refused (exit 2, naming the flag), not taken as their defaults.
func TestAdvNegativeFlags(t *testing.T) {
	tp := newTestProblem(t, 4)
	dir := t.TempDir()
	lf, mf := writePathOperator(t, dir, "L.mtx", "M.mtx", 30)
	co := func(extra ...string) []string {
		return append([]string{"coarsen", "-L", lf, "-M", mf, "-m", "6", "-o", filepath.Join(dir, "out")}, extra...)
	}
	for _, test := range []struct {
		args []string
		flag string
	}{
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-max-iter", "-1"), "-max-iter -1"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-time-limit", "-1s"), "-time-limit -1s"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-time-limit", "-2"), "-time-limit -2s"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-lambda", "-1"), "-lambda -1"},
		{tp.args("solve", tp.G0, "-o", tp.path("o.mtx"), "-max-dense-bytes", "-1"), "-max-dense-bytes"},
		{tp.args("check", tp.G0, "-random", "-1"), "-random -1"},
		{tp.args("check", tp.G0, "-coords", "-1"), "-coords -1"},
		{tp.args("check", tp.G0, "-tol", "-1"), "-tol -1"},
		{tp.args("check", tp.G0, "-step", "-1"), "-step -1"},
		{tp.args("eval", tp.G0, "-max-dense-bytes", "-5"), "-max-dense-bytes"},
		{co("-max-iter", "-1"), "-max-iter -1"},
		{co("-time-limit", "-5"), "-time-limit -5s"},
		{co("-k", "-1"), "-k -1"},
		{co("-quality-k", "-1"), "-quality-k -1"},
		{co("-m", "-4"), "-m -4"},
		{co("-png-eig", "-3"), "-png-eig -3"},
		{co("-max-dense-bytes", "-1"), "-max-dense-bytes"},
	} {
		r := runArgs(test.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, test.flag) {
			t.Errorf("%v: %v\nwant exit 2 naming %q", test.args[len(test.args)-2:], r, test.flag)
		}
	}
	if _, err := os.Stat(tp.path("o.mtx")); !os.IsNotExist(err) {
		t.Errorf("a refused solve wrote o.mtx")
	}
}
