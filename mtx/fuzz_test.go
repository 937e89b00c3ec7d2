package mtx

import (
	"bytes"
	"errors"
	"testing"
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
