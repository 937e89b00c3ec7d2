package runstats

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSlope(t *testing.T) {
	x := []float64{1e4, 1e5, 1e6}
	for _, tc := range []struct {
		x, y []float64
		want float64
	}{
		{x, []float64{2, 2 * math.Pow(10, 1.5), 2e3}, 1.5},
		{x, []float64{5, 5, 5}, 0},
		{[]float64{1e4, 0, 1e6}, []float64{1, 7, 100}, 1}, // the zero x is skipped
	} {
		if s := Slope(tc.x, tc.y); math.Abs(s-tc.want) > 1e-12 {
			t.Errorf("Slope(%v, %v) = %v, want %v", tc.x, tc.y, s, tc.want)
		}
	}
	for _, tc := range [][2][]float64{{x[:1], x[:1]}, {{3, 3}, {1, 2}}, {nil, nil}} {
		if s := Slope(tc[0], tc[1]); !math.IsNaN(s) {
			t.Errorf("Slope(%v, %v) = %v, want NaN", tc[0], tc[1], s)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "–"}, {-time.Second, "–"}, {500, "500 ns"}, {1500 * time.Nanosecond, "1.5 µs"},
		{2500 * time.Microsecond, "2.5 ms"}, {1500 * time.Millisecond, "1.5 s"}, {662 * time.Second, "662 s"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		b    float64
		want string
	}{
		{0, "–"}, {math.NaN(), "–"}, {math.Inf(1), "–"}, {512, "512 B"}, {1536, "1.5 KiB"},
		{3 << 20, "3 MiB"}, {15.6 * (1 << 30), "15.6 GiB"},
	} {
		if got := Bytes(tc.b); got != tc.want {
			t.Errorf("Bytes(%v) = %q, want %q", tc.b, got, tc.want)
		}
	}
}

func TestReadings(t *testing.T) {
	if ResetPeak() {
		buf := make([]byte, 64<<20)
		for i := range buf {
			buf[i] = 1
		}
		if p := PeakRSS(); p < 64<<20 {
			t.Errorf("PeakRSS() = %d after touching 64 MiB", p)
		}
		_ = buf[len(buf)-1]
	}
	start, wall := CPUTime(), time.Now()
	for x := 0.0; CPUTime()-start < 20*time.Millisecond; x++ {
		if time.Since(wall) > 5*time.Second {
			t.Fatalf("CPUTime() grew by %v in 5 s of spinning", CPUTime()-start)
		}
		_ = math.Sqrt(x)
	}
	if l := LoadAvg(); l != "unknown" && len(strings.Fields(l)) != 3 {
		t.Errorf("LoadAvg() = %q, want three fields", l)
	}
	if m := Machine(); !strings.Contains(m, "GOMAXPROCS") {
		t.Errorf("Machine() = %q", m)
	}
}
