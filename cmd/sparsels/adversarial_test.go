package main

// Adversarial input for the command (issue 7): every malformed, lying,
// truncated, non-finite or inconsistent input file, bad flag values and
// unwritable outputs. Each must end with exit status 1 (bad data) or 2 (bad
// command line), a message on stderr that names the culprit file (and line
// or entry), and no output file.

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// advFiles is a small valid problem: G 4×2 with six entries whose rows sum
// to 1, L the Laplacian of a path (symmetric file), Y the 2×2 identity, B
// and X dense.
var advFiles = map[string]string{
	"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n4 4 7\n1 1 1\n2 1 -1\n2 2 2\n3 2 -1\n3 3 2\n4 3 -1\n4 4 1\n",
	"Y.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n",
	"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0.5\n-0.25\n1\n",
	"X.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n-1\n-1\n1\n",
	"G.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 6\n1 1 1\n2 1 0.7\n2 2 0.3\n3 1 0.2\n3 2 0.8\n4 2 1\n",
	"C.mtx": "%%MatrixMarket matrix array real general\n2 1\n1\n1\n",
	"D.mtx": "%%MatrixMarket matrix array real general\n4 1\n1\n1\n1\n1\n",
}

// advSetup writes the problem into a new directory, with the files named
// in replace given other contents, and returns the directory.
func advSetup(t *testing.T, replace map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range advFiles {
		if r, ok := replace[name]; ok {
			text = r
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// advArgs returns the arguments of cmd on the problem in dir, with extra
// flags appended.
func advArgs(dir, cmd string, extra ...string) []string {
	args := []string{cmd}
	for _, f := range []string{"X", "Y", "L", "B", "G"} {
		args = append(args, "-"+f, filepath.Join(dir, f+".mtx"))
	}
	return append(args, extra...)
}

// advExec runs the command in-process and returns its exit status and
// output.
func advExec(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("sparsels %v panicked: %v", args, r)
			}
		}()
		code = run(args, &out, &errb)
	}()
	return code, out.String(), errb.String()
}

// TestAdvCommandBadFiles runs solve and eval on broken inputs.
func TestAdvCommandBadFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	garbage := make([]byte, 300)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	const coordHead = "%%MatrixMarket matrix coordinate real general\n"
	for _, test := range []struct {
		name    string
		replace map[string]string
		extra   []string
		code    int
		want    []string // substrings of stderr; "$dir" is replaced by the directory
	}{
		{"missing L", map[string]string{}, []string{"-L", "$dir/nope.mtx"}, 1, []string{"$dir/nope.mtx", "no such file"}},
		{"NaN in L", map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real symmetric\n4 4 2\n1 1 1\n2 2 nan\n"}, nil, 1,
			[]string{"$dir/L.mtx:4", "not a finite number"}},
		{"overflow in B", map[string]string{"B.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n1e999\n1\n1\n"}, nil, 1,
			[]string{"$dir/B.mtx:4", "overflows"}},
		{"lying X header", map[string]string{"X.mtx": coordHead + "2 2 1000000000000000000\n1 1 1\n"}, nil, 1,
			[]string{"$dir/X.mtx:3", "unexpected end of file"}},
		{"huge L dimensions", map[string]string{"L.mtx": coordHead + "1000000000000 1000000000000 0\n"}, nil, 1,
			[]string{"$dir/L.mtx:2", "exceeds the limit"}},
		{"truncated Y", map[string]string{"Y.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0\n"}, nil, 1,
			[]string{"$dir/Y.mtx:4", "unexpected end of file"}},
		{"random bytes as B", map[string]string{"B.mtx": string(garbage)}, nil, 1, []string{"$dir/B.mtx:1"}},
		{"empty G", map[string]string{"G.mtx": ""}, nil, 1, []string{"$dir/G.mtx"}},
		{"duplicate in G", map[string]string{"G.mtx": coordHead + "4 2 3\n1 1 1\n2 2 1\n1 1 2\n"}, nil, 1,
			[]string{"$dir/G.mtx:5", "duplicate entry (1,1)", "line 3"}},
		{"G out of range", map[string]string{"G.mtx": coordHead + "4 2 2\n1 1 1\n2 3 1\n"}, nil, 1,
			[]string{"$dir/G.mtx:4", "column index 3 out of range"}},
		{"G as an array", map[string]string{"G.mtx": "%%MatrixMarket matrix array real general\n4 2\n1\n1\n1\n1\n1\n1\n1\n1\n"}, nil, 1,
			[]string{"$dir/G.mtx", "coordinate"}},
		{"L shape", map[string]string{"L.mtx": coordHead + "3 3 1\n1 1 1\n"}, nil, 1, []string{"$dir/L.mtx", "L is 3×3, want 4×4"}},
		{"X shape", map[string]string{"X.mtx": "%%MatrixMarket matrix array real general\n2 3\n1\n1\n1\n1\n1\n1\n"}, nil, 1,
			[]string{"$dir/X.mtx", "X is 2×3, want 2×2"}},
		{"duplicates of L overflow", map[string]string{"L.mtx": coordHead + "4 4 2\n1 1 1e308\n1 1 1e308\n"}, nil, 1,
			[]string{"$dir/L.mtx:4", "(1,1)", "duplicates"}},
		{"rowsum with an empty row", map[string]string{"G.mtx": coordHead + "4 2 3\n1 1 1\n2 1 1\n4 2 1\n"}, []string{"-rowsum"}, 1,
			[]string{"$dir/G.mtx", "row 3"}},
		{"infeasible constraints", map[string]string{"C.mtx": "%%MatrixMarket matrix array real general\n2 1\n1\n0\n"},
			[]string{"-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 1, []string{"$dir/C.mtx", "$dir/D.mtx", "infeasible in row 3"}},
		{"NaN in D", map[string]string{"D.mtx": "%%MatrixMarket matrix array real general\n4 1\n1\nNaN\n1\n1\n"},
			[]string{"-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 1, []string{"$dir/D.mtx:4", "not a finite number"}},
		{"truncated gzip", map[string]string{"L.mtx": "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"}, nil, 1, []string{"$dir/L.mtx"}},
		{"NaN lambda", nil, []string{"-lambda", "NaN"}, 2, []string{"-lambda", "finite"}},
		{"negative lambda", nil, []string{"-lambda", "-1"}, 2, []string{"-lambda"}},
		{"negative max-iter", nil, []string{"-max-iter", "-5"}, 2, []string{"-max-iter"}},
		{"unknown method", nil, []string{"-method", "magic"}, 2, []string{"-method", "magic"}},
		{"unknown linear solver", nil, []string{"-linear", "magic"}, 2, []string{"-linear", "magic"}},
		{"bad byte size", nil, []string{"-max-dense-bytes", "-1"}, 2, []string{"max-dense-bytes"}},
		{"rowsum with C", nil, []string{"-rowsum", "-C", "$dir/C.mtx", "-D", "$dir/D.mtx"}, 2, []string{"-rowsum"}},
		{"tiny dense budget", nil, []string{"-max-dense-bytes", "64"}, 1, []string{"max-dense-bytes"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := advSetup(t, test.replace)
			out := filepath.Join(dir, "out.mtx")
			for _, cmd := range []string{"solve", "eval"} {
				var extra []string
				for _, e := range test.extra {
					extra = append(extra, strings.ReplaceAll(e, "$dir", dir))
				}
				if cmd == "solve" {
					extra = append(extra, "-o", out, "-q")
				} else {
					if strings.Contains(test.name, "lambda") || strings.Contains(test.name, "max-iter") ||
						strings.Contains(test.name, "method") || strings.Contains(test.name, "linear") {
						continue // solve flags
					}
					extra = append(extra, "-residual", out)
				}
				code, stdout, stderr := advExec(t, advArgs(dir, cmd, extra...))
				if code != test.code {
					t.Errorf("%s: exit status %d, want %d; stderr:\n%s", cmd, code, test.code, stderr)
				}
				for _, w := range test.want {
					if w = strings.ReplaceAll(w, "$dir", dir); !strings.Contains(stderr, w) {
						t.Errorf("%s: stderr does not contain %q:\n%s", cmd, w, stderr)
					}
				}
				if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
					t.Errorf("%s: stderr shows a crash:\n%s", cmd, stderr)
				}
				if stdout != "" && code != 0 {
					t.Errorf("%s: stdout on failure: %q", cmd, stdout)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s: output written despite exit status %d", cmd, code)
				}
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), ".") {
						t.Errorf("%s: temporary file %s left behind", cmd, e.Name())
					}
				}
			}
		})
	}
}

