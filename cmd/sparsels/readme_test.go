package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update", false, "rewrite the flag tables of README.md's command-line section from the help")

// readmePath is the repository's README, whose command-line section lists
// every flag of every command.
const readmePath = "../../README.md"

// helpFlag is one flag as 'sparsels <command> -h' prints it.
type helpFlag struct {
	name  string // without the dash
	arg   string // the placeholder of its value, "" for a bool flag
	def   string // its default as the help shows it, unquoted; "" if the help shows none
	usage string // the text, without the default
}

// row is the flag's line in a README table.
func (f helpFlag) row() string {
	flg := "-" + f.name
	if f.arg != "" {
		flg += " " + f.arg
	}
	def := ""
	if f.def != "" {
		def = "`" + f.def + "`"
	}
	return fmt.Sprintf("| `%s` | %s | %s |", flg, def, strings.ReplaceAll(f.usage, "|", `\|`))
}

// helpFlags runs 'sparsels <name> -h' through run and returns the flags
// it prints, in its order.
func helpFlags(t *testing.T, name string) []helpFlag {
	t.Helper()
	r := runArgs(name, "-h")
	_, text, ok := strings.Cut(r.stdout, "\nFlags:\n\n")
	if r.code != exitOK || !ok {
		t.Fatalf("%s -h: %v", name, r)
	}
	// The flag set tells a default that PrintDefaults appends from a
	// "(default …)" that is part of a usage text.
	fs := newFlagSet(commands[name])
	commands[name].args().register(fs)
	var flags []helpFlag
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "    \t") && len(flags) > 0:
			f := &flags[len(flags)-1]
			f.usage = strings.TrimSpace(f.usage + " " + strings.TrimPrefix(line, "    \t"))
		case strings.HasPrefix(line, "  -"):
			head, usage, _ := strings.Cut(strings.TrimPrefix(line, "  -"), "\t")
			n, arg, _ := strings.Cut(head, " ")
			flags = append(flags, helpFlag{name: n, arg: arg, usage: usage})
		default:
			t.Fatalf("%s -h: unexpected line %q in the flags", name, line)
		}
	}
	for i := range flags {
		f := &flags[i]
		fl := fs.Lookup(f.name)
		if fl == nil {
			t.Fatalf("%s -h prints -%s, which its flag set does not define", name, f.name)
		}
		for _, shown := range []string{strconv.Quote(fl.DefValue), fl.DefValue} {
			if u, ok := strings.CutSuffix(f.usage, " (default "+shown+")"); ok {
				f.usage, f.def = u, fl.DefValue
				break
			}
		}
	}
	return flags
}

// readmeSection returns the "## Command line" section of the README.
func readmeSection(text string) (string, error) {
	const heading = "\n## Command line\n"
	i := strings.Index(text, heading)
	if i < 0 {
		return "", fmt.Errorf("%s has no %q section", readmePath, strings.TrimSpace(heading))
	}
	sec := text[i+1:]
	if j := strings.Index(sec[len(heading)-1:], "\n## "); j >= 0 {
		sec = sec[:len(heading)-1+j+1]
	}
	return sec, nil
}

// flagsSummary is the summary line of the README block that lists the flags
// of a command.
func flagsSummary(name string) string {
	return "<summary>Flags of <code>sparsels " + name + "</code></summary>\n"
}

// flagsBlock returns the text between the summary of name's flags block
// and its "</details>", and the offset of that text in sec.
func flagsBlock(sec, name string) (body string, at int, err error) {
	sum := flagsSummary(name)
	i := strings.Index(sec, sum)
	if i < 0 {
		return "", 0, fmt.Errorf("no <details> block %q", strings.TrimSpace(sum))
	}
	at = i + len(sum)
	end := strings.Index(sec[at:], "</details>")
	if end < 0 {
		return "", 0, fmt.Errorf("the block %q has no </details>", strings.TrimSpace(sum))
	}
	return sec[at : at+end], at, nil
}

// tableFlags parses the rows of a flags table: | `-name arg` | `default` | usage |.
func tableFlags(body string) (map[string]helpFlag, error) {
	flags := map[string]helpFlag{}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		cells := splitRow(line)
		if len(cells) != 3 {
			return nil, fmt.Errorf("row %q: want 3 cells, got %d", line, len(cells))
		}
		flg := strings.Trim(cells[0], "`")
		n, arg, _ := strings.Cut(strings.TrimPrefix(flg, "-"), " ")
		if _, dup := flags[n]; dup {
			return nil, fmt.Errorf("-%s is listed twice", n)
		}
		flags[n] = helpFlag{name: n, arg: arg, def: strings.Trim(cells[1], "`"), usage: cells[2]}
	}
	return flags, nil
}

