package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

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

// TestBinary runs the built command: exit statuses as a process sees them.
func TestBinary(t *testing.T) {
	bin := binary(t)
	tp := newTestProblem(t, 10)
	out := tp.path("G.mtx")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{tp.args("solve", tp.G0, "-rowsum", "-o", out), exitOK},
		{tp.args("solve", tp.G0, "-rowsum", "-o", out, "-max-iter", "1"), exitStopped},
		{tp.args("eval", tp.path("missing.mtx")), exitError},
		{tp.args("solve", tp.G0, "-bogus"), exitUsage},
		{[]string{"-h"}, exitOK},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, tc.args...)
		cmd.Stderr = &stderr
		if got := exitCode(t, cmd); got != tc.want {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", tc.args, got, tc.want, stderr.String())
		}
	}
}

// TestInterrupt sends SIGINT to a running solve: the best G so far is
// written and the exit status is 3. The solve is made to wait for the
// signal by not reading its progress lines: NAdam runs about 2400
// iterations on this problem, far more lines than a pipe buffers.
func TestInterrupt(t *testing.T) {
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

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}
