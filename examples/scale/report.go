package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/sparsels/sparsels/internal/runstats"
)

// markdown formats the runs as a table with one row per size and stage,
// the totals, and the log-log slopes of the stage times against n.
func markdown(o *options, runs []*run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| n / faces / m / k | stage | time | CPU time | peak RSS | notes |\n|---|---|---:|---:|---:|---|\n")
	for _, r := range runs {
		var total, cpu time.Duration
		var peak int64
		for _, st := range r.stages {
			fmt.Fprintf(&b, "| %d / %d / %d / %d | %s | %s | %s | %s | %s |\n", r.n, r.faces, r.m, r.k,
				st.name, runstats.Duration(st.time), runstats.Duration(st.cpu), runstats.Bytes(float64(st.rss)), st.note)
			total += st.time
			cpu += st.cpu
			peak = max(peak, st.rss)
		}
		fmt.Fprintf(&b, "| %d / %d / %d / %d | **total** | **%s** | **%s** | **%s** | load average %s at the start, %s at the end |\n",
			r.n, r.faces, r.m, r.k, runstats.Duration(total), runstats.Duration(cpu), runstats.Bytes(float64(peak)), r.load[0], r.load[1])
	}
	fmt.Fprintf(&b, "\nMachine: %s. coarsen.Spectral with its defaults", runstats.Machine())
	if o.solveLimit > 0 {
		fmt.Fprintf(&b, ", time limit %v", o.solveLimit)
	}
	b.WriteString(".\n")
	if len(runs) < 2 {
		return b.String()
	}
	fmt.Fprintf(&b, "\nLog-log slope of CPU time against n over n = ")
	var ns []float64
	for i, r := range runs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", r.n)
		ns = append(ns, float64(r.n))
	}
	b.WriteString(":")
	for s, st := range runs[0].stages {
		var ts []float64
		for _, r := range runs {
			if s < len(r.stages) {
				ts = append(ts, r.stages[s].cpu.Seconds())
			}
		}
		fmt.Fprintf(&b, " %s %.2f;", st.name, runstats.Slope(ns[:len(ts)], ts))
	}
	b.WriteString("\n")
	return b.String()
}
