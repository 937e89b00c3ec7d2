package main

// Tests of interrupts: what each command writes when interrupted while
// reading, solving or writing, and the cleanup of a second interrupt.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparsels/sparsels/coarsen"
)

// TestInterruptDuringSolve sends SIGINT to a running solve: the best G so far is
// written and the exit status is 3. The solve is made to wait for the
// signal by not reading its progress lines: NAdam runs about 2400
// iterations on this problem, far more lines than a pipe buffers.
func TestInterruptDuringSolve(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT on Windows")
	}
	bin := binary(t)
	tp := newTestProblem(t, 1)
	out := tp.path("G.mtx")
	cmd := exec.Command(bin, tp.args("solve", tp.G0, "-rowsum", "-method", "nadam", "-max-iter", "1000000", "-ftol", "-1", "-gtol", "-1", "-o", out)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(pipe)
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading progress: %v\n%s", err, head.String())
		}
		head.WriteString(line)
		if strings.HasPrefix(strings.TrimSpace(line), "1 ") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(br)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitStopped {
		t.Fatalf("want exit status 3, got %v\nstdout:\n%s\nstderr (end):\n%s", err, stdout.String(), tail(string(rest)))
	}
	if !strings.Contains(string(rest), "interrupted") || !strings.Contains(stdout.String(), "canceled") {
		t.Errorf("no interruption reported:\nstdout:\n%s\nstderr (end):\n%s", stdout.String(), tail(string(rest)))
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	gm := readMtx(t, out)
	if !slices.Equal(gm.I, tp.I) || !slices.Equal(gm.J, tp.J) {
		t.Errorf("the written G does not keep G0's order")
	}
	if e, e0 := tp.energyAt(gm.I, gm.J, gm.V), tp.energyAt(tp.I, tp.J, tp.g0); !(e < e0) {
		t.Errorf("E = %v after the interrupt, E(G0) = %v", e, e0)
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

// TestInterruptWhileReading: SIGINT while an input is still being read
// stops the reading, writes nothing (no iterate was computed) and leaves no
// temporary file: the signal does not wait for the end of the read, and
// the unsolved G0 is not written as the best G.
func TestInterruptWhileReading(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT or named pipes on Windows")
	}
	for _, cmdName := range []string{"solve", "eval"} {
		t.Run(cmdName, func(t *testing.T) {
			dir := writeTinyProblem(t, nil)
			out := filepath.Join(dir, "out.mtx")
			args := tinyArgs(dir, cmdName, "-o", out, "-trace", filepath.Join(dir, "t.csv"))
			if cmdName == "eval" {
				args = tinyArgs(dir, cmdName, "-grad", out, "-residual", filepath.Join(dir, "t.csv"))
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

// TestSecondInterruptCleanup: the cleanup run by a second interrupt
// (which then ends the process at once) removes the temporary files of
// every reserved output, and blocks any later commit.
func TestSecondInterruptCleanup(t *testing.T) {
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

// TestCheckInterrupt: an interrupt while check computes its table stops
// it between two quantities (exit 3, nothing printed as a verdict), not
// only between random points.
func TestCheckInterrupt(t *testing.T) {
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

// TestCoarsenInterruptWhileWriting: a first interrupt during the writes
// lets them finish (every output written, exit 3, said on stderr); the
// cleanup of a second interrupt finds every temporary file of the writes
// registered and removes them, and nothing is written: no temporary file
// with part of the outputs is left behind.
func TestCoarsenInterruptWhileWriting(t *testing.T) {
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

// TestCoarsenInterruptDuringSolve: a first interrupt during the solve
// writes the best G found and its outputs, says so on stderr and exits 3.
// With the monitor (cancelled right after its check at iteration 100) the
// quality of the best check gives C.mtx and the pictures; with -no-monitor
// (cancelled after iteration 10) G.mtx is the last iterate and what needs
// the quality stage is not written. The interrupt comes from the progress
// reports, not from a timer.
func TestCoarsenInterruptDuringSolve(t *testing.T) {
	dir := t.TempDir()
	obj := writeGridOBJ(t, dir, 15)
	defer func() { progressHook = nil }()
	for _, tc := range []struct {
		name    string
		args    []string
		cancel  func(coarsen.Progress) bool
		quality bool
	}{
		{"monitor", nil, func(p coarsen.Progress) bool { return p.Check != nil && p.Check.Iteration == 100 }, true},
		{"no-monitor", []string{"-no-monitor"}, func(p coarsen.Progress) bool { return p.Iteration != nil && p.Iteration.Iteration == 10 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var after int // iterations after the interrupt
			progressHook = func(p coarsen.Progress) {
				if p.Stage == coarsen.StageQuality {
					t.Errorf("the quality stage ran after the interrupt")
				}
				if ctx.Err() != nil && p.Iteration != nil {
					after++
				}
				if tc.cancel(p) {
					cancel()
				}
			}
			r := runArgsContext(ctx, append([]string{"coarsen", "-mesh", obj, "-m", "40", "-png", "-o", out}, tc.args...)...)
			progressHook = nil
			if r.code != exitStopped || !strings.Contains(r.stderr, "interrupted (") || !strings.Contains(r.stderr, "the best G found (iteration ") {
				t.Fatalf("%v", r)
			}
			if after > 1 {
				t.Errorf("the solve ran %d iterations after the interrupt", after)
			}
			t.Logf("stderr:\n%s", r.stderr)
			sum, _ := readSummary(t, out)
			if tc.quality {
				if len(sum.Checks) != 2 || sum.KeptIteration > 100 || sum.Stopped != "" || len(sum.CoarseEigenvalues) != 13 ||
					!strings.Contains(r.stderr, "with the quality of its check") {
					t.Errorf("summary.json: %+v", sum)
				}
			} else if sum.KeptIteration != sum.Iterations || len(sum.Checks) != 0 || sum.CoarseEigenvalues != nil ||
				!strings.Contains(r.stderr, "not C.mtx, eigenfunction.png, fmap.png") {
				t.Errorf("summary.json: %+v\n%s", sum, r.stderr)
			}
			for _, name := range append(slices.Clone(dataNames), "roots.png", "eigenfunction.png", "fmap.png") {
				_, err := os.Stat(filepath.Join(out, name))
				if want := tc.quality || !needsQuality[name]; want != (err == nil) {
					t.Errorf("%s written: %v, want %v", name, err == nil, want)
				}
			}
			p := func(name string) string { return filepath.Join(out, name) }
			ev := runArgs("eval", "-X", p("X.mtx"), "-Y", p("Y.mtx"), "-L", p("L.mtx"), "-B", p("B.mtx"), "-G", p("G.mtx"))
			if e := floatField(t, ev.stdout, "energy"); ev.code != exitOK || relErr(e, sum.Energy) > 1e-12 {
				t.Errorf("eval G.mtx: energy %v, summary.json %v (%v)", e, sum.Energy, ev)
			}
		})
	}
}
