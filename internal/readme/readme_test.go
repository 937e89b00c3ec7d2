package readme

import "testing"

func TestBlock(t *testing.T) {
	const prog = "// Command x.\npackage main\n"
	for _, tc := range []struct {
		name, readme, want string
		ok                 bool
	}{
		{"found", "text\n```go\nshort\n```\n\n```go\n" + prog + "```\nafter\n", prog, true},
		{"other first line", "```go\n// Command y.\npackage main\n```\n", "", false},
		{"not closed", "```go\n" + prog, "", false},
	} {
		got, _, err := Block(tc.readme, prog)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: Block = %q, %v; want %q (ok %v)", tc.name, got, err, tc.want, tc.ok)
		}
	}
}
