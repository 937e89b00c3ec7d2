package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stat is the measured cost of one call of an operation.
type stat struct {
	time   time.Duration // median over the repetitions
	bytes  float64       // bytes allocated per call (least over the repetitions)
	allocs float64       // allocations per call (least over the repetitions)
}

// measure times fn: one warm-up call, then reps repetitions of k calls
// each, k chosen so that a repetition lasts at least minRep. A warm-up call
// of a second or more counts as the first repetition. It returns the
// median time per call and the least bytes and allocations per call over
// the repetitions, the steady state.
func measure(fn func(), reps int, minRep time.Duration) stat {
	t0 := time.Now()
	fn()
	one := time.Since(t0)
	k := 1
	if one < minRep {
		k = int(minRep/max(one, time.Microsecond)) + 1
	}
	times := make([]time.Duration, reps)
	st := stat{bytes: math.Inf(1), allocs: math.Inf(1)}
	var m0, m1 runtime.MemStats
	first := 0
	if one >= time.Second {
		times[0] = one
		first = 1
	}
	for r := first; r < reps; r++ {
		runtime.ReadMemStats(&m0)
		t := time.Now()
		for range k {
			fn()
		}
		el := time.Since(t)
		runtime.ReadMemStats(&m1)
		times[r] = el / time.Duration(k)
		st.bytes = min(st.bytes, float64(m1.TotalAlloc-m0.TotalAlloc)/float64(k))
		st.allocs = min(st.allocs, float64(m1.Mallocs-m0.Mallocs)/float64(k))
	}
	st.time = median(times)
	if first == reps {
		st.bytes, st.allocs = math.NaN(), math.NaN()
	}
	return st
}

func median(t []time.Duration) time.Duration {
	s := slices.Clone(t)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// freeMemory returns freed memory to the operating system and resets the
// kernel's peak-RSS counter (VmHWM), so that the next peakRSS reading is
// the peak since this call. It reports whether the reset worked.
func freeMemory() bool {
	runtime.GC()
	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets the peak resident set size (Linux ≥ 4.0).
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

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
			fs := strings.Fields(v)
			if len(fs) >= 1 {
				kb, err := strconv.ParseInt(fs[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
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

// machine describes the CPU, memory and Go runtime.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := "unknown"
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
	return fmt.Sprintf("%s; %d logical CPUs (GOMAXPROCS %d); %s RAM; %s %s/%s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
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

// fmtBytes formats a byte count in binary units.
func fmtBytes(b float64) string {
	switch {
	case math.IsInf(b, 0) || math.IsNaN(b):
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

// fmtAllocs formats bytes and allocations per call.
func fmtAllocs(s stat) string {
	if math.IsNaN(s.allocs) {
		return "–"
	}
	if s.allocs == 0 {
		return "0"
	}
	return fmt.Sprintf("%s / %.3g", fmtBytes(s.bytes), s.allocs)
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 {
		return "–"
	}
	if r >= 100 {
		return fmt.Sprintf("%.0fx", r)
	}
	return fmt.Sprintf("%.3gx", r)
}

func yesNo(b bool) string {
	if b {
		return "met"
	}
	return "NOT met"
}
