package main

// Adversarial tests of the command's outputs and interrupts (issue 11):
// outputs are validated before the work and written together or not at
// all, clashing paths are refused with exit status 2, non-regular targets
// are refused, an interrupt stops reading promptly and removes every
// temporary file, and an overflow is blamed on the operand that causes it.

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

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

// TestAdvOutputsAllOrNothing: an output that cannot be written makes the
// command fail before any work, and none of its other outputs is written.
func TestAdvOutputsAllOrNothing(t *testing.T) {
	dir := advSetup(t, nil)
	out, res := filepath.Join(dir, "o.mtx"), filepath.Join(dir, "r.mtx")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name string
		args []string
	}{
		{"solve -trace in a missing directory", advArgs(dir, "solve", "-o", out, "-trace", filepath.Join(dir, "nonexistent", "t.csv"))},
		{"eval -grad a directory", advArgs(dir, "eval", "-residual", res, "-grad", sub)},
		{"solve -o in a missing directory", advArgs(dir, "solve", "-o", filepath.Join(dir, "nonexistent", "G.mtx"), "-trace", out)},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, stdout, stderr := advExec(t, test.args)
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

// TestAdvOutputClashes: outputs naming the same file, or an input, are a
// command-line error (exit status 2) and change nothing.
func TestAdvOutputClashes(t *testing.T) {
	dir := advSetup(t, nil)
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
		{"-o and -trace", advArgs(dir, "solve", "-o", same, "-trace", same), "name the same file"},
		{"-o and -trace, spelled differently", advArgs(dir, "solve", "-o", same, "-trace", filepath.Join(dir, ".", "sub", "..", "same.mtx")), "name the same file"},
		{"-o over -G", advArgs(dir, "solve", "-o", g), "would overwrite the input -G"},
		{"-o over a hard link to -G", advArgs(dir, "solve", "-o", link), "would overwrite the input -G"},
		{"-trace over -L", advArgs(dir, "solve", "-o", same, "-trace", filepath.Join(dir, "L.mtx")), "would overwrite the input -L"},
		{"-grad over -X", advArgs(dir, "eval", "-grad", filepath.Join(dir, "X.mtx")), "would overwrite the input -X"},
		{"-residual and -hess", advArgs(dir, "eval", "-residual", same, "-hess", same), "name the same file"},
		{"-o over -ref", advArgs(dir, "solve", "-lambda", "1", "-ref", same, "-o", same), "would overwrite the input -ref"},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, _, stderr := advExec(t, test.args)
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

// TestAdvNonRegularOutputs: an output that names a named pipe or a
// symbolic link is refused and left as it is (the rename used to replace it
// with a regular file; as root, -o /dev/null replaced /dev/null).
func TestAdvNonRegularOutputs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	dir := advSetup(t, nil)
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
		for _, args := range [][]string{advArgs(dir, "solve", "-o", test.path), advArgs(dir, "eval", "-grad", test.path)} {
			code, _, stderr := advExec(t, args)
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

// TestAdvOverflowBlame: a start whose energy overflows is blamed on the
// operand whose scale causes it, not on G0 (issue 11 item 12).
func TestAdvOverflowBlame(t *testing.T) {
	const coordSym = "%%MatrixMarket matrix coordinate real symmetric\n"
	for _, test := range []struct {
		name    string
		replace map[string]string
		extra   []string
		want    string
	}{
		{"L with diagonal 1e308", map[string]string{"L.mtx": coordSym + "4 4 4\n1 1 1e308\n2 2 1e308\n3 3 1e308\n4 4 1e308\n"}, nil, "L.mtx: the scale of L overflows"},
		{"X with entries 1e300", map[string]string{"X.mtx": "%%MatrixMarket matrix array real general\n2 2\n1e300\n-1e300\n1\n1\n"}, nil, "X.mtx: the scale of X overflows"},
		{"B with entries 1e200", map[string]string{"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1e200\n1\n1\n1\n"}, nil, "B.mtx: the scale of B overflows"},
		{"reference 1e200", map[string]string{"R.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 1\n1 1 1e200\n"},
			[]string{"-lambda", "1", "-ref", "$dir/R.mtx"}, "R.mtx: the scale of the reference overflows"},
		{"lambda 1e308", nil, []string{"-lambda", "1e308", "-ref", "$dir/R.mtx"}, "-lambda 1e+308: the Tikhonov term"},
	} {
		t.Run(test.name, func(t *testing.T) {
			replace := map[string]string{"R.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 1\n1 1 1e150\n"}
			for k, v := range test.replace {
				replace[k] = v
			}
			advFiles["R.mtx"] = replace["R.mtx"]
			defer delete(advFiles, "R.mtx")
			dir := advSetup(t, replace)
			var extra []string
			for _, e := range test.extra {
				extra = append(extra, strings.ReplaceAll(e, "$dir", dir))
			}
			args := advArgs(dir, "solve", append(extra, "-o", filepath.Join(dir, "out.mtx"), "-q")...)
			code, _, stderr := advExec(t, args)
			if code != exitError || !strings.Contains(stderr, test.want) {
				t.Errorf("solve: exit status %d, stderr %q, want %q", code, stderr, test.want)
			}
			if strings.Contains(stderr, "G.mtx: ") {
				t.Errorf("solve blames G: %q", stderr)
			}
			if test.extra == nil {
				code, _, stderr = advExec(t, advArgs(dir, "eval"))
				if code != exitError || !strings.Contains(stderr, test.want) {
					t.Errorf("eval: exit status %d, stderr %q, want %q", code, stderr, test.want)
				}
			}
		})
	}
}

// startFifoRun starts the built command with -G reading from a named
// pipe, streams a valid header and then endless comment lines into it from
// a goroutine, and returns the running command and its stderr.
func startFifoRun(t *testing.T, dir string, args []string) (*exec.Cmd, *strings.Builder, func()) {
	t.Helper()
	bin := binary(t)
	fifo := filepath.Join(dir, "Gpipe.mtx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	for k, a := range args {
		if a == filepath.Join(dir, "G.mtx") {
			args[k] = fifo
		}
	}
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		io.WriteString(w, "%%MatrixMarket matrix coordinate real general\n")
		line := strings.Repeat("% a comment line that goes on and on\n", 100)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := io.WriteString(w, line); err != nil {
				return // the reader is gone
			}
		}
	}()
	return cmd, &stderr, func() { close(stop); <-done }
}

// waitExit waits for cmd and returns its exit status, failing the test if
// it does not end within a minute (a reader that ignores the interrupt
// would read the endless pipe forever).
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	select {
	case err := <-ch:
		var ee *exec.ExitError
		if err == nil {
			return 0
		}
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		t.Fatal(err)
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-ch
		t.Fatal("the command did not stop after the interrupt")
	}
	return -1
}

