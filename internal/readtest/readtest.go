// Package readtest holds what the tests of the file readers (packages mesh
// and mtx) share: a call that turns a panic or an inconsistent result into a
// test failure, the loop of the randomized reader tests, and a measure of the
// memory a read allocates.
package readtest

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// Clip returns b as a string of at most 80 bytes (and "..."), for messages.
func Clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// Read returns the result of read, which reads data, and fails the test if
// read panics, returns neither a result nor an error, or returns both.
func Read[T any](t testing.TB, data []byte, read func() (*T, error)) (*T, error) {
	t.Helper()
	var v *T
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("read panicked on %q: %v", Clip(data), r)
			}
		}()
		v, err = read()
	}()
	switch {
	case err == nil && v == nil:
		t.Fatalf("nil result without error for %q", Clip(data))
	case err != nil && v != nil:
		t.Fatalf("error %v with a result for %q", err, Clip(data))
	}
	return v, err
}

// Random runs check(k, data) on n random inputs k = 0, 1, … (n/5 with
// -short), stopping after ten seconds. By k mod 3 the input is up to 200
// random bytes, up to 300 random bytes of alphabet, or base(k) with one to
// four bytes replaced, inserted or deleted (from alphabet); base is called
// only in the last case, so that it may draw from rng.
func Random(t testing.TB, rng *rand.Rand, n int, alphabet []byte, base func(k int) []byte, check func(k int, data []byte)) {
	t.Helper()
	if testing.Short() {
		n /= 5
	}
	deadline := time.Now().Add(10 * time.Second)
	for k := 0; k < n && time.Now().Before(deadline); k++ {
		check(k, input(rng, k, alphabet, base))
	}
}

// input returns the k-th input of Random.
func input(rng *rand.Rand, k int, alphabet []byte, base func(k int) []byte) []byte {
	var data []byte
	switch k % 3 {
	case 0:
		data = make([]byte, rng.IntN(200))
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
	case 1:
		data = make([]byte, rng.IntN(300))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
		}
	default:
		data = base(k)
		for e := 0; e < 1+rng.IntN(4); e++ {
			i := rng.IntN(len(data))
			switch rng.IntN(3) {
			case 0:
				data[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				data = append(data[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[i:]...)...)
			default:
				data = append(data[:i], data[i+1:]...)
			}
		}
	}
	return data
}

// Allocated returns the bytes allocated while running f, after a garbage
// collection (by every goroutine: run it where no other test runs in
// parallel).
func Allocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}
