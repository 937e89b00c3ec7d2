package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// peakRSS returns the peak resident set size (VmHWM) of the process in
// bytes, or 0 if /proc/self/status cannot be read.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			if fs := strings.Fields(v); len(fs) >= 1 {
				if kb, err := strconv.ParseInt(fs[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// cpuTime returns the user plus system CPU time used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg returns the 1-minute load average from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if fs := strings.Fields(string(b)); len(fs) > 0 {
		return fs[0]
	}
	return "?"
}

// machine describes the CPU, the memory and the Go runtime.
func machine() string {
	model, mem := "unknown CPU", "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				if fs := strings.Fields(v); len(fs) > 0 {
					if kb, err := strconv.ParseFloat(fs[0], 64); err == nil {
						mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
					}
				}
			}
		}
	}
	return fmt.Sprintf("%s, %d logical CPUs (GOMAXPROCS %d), %s RAM, %s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.Version())
}

// slope returns the least-squares slope of log y against log x.
func slope(x, y []float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for i := range x {
		if x[i] <= 0 || y[i] <= 0 {
			continue
		}
		lx, ly := math.Log(x[i]), math.Log(y[i])
		n++
		sx += lx
		sy += ly
		sxx += lx * lx
		sxy += lx * ly
	}
	d := n*sxx - sx*sx
	if n < 2 || d == 0 {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / d
}

// fmtDur formats a duration with three significant digits.
func fmtDur(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	default:
		return fmt.Sprintf("%.3g s", s)
	}
}

// fmtBytes formats a byte count in binary units.
func fmtBytes(b float64) string {
	switch {
	case b <= 0:
		return "–"
	case b < 1<<20:
		return fmt.Sprintf("%.3g KiB", b/(1<<10))
	case b < 1<<30:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	default:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	}
}

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
				st.name, fmtDur(st.time), fmtDur(st.cpu), fmtBytes(float64(st.rss)), st.note)
			total += st.time
			cpu += st.cpu
			peak = max(peak, st.rss)
		}
		fmt.Fprintf(&b, "| %d / %d / %d / %d | **total** | **%s** | **%s** | **%s** | load average %s at the start, %s at the end |\n",
			r.n, r.faces, r.m, r.k, fmtDur(total), fmtDur(cpu), fmtBytes(float64(peak)), r.load[0], r.load[1])
	}
	fmt.Fprintf(&b, "\nMachine: %s. coarsen.Spectral with its defaults", machine())
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
		fmt.Fprintf(&b, " %s %.2f;", st.name, slope(ns[:len(ts)], ts))
	}
	b.WriteString("\n")
	return b.String()
}
