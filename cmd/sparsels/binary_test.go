package main

import (
	"bytes"
	"os/exec"
	"testing"
)

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
