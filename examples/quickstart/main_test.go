package main

import (
	"io"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/readme"
)

// Example runs the program; its standard output must not change.
func Example() {
	log.SetOutput(io.Discard) // the report on stderr holds timings
	defer log.SetOutput(os.Stderr)
	main()
	// Output:
	// converged: true
	// E(g0) = 0.7578, E(G) below 1e-20: true
	// rows sum to 1 within 1e-12: true
	// GᵀLG =
	// ⎡ 0.3800  -0.2900  -0.0900⎤
	// ⎢-0.2900   0.5800  -0.2900⎥
	// ⎣-0.0900  -0.2900   0.3800⎦
}

// TestREADME checks that the README's library section shows this program,
// byte for byte, so that the README's code is the tested program.
func TestREADME(t *testing.T) {
	// The ```go block that starts with the program's first line (the
	// README has other, shorter snippets).
	body := readme.Shows(t, "../../README.md", "main.go")

	// The console block that follows shows the program's standard output.
	const run = "$ go run ./examples/quickstart 2>/dev/null\n"
	i := strings.Index(body, run)
	if i < 0 {
		t.Fatalf("README.md does not show the output of %q", strings.TrimSpace(run))
	}
	shown := body[i+len(run):]
	shown = shown[:strings.Index(shown, "```")]
	if got := captureMain(t); got != shown {
		t.Errorf("README.md shows the output\n%s\nthe program prints\n%s", shown, got)
	}
}

// captureMain runs main and returns its standard output.
func captureMain(t *testing.T) string {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	log.SetOutput(io.Discard)
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	main()
	os.Stdout = stdout
	log.SetOutput(os.Stderr)
	w.Close()
	return string(<-done)
}
