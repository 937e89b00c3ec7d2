package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestSplit checks the range splitter: bounds are nondecreasing, start at 0,
// end at n, are multiples of the block, and balance the weights.
func TestSplit(t *testing.T) {
	ptr := []int{0, 10, 10, 10, 40, 41, 42, 43, 44, 45, 46}
	for _, tc := range []struct {
		n, parts, block int
		ptr             []int
		want            []int
	}{
		{10, 2, 1, nil, []int{0, 5, 10}},
		{10, 3, 1, nil, []int{0, 4, 7, 10}},
		{10, 2, 1, ptr, []int{0, 4, 10}}, // weights 11,1,1,31,2,2,2,2,2,2: half of 56 is reached after row 3
		{10, 2, 4, nil, []int{0, 4, 10}},
		{3, 3, 1, nil, []int{0, 1, 2, 3}},
		{100, 4, 16, nil, []int{0, 32, 48, 80, 100}},
	} {
		b := make([]int, tc.parts+1)
		split(b, tc.n, tc.ptr, tc.block)
		for i := range b {
			if b[i] != tc.want[i] {
				t.Errorf("split(n=%d, parts=%d, block=%d, ptr=%v) = %v, want %v", tc.n, tc.parts, tc.block, tc.ptr != nil, b, tc.want)
				break
			}
		}
	}
}

// splitSmallLoops lowers MinPartWork so that small loops are split and
// raises GOMAXPROCS to 4; it returns a function that restores both.
func splitSmallLoops() func() {
	old := MinPartWork
	procs := runtime.GOMAXPROCS(4)
	MinPartWork = 1
	return func() {
		MinPartWork = old
		runtime.GOMAXPROCS(procs)
	}
}

// TestRunCoversItems checks that Loop.Run and For call the kernel on every
// item exactly once, with part numbers below the number of goroutines, for
// several thread limits, weights and blocks.
func TestRunCoversItems(t *testing.T) {
	defer splitSmallLoops()()
	ptr := make([]int, 1001)
	for i := range 1000 {
		ptr[i+1] = ptr[i] + i%7
	}
	var l Loop
	for _, tc := range []struct {
		threads, n, block int
		ptr               []int
	}{
		{1, 1000, 1, nil}, {2, 1000, 1, nil}, {4, 1000, 1, ptr}, {0, 1000, 16, nil}, {3, 5, 1, nil}, {4, 0, 1, nil},
	} {
		for _, useFor := range []bool{false, true} {
			if useFor && (tc.ptr != nil || tc.block != 1) {
				continue
			}
			hits := make([]atomic.Int32, tc.n)
			var badPart atomic.Bool
			parts := Parts(tc.threads, (tc.n+tc.block-1)/tc.block, float64(tc.n))
			fn := func(part, lo, hi int) {
				if part < 0 || part >= parts {
					badPart.Store(true)
				}
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			}
			if useFor {
				For(tc.threads, tc.n, float64(tc.n), fn)
			} else {
				l.Run(tc.threads, Func(fn), tc.n, float64(tc.n), tc.ptr, tc.block)
			}
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Fatalf("threads %d, n %d, block %d, For %v: item %d run %d times", tc.threads, tc.n, tc.block, useFor, i, h)
				}
			}
			if badPart.Load() {
				t.Errorf("threads %d, n %d, For %v: part outside [0, %d)", tc.threads, tc.n, useFor, parts)
			}
		}
	}
}

// sumKernel adds its items into per-part sums.
type sumKernel struct{ sums [MaxParts]float64 }

func (k *sumKernel) Run(part, lo, hi int) {
	for i := lo; i < hi; i++ {
		k.sums[part] += float64(i)
	}
}

// TestRunAllocs checks that a Loop with a kernel struct runs a split loop
// without allocating.
func TestRunAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	defer splitSmallLoops()()
	var l Loop
	var k sumKernel
	l.Run(2, &k, 1000, 1000, nil, 1)
	if a := testing.AllocsPerRun(20, func() { l.Run(2, &k, 1000, 1000, nil, 1) }); a != 0 {
		t.Errorf("Loop.Run allocates %v times per call", a)
	}
}
