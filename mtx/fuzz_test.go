package mtx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/readtest"
)

// FuzzRead checks that Read never panics, that every error is an *Error
// naming the source, and that whatever it accepts is a consistent matrix:
// Dense, CSR, Triplets and Duplicate agree with each other and with the
// header (see checkMatrix), and writing the matrix with Write and reading
// it back reproduces it bit for bit. The seed corpus is the readTests
// files plus mtx/testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	for _, test := range readTests {
		f.Add([]byte(test.file))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(bytes.NewReader(data), "f.mtx")
		if err != nil {
			var e *Error
			if m != nil || !errors.As(err, &e) || e.Name != "f.mtx" {
				t.Fatalf("error %v (%T) with matrix %v", err, err, m)
			}
			return
		}
		checkMatrix(t, "fuzz input", m)

		var buf bytes.Buffer
		if err := Write(&buf, m, "fuzz"); err != nil {
			t.Fatalf("Write: %v", err)
		}
		m2, err := Read(&buf, "w.mtx")
		if err != nil {
			t.Fatalf("reading Write output: %v\n%s", err, buf.Bytes())
		}
		if m2.Header != m.Header || !equalInts(m2.I, m.I) || !equalInts(m2.J, m.J) ||
			!equalFloats(m2.V, m.V) || !equalFloats(m2.Data, m.Data) {
			t.Fatalf("Write and Read changed the matrix: %+v -> %+v", m.Header, m2.Header)
		}
	})
}

// fuzzBudget is the Reader.MaxBytes of FuzzReadGzip, and fuzzOverhead the
// allocation allowed on top of three times it: the gzip decompressor, two
// 64 KiB line buffers and the error.
const (
	fuzzBudget   = 64 << 10
	fuzzOverhead = 384 << 10
)

// FuzzReadGzip reads gzip streams under a memory budget, with each
// duplicate policy: data itself (mostly corrupt streams) when raw is true,
// otherwise data compressed, so that the fuzzer can grow highly repetitive
// files that inflate far beyond their size. Besides the contract of
// FuzzRead, it asserts that the bytes allocated by a read never exceed
// three times the budget plus a fixed overhead, and that an accepted
// matrix fits the budget.
func FuzzReadGzip(f *testing.F) {
	for _, test := range readTests {
		f.Add([]byte(test.file), false)
	}
	f.Add([]byte("%%MatrixMarket matrix coordinate real general\n12 12 20000\n"+strings.Repeat("1 1 1\n", 20000)), false)
	f.Add([]byte("%%MatrixMarket matrix array real symmetric\n1000 1000\n1\n"), false)
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"), true)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		if !raw {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		for _, d := range []Duplicates{KeepDuplicates, SumDuplicates, RejectDuplicates} {
			rd := Reader{MaxBytes: fuzzBudget, Duplicates: d}
			var m *Matrix
			var err error
			alloc := readtest.Allocated(func() { m, err = rd.Read(bytes.NewReader(data), "f.mtx.gz") })
			if alloc > 3*fuzzBudget+fuzzOverhead {
				t.Fatalf("%v: %d bytes allocated under a budget of %d (error %v)", d, alloc, fuzzBudget, err)
			}
			if err != nil {
				var e *Error
				if m != nil || !errors.As(err, &e) || e.Name != "f.mtx.gz" {
					t.Fatalf("error %v (%T) with matrix %v", err, err, m)
				}
				continue
			}
			if s := rd.Storage(m.Header); s > fuzzBudget {
				t.Fatalf("%v: accepted a matrix whose storage %v exceeds the budget", d, s)
			}
			if d == KeepDuplicates {
				checkMatrix(t, "fuzz input", m)
				continue
			}
			// The merged matrix is the kept one with its duplicates summed.
			if _, _, dup := m.Duplicate(); dup {
				t.Fatalf("%v: repeated positions left in the matrix", d)
			}
			k, err := Read(bytes.NewReader(data), "k.mtx")
			if err != nil {
				t.Fatalf("%v accepted what KeepDuplicates refuses: %v", d, err)
			}
			if m.Format == Coordinate {
				a, b := m.CSR().RawMatrix(), k.CSR().RawMatrix()
				if !equalInts(a.Indptr, b.Indptr) || !equalInts(a.Ind, b.Ind) || !equalFloats(a.Data, b.Data) {
					t.Fatalf("%v: the merged matrix differs from the kept one", d)
				}
			}
		}
	})
}
