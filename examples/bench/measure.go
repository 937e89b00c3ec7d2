package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/sparsels/sparsels/internal/runstats"
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

// median returns the median of t, which must not be empty.
func median[T time.Duration | float64](t []T) T {
	s := slices.Clone(t)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// fmtAllocs formats bytes and allocations per call.
func fmtAllocs(s stat) string {
	if math.IsNaN(s.allocs) {
		return "–"
	}
	if s.allocs == 0 {
		return "0"
	}
	return fmt.Sprintf("%s / %.3g", runstats.Bytes(s.bytes), s.allocs)
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
