package main

import (
	"strings"
	"testing"
)

// checkTable parses check's table into quantity → result.
func checkTable(t *testing.T, out string) map[string]string {
	t.Helper()
	names := []string{"gradient", "Jacobian", "J·x", "Jᵀ·w", "GaussNewton", "GaussNewton diag", "GaussNewton·x", "Hessian", "Hessian·x"}
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		for _, name := range names {
			rest, ok := strings.CutPrefix(line, name+"  ")
			if !ok {
				continue
			}
			fields := strings.Fields(rest)
			switch {
			case len(fields) >= 4 && fields[0] == "-":
				rows[name] = strings.Join(fields[3:], " ")
			case len(fields) == 4:
				rows[name] = fields[3]
			default:
				t.Fatalf("bad table line %q", line)
			}
		}
	}
	if len(rows) != len(names) {
		t.Fatalf("table has %d rows, want %d:\n%s", len(rows), len(names), out)
	}
	return rows
}

// TestCheck runs the derivative checker at G0, at random points and on a
// subset of coordinates, and with a tolerance no difference can meet.
func TestCheck(t *testing.T) {
	tp := newTestProblem(t, 5)
	for _, tc := range []struct {
		name string
		args []string
		want int
		text string
	}{
		{"at G0", nil, exitOK, "90 of 90 coordinates"},
		{"random", []string{"-random", "2", "-seed", "7"}, exitOK, "at 2 random points (seed 7)"},
		{"subset", []string{"-coords", "20"}, exitOK, "20 of 90 coordinates"},
		{"impossible tolerance", []string{"-tol", "1e-300"}, exitError, "FAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runArgs(tp.args("check", tp.G0, tc.args...)...)
			if r.code != tc.want || !strings.Contains(r.stdout, tc.text) {
				t.Fatalf("want exit %d and %q: %v", tc.want, tc.text, r)
			}
			rows := checkTable(t, r.stdout)
			nOK := 0
			for _, res := range rows {
				if res == "OK" {
					nOK++
				}
			}
			if tc.want == exitOK && nOK != len(rows) {
				t.Errorf("%d of %d rows OK:\n%s", nOK, len(rows), r.stdout)
			}
			if tc.want == exitError && nOK == len(rows) {
				t.Errorf("no row failed:\n%s", r.stdout)
			}
		})
	}
	if r := runArgs(tp.args("check", tp.G0, "-coords", "0")...); r.code != exitUsage {
		t.Errorf("-coords 0: %v", r)
	}
}

// TestCheckScales runs check at G scaled by 1e-200, 1e-100 and 1e150. At
// 1e-200 the energy varies by 1e-400 over the step, so its difference
// vanishes in rounding; at 1e150 the energy overflows. Such rows are
// reported as not checkable at this scale, the others are checked and
// pass, and no row is NaN or FAIL.
func TestCheckScales(t *testing.T) {
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
		dir := writeTinyProblem(t, map[string]string{"G.mtx": g})
		code, stdout, stderr := runNoPanic(t, tinyArgs(dir, "check"))
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
