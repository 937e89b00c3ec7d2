package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sparsels/sparsels/internal/runstats"
)

// table is one markdown table with a title and notes under it.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// report collects the tables of a run and the targets checked against them.
type report struct {
	o        *options
	started  time.Time
	loadPre  string
	loadPost string
	elapsed  time.Duration
	tables   []*table
	targets  []string
}

func newReport(o *options) *report {
	return &report{o: o, started: time.Now(), loadPre: runstats.LoadAvg()}
}

func (r *report) newTable(title string, header ...string) *table {
	t := &table{title: title, header: header}
	r.tables = append(r.tables, t)
	return t
}

// target records the outcome of one target of the brief.
func (r *report) target(format string, args ...any) {
	r.targets = append(r.targets, fmt.Sprintf(format, args...))
}

func (r *report) finish() {
	r.loadPost = runstats.LoadAvg()
	r.elapsed = time.Since(r.started)
}

// markdown renders the whole report.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# sparsels benchmark run\n\n")
	fmt.Fprintf(&b, "- Machine: %s\n", runstats.Machine())
	fmt.Fprintf(&b, "- Command: `go run ./examples/bench %s`\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "- Started %s, took %s; load average before %s, after %s\n",
		r.started.Format(time.RFC3339), r.elapsed.Round(time.Second), r.loadPre, r.loadPost)
	fmt.Fprintf(&b, "- Timings are medians of %d repetitions after a warm-up (each repetition at least %v); allocations are the least per call over the repetitions.\n\n", r.o.reps, r.o.minRep)
	for _, t := range r.tables {
		fmt.Fprintf(&b, "## %s\n\n", t.title)
		fmt.Fprintf(&b, "| %s |\n", strings.Join(t.header, " | "))
		seps := make([]string, len(t.header))
		for i := range seps {
			if i == 0 {
				seps[i] = "---"
			} else {
				seps[i] = "---:"
			}
		}
		fmt.Fprintf(&b, "|%s|\n", strings.Join(seps, "|"))
		for _, row := range t.rows {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
		}
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(&b, "%s\n\n", n)
		}
	}
	if len(r.targets) > 0 {
		b.WriteString("## Targets\n\n")
		for _, t := range r.targets {
			fmt.Fprintf(&b, "- %s\n", t)
		}
		b.WriteString("\n")
	}
	return b.String()
}