// TestAdvCommandOutputs checks unwritable outputs and that a failure keeps
// an existing output intact, and that a stationary start (G0 = 0) stops
// with exit status 3 and writes the start.
func TestAdvCommandOutputs(t *testing.T) {
	dir := advSetup(t, nil)
	// Unwritable destinations.
	for _, out := range []string{filepath.Join(dir, "missing", "G.mtx"), dir} {
		code, _, stderr := advExec(t, advArgs(dir, "solve", "-o", out, "-q"))
		if code != 1 || !strings.Contains(stderr, "cannot write") || !strings.Contains(stderr, out) {
			t.Errorf("-o %s: exit status %d, stderr %q", out, code, stderr)
		}
	}
	// A failing run leaves an existing output untouched.
	out := filepath.Join(dir, "keep.mtx")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := advSetup(t, map[string]string{"L.mtx": "%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 inf\n"})
	code, _, _ := advExec(t, advArgs(bad, "solve", "-o", out, "-q"))
	if b, _ := os.ReadFile(out); code != 1 || string(b) != "precious" {
		t.Errorf("failed solve: exit status %d, output now %q", code, b)
	}
	// G0 = 0 is a stationary start: no convergence (status 3), the start
	// is written.
	zero := advSetup(t, map[string]string{"G.mtx": "%%MatrixMarket matrix coordinate real general\n4 2 2\n1 1 0\n4 2 0\n"})
	out = filepath.Join(zero, "G1.mtx")
	code, _, stderr := advExec(t, advArgs(zero, "solve", "-o", out))
	if code != 3 || !strings.Contains(stderr, "stationary start") {
		t.Errorf("G0 = 0: exit status %d, stderr %q", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "1 1 0\n4 2 0\n") {
		t.Errorf("G0 = 0: output %q, %v", b, err)
	}
	// A valid run converges and writes G.
	out = filepath.Join(dir, "G1.mtx")
	code, stdout, stderr := advExec(t, advArgs(dir, "solve", "-o", out, "-rowsum"))
	if code != 0 && code != 3 {
		t.Fatalf("valid solve: exit status %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil || !strings.Contains(stdout, "violation") {
		t.Errorf("valid solve: %v, stdout %q", err, stdout)
	}
}
