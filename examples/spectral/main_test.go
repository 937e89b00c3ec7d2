package main

import (
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/readme"
)

// TestREADME checks that the README's coarsening section shows this
// program byte for byte, and runs it on the Spot mesh in testdata: the
// README's code is the tested program.
func TestREADME(t *testing.T) {
	readme.Shows(t, "../../README.md", "main.go")
	if testing.Short() {
		t.Skip("the run takes seconds")
	}
	out := runMain(t, "../../testdata/spot.obj")
	// The quality must be far better than at the start G = Kᵀ (mean 1.55,
	// largest 2.23, off-diagonal energy 0.82 on Spot with m = 500) and free
	// of spurious pairs. Spot at m = 500 keeps about a sixth of its
	// vertices; its functional map stays near 0.3–0.4 for any method tried.
	num := func(re string) float64 {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("output %q does not match %q", out, re)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := num(`mean relative error ([0-9.]+)`); !(v < 0.03) {
		t.Errorf("mean eigenvalue error %v, want below 0.03", v)
	}
	if v := num(`largest ([0-9.]+)`); !(v < 0.12) {
		t.Errorf("largest eigenvalue error %v, want below 0.12", v)
	}
	if v := num(`off-diagonal energy ([0-9.]+)`); !(v < 0.5) {
		t.Errorf("off-diagonal energy %v, want below 0.5", v)
	}
	if v := num(`, (\d+) spurious`); v != 0 {
		t.Errorf("%v spurious pairs, want none", v)
	}
	if !strings.Contains(out, "quality improved by") {
		t.Errorf("the monitor did not stop the run: %q", out)
	}
}

// runMain runs main with the argument arg and returns its standard output.
func runMain(t *testing.T, arg string) string {
	t.Helper()
	args, stdout := os.Args, os.Stdout
	defer func() { os.Args, os.Stdout = args, stdout }()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Args, os.Stdout = []string{"spectral", arg}, w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	main()
	w.Close()
	return <-done
}