// TestAdvInterruptWhileReading: SIGINT while an input is still being read
// stops the reading, writes nothing (no iterate was computed) and leaves no
// temporary file (issue 11 items 10 and 11); before, the signal waited for
// the end of the read and the unsolved G0 was written as the best G.
func TestAdvInterruptWhileReading(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT or named pipes on Windows")
	}
	for _, cmdName := range []string{"solve", "eval"} {
		t.Run(cmdName, func(t *testing.T) {
			dir := advSetup(t, nil)
			out := filepath.Join(dir, "out.mtx")
			args := advArgs(dir, cmdName, "-o", out, "-trace", filepath.Join(dir, "t.csv"))
			if cmdName == "eval" {
				args = advArgs(dir, cmdName, "-grad", out, "-residual", filepath.Join(dir, "t.csv"))
			}
			cmd, stderr, stop := startFifoRun(t, dir, args)
			defer stop()
			time.Sleep(200 * time.Millisecond) // let it read for a while
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			code := waitExit(t, cmd)
			if code != exitStopped || !strings.Contains(stderr.String(), "interrupted") || !strings.Contains(stderr.String(), "nothing was written") {
				t.Errorf("exit status %d, stderr %q", code, stderr.String())
			}
			for _, p := range []string{out, filepath.Join(dir, "t.csv")} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s written by an interrupted read", p)
				}
			}
			if h := hiddenFiles(t, dir); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

// TestAdvSecondInterruptCleanup: the cleanup run by a second interrupt
// (which then ends the process at once) removes the temporary files of
// every reserved output, and blocks any later commit.
func TestAdvSecondInterruptCleanup(t *testing.T) {
	dir := t.TempDir()
	var outs outputs
	outs.add("o", filepath.Join(dir, "a.mtx"))
	outs.add("trace", filepath.Join(dir, "b.csv"))
	if err := outs.check(nil); err != nil {
		t.Fatal(err)
	}
	if h := hiddenFiles(t, dir); len(h) != 2 {
		t.Fatalf("temporary files %v, want 2", h)
	}
	temps.cleanup()
	defer func() { temps.names, temps.dirs = map[string]bool{}, map[string]bool{}; temps.mu.Unlock() }()
	if h := hiddenFiles(t, dir); len(h) > 0 {
		t.Errorf("temporary files left after cleanup: %v", h)
	}
	if temps.mu.TryLock() {
		temps.mu.Unlock()
		t.Errorf("cleanup released the lock: a commit could follow")
	}
}

// TestAdvMemoryBudget: G 2·10⁶×4 with 24 entries and L with 23 entries
// (files of a few hundred bytes) under -max-dense-bytes 256MiB. The budget
// covered only a part of the dense storage, so the solve started and
// peaked at 1.1 GB (issue 11). Now the estimate of everything the command
// builds is refused before any of it is allocated, with the estimate in the
// message.
func TestAdvMemoryBudget(t *testing.T) {
	dir := advSetup(t, map[string]string{
		"G.mtx": "%%MatrixMarket matrix coordinate real general\n2000000 2 6\n1 1 1\n2 1 0.7\n2 2 0.3\n3 1 0.2\n3 2 0.8\n4 2 1\n",
		"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n2000000 2000000 7\n1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n",
	})
	out := filepath.Join(dir, "out.mtx")
	for _, args := range [][]string{
		advArgs(dir, "solve", "-max-dense-bytes", "256MiB", "-o", out),
		advArgs(dir, "solve", "-max-dense-bytes", "256MiB", "-o", out, "-method", "nadam"),
		advArgs(dir, "eval", "-max-dense-bytes", "128MiB", "-grad", out),
	} {
		var code int
		var stderr string
		alloc := advAllocated(func() { code, _, stderr = advExec(t, args) })
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

// advAllocated returns the bytes allocated while running f.
func advAllocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestAdvCheckScales runs check at G scaled by 1e-200, 1e-100 and 1e150
// (issue 11 item 6): it reported FAIL at 1e-200 (the energy varies by
// 1e-400 over the step, so its difference vanishes in rounding) and NaN
// rows at 1e150 (the energy overflows). Now such rows are reported as not
// checkable at this scale, the others are checked and pass, and no row is
// NaN or FAIL.
func TestAdvCheckScales(t *testing.T) {
	for _, test := range []struct {
		scale     string
		checkable []string // rows that must be checked and pass
	}{
		{"1e-200", []string{"Hessian  ", "Hessian·x"}},
		{"1e-100", []string{"Hessian  ", "Hessian·x"}},
		{"1e150", []string{"Jacobian", "J·x", "Jᵀ·w", "GaussNewton  "}},
	} {
		g := "%%MatrixMarket matrix coordinate real general\n4 2 6\n"
		for _, e := range []string{"1 1 1", "2 1 0.7", "2 2 0.3", "3 1 0.2", "3 2 0.8", "4 2 1"} {
			g += e + "e" + strings.TrimPrefix(test.scale, "1e") + "\n"
		}
		dir := advSetup(t, map[string]string{"G.mtx": g})
		code, stdout, stderr := advExec(t, advArgs(dir, "check"))
		if code != exitOK || strings.Contains(stdout, "FAIL") || strings.Contains(stdout, "NaN") {
			t.Errorf("%s: exit status %d\n%s%s", test.scale, code, stdout, stderr)
			continue
		}
		if !strings.Contains(stdout, "not checkable at this scale") {
			t.Errorf("%s: no row reported as not checkable:\n%s", test.scale, stdout)
		}
		for _, row := range test.checkable {
			ok := false
			for _, line := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(line, row) && strings.HasSuffix(line, "  OK") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: row %q not checked and passed:\n%s", test.scale, row, stdout)
			}
		}
	}
}

// TestAdvInputBudget: an L that repeats one entry two million times (a
// gzip file of a few kilobytes) is read in memory bounded by its 16
// positions and summed; an L whose size line declares more entries than
// the budget can hold is refused on that line, naming the file, before any
// entry is decompressed (issue 11 item 1: 2·10⁷ entries took 1.6 GB and
// 2.7·10⁸ killed the process).
func TestAdvInputBudget(t *testing.T) {
	var raw strings.Builder
	raw.WriteString("%%MatrixMarket matrix coordinate real general\n4 4 2000001\n")
	raw.WriteString(strings.Repeat("1 1 0.5\n", 2000000))
	raw.WriteString("4 4 1\n")
	var gz strings.Builder
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, raw.String())
	zw.Close()
	dir := advSetup(t, map[string]string{"L.mtx": gz.String()})
	var code int
	var stdout, stderr string
	alloc := advAllocated(func() { code, stdout, stderr = advExec(t, advArgs(dir, "eval")) })
	if code != exitOK {
		t.Fatalf("duplicate bomb: exit status %d, stderr %q", code, stderr)
	}
	if alloc > 16<<20 {
		t.Errorf("duplicate bomb: %d bytes allocated to read a 4×4 L", alloc)
	}
	// L = 10⁶·e₁e₁ᵀ + e₄e₄ᵀ, summed in file order.
	want := advSetup(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n4 4 2\n1 1 1e6\n4 4 1\n"})
	_, stdout2, _ := advExec(t, advArgs(want, "eval"))
	if field(t, stdout, "energy") != field(t, stdout2, "energy") {
		t.Errorf("energy %s with the repeated entries, %s with their sum", field(t, stdout, "energy"), field(t, stdout2, "energy"))
	}

	big := advSetup(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n1000000 1000000 1000000000\n1 1 1\n"})
	code, _, stderr = advExec(t, advArgs(big, "eval"))
	if code != exitError || !strings.Contains(stderr, filepath.Join(big, "L.mtx")+":2: 1000000000 entries need 29.8 GiB, over the memory limit") {
		t.Errorf("huge L: exit status %d, stderr %q", code, stderr)
	}
}
