// Package runstats reads what the measuring programs under examples report
// beside their timings: the process's CPU time and peak resident memory,
// the machine's load and description, and the log-log slope of a series.
// The /proc readings are Linux's; elsewhere they report zero or "unknown".
package runstats

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ResetPeak collects garbage, returns freed memory to the system and resets
// the peak resident set size that PeakRSS reads. It reports whether the
// reset worked (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0).
func ResetPeak() bool {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// PeakRSS returns the peak resident set size of the process (VmHWM) in
// bytes, or 0 if /proc/self/status cannot be read.
func PeakRSS() int64 {
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

// CPUTime returns the user plus system CPU time the process has used, or
// 0 if it cannot be read.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadAvg returns the 1-, 5- and 15-minute load averages of /proc/loadavg,
// space-separated, or "unknown".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fs := strings.Fields(string(b))
	if len(fs) < 3 {
		return "unknown"
	}
	return strings.Join(fs[:3], " ")
}

// Machine describes the CPU model, the logical CPUs and GOMAXPROCS, the
// memory and the Go runtime.
func Machine() string {
	model, mem := "unknown CPU", "unknown"
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
	}
	if v, ok := procField("/proc/meminfo", "MemTotal:"); ok {
		if fs := strings.Fields(v); len(fs) > 0 {
			if kb, err := strconv.ParseFloat(fs[0], 64); err == nil {
				mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s, %d logical CPUs (GOMAXPROCS %d), %s RAM, %s %s/%s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// procField returns the rest of the first line of the file that starts
// with prefix.
func procField(path, prefix string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v, true
		}
	}
	return "", false
}

// Slope returns the least-squares slope of log y against log x over the
// points where both are positive, or NaN with fewer than two such points
// or a single distinct x.
func Slope(x, y []float64) float64 {
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

// Duration formats d with three significant digits in ns, µs, ms or s;
// "–" for a duration that is not positive.
func Duration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case d <= 0:
		return "–"
	case s < 1e-6:
		return fmt.Sprintf("%.0f ns", s*1e9)
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	default:
		return fmt.Sprintf("%.3g s", s)
	}
}

// Bytes formats a byte count with three significant digits in binary
// units; "–" for one that is not positive and finite.
func Bytes(b float64) string {
	switch {
	case !(b > 0) || math.IsInf(b, 0):
		return "–"
	case b < 1<<10:
		return fmt.Sprintf("%.0f B", b)
	case b < 1<<20:
		return fmt.Sprintf("%.3g KiB", b/(1<<10))
	case b < 1<<30:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	default:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	}
}
