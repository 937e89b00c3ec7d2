package mtx_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mtx"
)

// TestWriteFileAtomic checks that a write that fails or panics, or that
// cannot be placed, leaves an existing file untouched and no temporary file
// behind, and that the writers refuse non-finite values before writing a
// single byte.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "G.mtx")
	if err := os.WriteFile(path, []byte("original"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "original" {
			t.Errorf("%s: file now %q, %v", what, b, err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("%s: directory holds %v", what, names)
		}
	}
	boom := errors.New("boom")
	err := mtx.WriteFile(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("partial\n"), 1<<15))
		return boom
	})
	if err != boom {
		t.Errorf("error %v, want the write function's", err)
	}
	check("failed write")
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("panic in write not propagated")
			}
		}()
		mtx.WriteFile(path, func(w io.Writer) error {
			w.Write([]byte("partial"))
			panic("kaboom")
		})
	}()
	check("panicking write")
	// A NaN is refused by the writer before anything reaches the file.
	err = mtx.WriteFile(path, func(w io.Writer) error {
		return mtx.WriteDense(w, mat.NewDense(2, 2, []float64{1, math.NaN(), 3, 4}), "")
	})
	if err == nil {
		t.Error("NaN written")
	}
	check("NaN")
	// gzip output with a failing write.
	gzPath := filepath.Join(dir, "G.mtx.gz")
	if err := mtx.WriteFile(gzPath, func(w io.Writer) error { return boom }); err != boom {
		t.Errorf("gz: %v", err)
	}
	if _, err := os.Stat(gzPath); !os.IsNotExist(err) {
		t.Errorf("failed gzip write created %s", gzPath)
	}
	os.Remove(gzPath)
	check("failed gzip write")
	// Writing into a missing directory or over a directory fails cleanly.
	if err := mtx.WriteFile(filepath.Join(dir, "missing", "G.mtx"), func(w io.Writer) error { return nil }); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	if err := mtx.WriteFile(sub, func(w io.Writer) error { return nil }); err == nil {
		t.Error("write over a directory succeeded")
	}
	os.Remove(sub)
	check("bad paths")
	// The writers check every value before writing.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var buf bytes.Buffer
		if err := mtx.WriteDense(&buf, mat.NewDense(2, 2, []float64{1, 2, 3, v}), "c"); err == nil || buf.Len() != 0 {
			t.Errorf("WriteDense with %v: %v, %d bytes written", v, err, buf.Len())
		}
		buf.Reset()
		if err := mtx.WriteCoordinate(&buf, 3, 3, []int{0, 2}, []int{0, 1}, []float64{1, v}, "c"); err == nil || buf.Len() != 0 {
			t.Errorf("WriteCoordinate with %v: %v, %d bytes written", v, err, buf.Len())
		}
		buf.Reset()
		if err := mtx.WriteSparse(&buf, mat.NewDense(2, 2, []float64{v, 0, 0, 1}), "c"); err == nil || buf.Len() != 0 {
			t.Errorf("WriteSparse with %v: %v, %d bytes written", v, err, buf.Len())
		}
	}
	// Extreme finite values survive a round trip bit for bit.
	vals := []float64{math.MaxFloat64, -math.SmallestNonzeroFloat64, 1e-308, 0x1p-1074, math.Copysign(0, -1), 1.0000000000000002}
	var buf bytes.Buffer
	if err := mtx.WriteDense(&buf, mat.NewDense(2, 3, vals), ""); err != nil {
		t.Fatal(err)
	}
	m, err := mtx.Read(&buf, "rt.mtx")
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dense()
	for k, v := range vals {
		if got := d.At(k/3, k%3); math.Float64bits(got) != math.Float64bits(v) && !(v == 0 && got == 0) {
			t.Errorf("round trip of %v gave %v", v, got)
		}
	}
}
