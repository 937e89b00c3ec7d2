package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, ""},
		{[]string{"-sizes", "1e4, 2e4", "-ratio", "50", "-k", "20", "-solve-limit", "1m"}, ""},
		{[]string{"-sizes", "ten"}, "-sizes"},
		{[]string{"-sizes", "10"}, "-sizes"},
		{[]string{"-ratio", "1"}, "-ratio"},
		{[]string{"-k", "-1"}, "-k"},
		{[]string{"extra"}, "unexpected"},
	} {
		_, err := parseOptions(tc.args, io.Discard)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
		}
	}
}

// TestSmallRun runs the whole pipeline on two small meshes and checks the
// table: every stage of every size, a total, and the slopes.
func TestSmallRun(t *testing.T) {
	o, err := parseOptions([]string{"-sizes", "400,900", "-k", "10", "-ratio", "20", "-solve-limit", "2s", "-q"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var runs []*run
	for _, n := range o.sizes {
		r, err := measureSize(context.Background(), o, n)
		if err != nil {
			t.Fatal(err)
		}
		if r.n != n || r.m != n/20 || r.k != 10 || len(r.stages) != 6 {
			t.Errorf("n = %d: run %+v", n, r)
		}
		runs = append(runs, r)
	}
	md := markdown(o, runs)
	for _, want := range []string{"| 400 / 722 / 20 / 10 | read |", "| 900 / 1682 / 45 / 10 | solve |",
		"**total**", "time limit 2s", "Log-log slope", "eigenpairs", "kept iteration", "spurious"} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}
