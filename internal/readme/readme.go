// Package readme finds the programs shown in the repository's README, so
// that the example programs' tests can check that the README shows them
// byte for byte.
package readme

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Block returns the text of the ```go block of readme that starts with the
// first line of prog, and the README text after the block's opening fence.
// It returns an error if there is no such block or it is not closed.
func Block(readme, prog string) (block, after string, err error) {
	const fence = "```go\n"
	first := prog[:strings.IndexByte(prog, '\n')+1]
	start := strings.Index(readme, fence+first)
	if start < 0 {
		return "", "", fmt.Errorf("README.md has no ```go block starting with %q", first)
	}
	after = readme[start+len(fence):]
	end := strings.Index(after, "```\n")
	if end < 0 {
		return "", "", fmt.Errorf("README.md: the ```go block starting with %q is not closed", first)
	}
	return after[:end], after, nil
}

// Shows reads the README at readmePath and the program at progPath, reports
// through t an error unless the README shows the program byte for byte in
// a ```go block, and returns the README text after that block's opening
// fence (where the program's output may be shown).
func Shows(t testing.TB, readmePath, progPath string) (after string) {
	t.Helper()
	text, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile(progPath)
	if err != nil {
		t.Fatal(err)
	}
	got, after, err := Block(string(text), string(prog))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(prog) {
		t.Errorf("the ```go block of %s differs from %s; copy the program into it.\nREADME block:\n%s", readmePath, progPath, got)
	}
	return after
}
