package main

// Tests of the outputs: checked before any work, written all together or
// not at all, never replacing an input or a file that is not regular.

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestOutputsAllOrNothing: an output that cannot be written makes the
// command fail before any work, and none of its other outputs is written.
func TestOutputsAllOrNothing(t *testing.T) {
	dir := writeTinyProblem(t, nil)
	out, res := filepath.Join(dir, "o.mtx"), filepath.Join(dir, "r.mtx")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name string
		args []string
	}{
		{"solve -trace in a missing directory", tinyArgs(dir, "solve", "-o", out, "-trace", filepath.Join(dir, "nonexistent", "t.csv"))},
		{"eval -grad a directory", tinyArgs(dir, "eval", "-residual", res, "-grad", sub)},
		{"solve -o in a missing directory", tinyArgs(dir, "solve", "-o", filepath.Join(dir, "nonexistent", "G.mtx"), "-trace", out)},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, stdout, stderr := runNoPanic(t, test.args)
			if code != exitError || !strings.Contains(stderr, "cannot write") {
				t.Errorf("exit status %d, stderr %q", code, stderr)
			}
			// Checked before the work: no input was read, no progress shown.
			if strings.Contains(stderr, "iter") || strings.Contains(stderr, "sparsels solve: G") || stdout != "" {
				t.Errorf("work done before the output was checked:\nstdout %q\nstderr %q", stdout, stderr)
			}
			for _, p := range []string{out, res} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s written despite exit status %d", p, code)
				}
			}
			if h := hiddenFiles(t, dir); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

// TestOutputClashes: outputs naming the same file, or an input, are a
// command-line error (exit status 2) and change nothing.
func TestOutputClashes(t *testing.T) {
	dir := writeTinyProblem(t, nil)
	same := filepath.Join(dir, "same.mtx")
	g := filepath.Join(dir, "G.mtx")
	link := filepath.Join(dir, "link.mtx")
	if err := os.Link(g, link); err != nil {
		t.Fatal(err)
	}
	gBefore, _ := os.ReadFile(g)
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"-o and -trace", tinyArgs(dir, "solve", "-o", same, "-trace", same), "name the same file"},
		{"-o and -trace, spelled differently", tinyArgs(dir, "solve", "-o", same, "-trace", filepath.Join(dir, ".", "sub", "..", "same.mtx")), "name the same file"},
		{"-o over -G", tinyArgs(dir, "solve", "-o", g), "would overwrite the input -G"},
		{"-o over a hard link to -G", tinyArgs(dir, "solve", "-o", link), "would overwrite the input -G"},
		{"-trace over -L", tinyArgs(dir, "solve", "-o", same, "-trace", filepath.Join(dir, "L.mtx")), "would overwrite the input -L"},
		{"-grad over -X", tinyArgs(dir, "eval", "-grad", filepath.Join(dir, "X.mtx")), "would overwrite the input -X"},
		{"-residual and -hess", tinyArgs(dir, "eval", "-residual", same, "-hess", same), "name the same file"},
		{"-o over -ref", tinyArgs(dir, "solve", "-lambda", "1", "-ref", same, "-o", same), "would overwrite the input -ref"},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, _, stderr := runNoPanic(t, test.args)
			if code != exitUsage || !strings.Contains(stderr, test.want) {
				t.Errorf("exit status %d, want 2 with %q; stderr %q", code, test.want, stderr)
			}
			if _, err := os.Stat(same); !os.IsNotExist(err) {
				t.Errorf("same.mtx written")
			}
			if b, _ := os.ReadFile(g); string(b) != string(gBefore) {
				t.Errorf("G.mtx changed to %q", b)
			}
			if h := hiddenFiles(t, dir); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