// splitRow splits a Markdown table row into its trimmed cells; `\|` is a
// pipe inside a cell.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cell strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cell.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

// compareFlags returns a line for every difference between the flags of
// the help and those of the README's table.
func compareFlags(help []helpFlag, table map[string]helpFlag) []string {
	var diffs []string
	seen := map[string]bool{}
	for _, h := range help {
		seen[h.name] = true
		r, ok := table[h.name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("-%s is in the help but not in the README", h.name))
		case r.def != h.def:
			diffs = append(diffs, fmt.Sprintf("-%s: default %q in the README, %q in the help", h.name, r.def, h.def))
		case r.arg != h.arg:
			diffs = append(diffs, fmt.Sprintf("-%s: value %q in the README, %q in the help", h.name, r.arg, h.arg))
		case r.usage != h.usage:
			diffs = append(diffs, fmt.Sprintf("-%s: the README says\n\t%s\nthe help says\n\t%s", h.name, r.usage, h.usage))
		}
	}
	var extra []string
	for n := range table {
		if !seen[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		diffs = append(diffs, fmt.Sprintf("-%s is in the README but not in the help", n))
	}
	return diffs
}

// TestREADMEFlags checks that the README's command-line section lists every
// flag of every command, with the default and text of its help, and no flag
// the help does not print. With -update it rewrites the tables instead.
func TestREADMEFlags(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		help := helpFlags(t, name)
		sec, err := readmeSection(text)
		if err != nil {
			t.Fatal(err)
		}
		body, at, err := flagsBlock(sec, name)
		if len(help) == 0 {
			if err == nil {
				t.Errorf("%s: sparsels %s has no flags, but the command-line section lists some", readmePath, name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s, command-line section: %v", readmePath, err)
			continue
		}
		if *updateREADME {
			rows := []string{"", "| flag | default | meaning |", "|---|---|---|"}
			for _, h := range help {
				rows = append(rows, h.row())
			}
			start := strings.Index(text, sec) + at
			text = text[:start] + strings.Join(rows, "\n") + "\n\n" + text[start+len(body):]
			continue
		}
		table, err := tableFlags(body)
		if err != nil {
			t.Errorf("%s, flags of sparsels %s: %v", readmePath, name, err)
			continue
		}
		for _, d := range compareFlags(help, table) {
			t.Errorf("%s, flags of sparsels %s: %s", readmePath, name, d)
		}
	}
	if *updateREADME {
		if err := os.WriteFile(readmePath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if t.Failed() {
		t.Log("go test ./cmd/sparsels -run TestREADMEFlags -update rewrites the tables from the help")
	}
}

// TestCompareFlags checks that compareFlags reports a flag missing on
// either side, a changed default, value name or text, and nothing when the
// two agree.
func TestCompareFlags(t *testing.T) {
	help := []helpFlag{
		{name: "method", arg: "method", def: "auto", usage: "minimization method"},
		{name: "q", usage: "quiet"},
	}
	same := map[string]helpFlag{"method": help[0], "q": help[1]}
	for _, tc := range []struct {
		name  string
		table map[string]helpFlag
		want  string // "" for no difference
	}{
		{"same", same, ""},
		{"missing", map[string]helpFlag{"method": help[0]}, "-q is in the help but not in the README"},
		{"extra", map[string]helpFlag{"method": help[0], "q": help[1], "x": {name: "x"}}, "-x is in the README but not in the help"},
		{"default", map[string]helpFlag{"method": {name: "method", arg: "method", def: "qn", usage: "minimization method"}, "q": help[1]}, `-method: default "qn" in the README, "auto" in the help`},
		{"value", map[string]helpFlag{"method": {name: "method", arg: "m", def: "auto", usage: "minimization method"}, "q": help[1]}, `-method: value "m" in the README`},
		{"text", map[string]helpFlag{"method": help[0], "q": {name: "q", usage: "silent"}}, "-q: the README says"},
	} {
		diffs := compareFlags(help, tc.table)
		switch {
		case tc.want == "" && len(diffs) > 0:
			t.Errorf("%s: %q, want no difference", tc.name, diffs)
		case tc.want != "" && (len(diffs) != 1 || !strings.Contains(diffs[0], tc.want)):
			t.Errorf("%s: %q, want one difference containing %q", tc.name, diffs, tc.want)
		}
	}
}

// TestSplitRow checks the parsing of a table row with an escaped pipe.
func TestSplitRow(t *testing.T) {
	got := splitRow("| `-png-eig int` | `-1` | largest \\|C[j,j]\\| |")
	want := []string{"`-png-eig int`", "`-1`", "largest |C[j,j]|"}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("splitRow = %q, want %q", got, want)
	}
}