// TestNonRegularOutputs: an output that names a named pipe or a
// symbolic link is refused and left as it is (the rename used to replace it
// with a regular file; as root, -o /dev/null replaced /dev/null).
func TestNonRegularOutputs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	dir := writeTinyProblem(t, nil)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	target := filepath.Join(dir, "target.mtx")
	if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.mtx")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		path, want string
		mode       os.FileMode
	}{
		{fifo, "a named pipe", os.ModeNamedPipe},
		{link, "a symbolic link", os.ModeSymlink},
	} {
		for _, args := range [][]string{tinyArgs(dir, "solve", "-o", test.path), tinyArgs(dir, "eval", "-grad", test.path)} {
			code, _, stderr := runNoPanic(t, args)
			if code != exitError || !strings.Contains(stderr, test.want) || !strings.Contains(stderr, "not a regular file") {
				t.Errorf("%s -> %s: exit status %d, stderr %q", args[0], test.path, code, stderr)
			}
			if fi, err := os.Lstat(test.path); err != nil || fi.Mode().Type() != test.mode {
				t.Errorf("%s: %s replaced: %v, %v", args[0], test.path, fi.Mode(), err)
			}
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "keep\n" {
		t.Errorf("the symbolic link's target changed to %q", b)
	}
	if h := hiddenFiles(t, dir); len(h) > 0 {
		t.Errorf("temporary files left: %v", h)
	}
}

// TestAtomicWrites makes writes fail and checks that existing files are left
// untouched and no temporary files remain.
func TestAtomicWrites(t *testing.T) {
	tp := newTestProblem(t, 7)

	dir := tp.path("out.mtx")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeText(t, filepath.Join(dir, "inside"), "keep\n")
	r := runArgs(tp.args("solve", tp.G0, "-o", dir)...)
	if r.code != exitError || !strings.Contains(r.stderr, "cannot write "+dir) {
		t.Errorf("output is a directory: %v", r)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "inside")); err != nil || string(b) != "keep\n" {
		t.Errorf("the directory was changed: %q, %v", b, err)
	}

	// The target's name (254 bytes) fits in NAME_MAX = 255 but the name of
	// mtx.WriteFile's temporary file ("." + name + "-" + digits, at least
	// 257 bytes) does not, so the write fails whatever the permissions.
	long := tp.path(strings.Repeat("g", 250) + ".mtx")
	writeText(t, long, "keep\n")
	before, _ := os.ReadDir(tp.dir)
	for _, args := range [][]string{
		tp.args("solve", tp.G0, "-o", long),
		tp.args("eval", tp.G0, "-grad", long),
		tp.args("solve", tp.G0, "-o", tp.path("G.mtx"), "-trace", long),
	} {
		r := runArgs(args...)
		if r.code != exitError || !strings.Contains(r.stderr, "cannot write") {
			t.Errorf("%s: want a failed write, got %v", args[0], r)
		}
		if b, err := os.ReadFile(long); err != nil || string(b) != "keep\n" {
			t.Errorf("%s: existing file changed to %q, %v", args[0], b, err)
		}
	}
	after, _ := os.ReadDir(tp.dir)
	names := func(es []os.DirEntry) (s []string) {
		for _, e := range es {
			if !strings.HasPrefix(e.Name(), ".") {
				continue
			}
			s = append(s, e.Name())
		}
		return s
	}
	if tmp := names(after); len(tmp) != len(names(before)) {
		t.Errorf("temporary files left: %v", tmp)
	}

	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 || runtime.GOOS == "windows" {
			t.Skip("permissions do not stop this user; the long-name case covers the failure")
		}
		ro := tp.path("ro")
		os.Mkdir(ro, 0o755)
		target := filepath.Join(ro, "G.mtx")
		writeText(t, target, "keep\n")
		os.Chmod(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		r := runArgs(tp.args("solve", tp.G0, "-o", target)...)
		if b, _ := os.ReadFile(target); r.code != exitError || string(b) != "keep\n" {
			t.Errorf("read-only directory: %v; file now %q", r, b)
		}
	})
}

// TestUnwritableOutputs checks unwritable outputs and that a failure keeps
// an existing output intact.
func TestUnwritableOutputs(t *testing.T) {
	dir := writeTinyProblem(t, nil)
	// Unwritable destinations.
	for _, out := range []string{filepath.Join(dir, "missing", "G.mtx"), dir} {
		code, _, stderr := runNoPanic(t, tinyArgs(dir, "solve", "-o", out, "-q"))
		if code != 1 || !strings.Contains(stderr, "cannot write") || !strings.Contains(stderr, out) {
			t.Errorf("-o %s: exit status %d, stderr %q", out, code, stderr)
		}
	}
	// A failing run leaves an existing output untouched.
	out := filepath.Join(dir, "keep.mtx")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := writeTinyProblem(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 inf\n"})
	code, _, _ := runNoPanic(t, tinyArgs(bad, "solve", "-o", out, "-q"))
	if b, _ := os.ReadFile(out); code != 1 || string(b) != "precious" {
		t.Errorf("failed solve: exit status %d, output now %q", code, b)
	}
}

// TestCoarsenOutputsAreNotInputs: an output of coarsen that is an input,
// by name or by file identity (a hard link), is a command-line error
// before any work, and the inputs are left as they were. The outputs X.mtx
// and Y.mtx used to replace inputs so named.
func TestCoarsenOutputsAreNotInputs(t *testing.T) {
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

// TestCoarsenOutputTargets: a -o that is a regular file, and outputs in
// the directory that are a symbolic link or a named pipe, are refused
// before any work (exit 1), and nothing is replaced; a missing -o is not
// left behind by a failed run.
func TestCoarsenOutputTargets(t *testing.T) {
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
