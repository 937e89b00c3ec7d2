package mtx_test

// Hostile input for the reader's memory bounds: files that
// repeat one position hundreds of millions of times, size lines whose
// entries cannot fit the memory budget, and gzip streams that inflate to
// far more than their size. Memory must stay bounded by the matrix's real
// size and by Reader.MaxBytes, and a file over the budget must be refused
// on its size line, before any entry is decompressed.

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparsels/sparsels/internal/readtest"
	"github.com/sparsels/sparsels/mtx"
)

// dupBomb returns a gzipped file declaring a 12×12 matrix with k entries,
// all "1 1 1" except a last "3 2 2".
func dupBomb(k int) []byte {
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	io.WriteString(zw, "%%MatrixMarket matrix coordinate real general\n12 12 "+itoa(k)+"\n")
	line := bytes.Repeat([]byte("1 1 1\n"), 4096)
	for n := 0; n < k-1; n += 4096 {
		zw.Write(line[:6*min(4096, k-1-n)])
	}
	io.WriteString(zw, "3 2 2\n")
	zw.Close()
	return gz.Bytes()
}

func itoa(k int) string { return strconv.Itoa(k) }

// TestReadDuplicateBomb reads a 12×12 file repeating one position two
// million times: with SumDuplicates the memory is that of the 144
// positions, not of the entries, and the sum is exact; with
// RejectDuplicates the second entry is an error naming both lines; with
// the default KeepDuplicates and a budget the size line is refused.
func TestReadDuplicateBomb(t *testing.T) {
	const k = 2_000_000
	gz := dupBomb(k)
	var m *mtx.Matrix
	var err error
	alloc := readtest.Allocated(func() {
		m, err = mtx.Reader{Duplicates: mtx.SumDuplicates}.Read(bytes.NewReader(gz), "bomb.mtx.gz")
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.I) != 2 || m.I[0] != 0 || m.J[0] != 0 || m.V[0] != k-1 || m.Line[0] != 3 ||
		m.I[1] != 2 || m.J[1] != 1 || m.V[1] != 2 || m.Line[1] != k+2 {
		t.Errorf("summed bomb: I %v J %v V %v Line %v", m.I, m.J, m.V, m.Line)
	}
	// 2·144 + 1024 entries of 32 bytes, the decompressor and the buffers;
	// keeping the entries would take 64 MB at least.
	if alloc > 2<<20 {
		t.Errorf("SumDuplicates: %d bytes allocated for a 12×12 matrix (%d entries in %d gzipped bytes)", alloc, k, len(gz))
	}

	_, err = mtx.Reader{Duplicates: mtx.RejectDuplicates}.Read(bytes.NewReader(gz), "bomb.mtx.gz")
	if err == nil || !strings.Contains(err.Error(), "bomb.mtx.gz:4: duplicate entry (1,1), first given on line 3") {
		t.Errorf("RejectDuplicates: %v", err)
	}

	t0 := time.Now()
	alloc = readtest.Allocated(func() {
		_, err = mtx.Reader{MaxBytes: 1 << 20}.Read(bytes.NewReader(gz), "bomb.mtx.gz")
	})
	if err == nil || !strings.Contains(err.Error(), "bomb.mtx.gz:2: 2000000 entries need 61.0 MiB, over the memory limit of 1.0 MiB") {
		t.Errorf("MaxBytes: %v", err)
	}
	if alloc > 1<<20 || time.Since(t0) > time.Second {
		t.Errorf("MaxBytes: refusing the size line took %v and %d bytes", time.Since(t0), alloc)
	}
}

// TestReadDuplicateSums checks SumDuplicates against Matrix.CSR of the
// file read with KeepDuplicates, with merges while reading (a 3×3 matrix,
// so every 1042 stored entries), and the overflow of a sum.
func TestReadDuplicateSums(t *testing.T) {
	var b strings.Builder
	const k = 5000
	b.WriteString("%%MatrixMarket matrix coordinate real symmetric\n3 3 " + itoa(k) + "\n")
	for q := 0; q < k; q++ {
		i := (q*7)%3 + 1
		j := (q*5)%i + 1
		b.WriteString(itoa(i) + " " + itoa(j) + " 0." + itoa(q%97+1) + "\n")
	}
	keep, err := mtx.Read(strings.NewReader(b.String()), "k.mtx")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := mtx.Reader{Duplicates: mtx.SumDuplicates}.Read(strings.NewReader(b.String()), "s.mtx")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, dup := sum.Duplicate(); dup || len(sum.I) > 6 {
		t.Fatalf("SumDuplicates left %d entries (duplicates: %t)", len(sum.I), dup)
	}
	// First occurrences in file order, each with the line where it first
	// appears.
	for e := 1; e < len(sum.I); e++ {
		if sum.Line[e] <= sum.Line[e-1] {
			t.Errorf("entries out of file order: lines %v", sum.Line)
		}
	}
	a, c := keep.CSR(), sum.CSR()
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			// The sums are formed in file order in both, so they are equal
			// to the last bit.
			if a.At(i, j) != c.At(i, j) {
				t.Errorf("(%d,%d): summed while reading %v, CSR %v", i, j, c.At(i, j), a.At(i, j))
			}
		}
	}

	over := "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1e308\n2 2 1\n1 1 1e308\n"
	_, err = mtx.Reader{Duplicates: mtx.SumDuplicates}.Read(strings.NewReader(over), "o.mtx")
	if err == nil || !strings.Contains(err.Error(), "o.mtx:5: entry (1,1) overflows when its duplicates are summed (first given on line 3)") {
		t.Errorf("overflowing sum: %v", err)
	}
}

// TestReadBudget checks Reader.MaxBytes on the size line: coordinate and
// array files whose storage cannot fit are refused before any entry is
// read (the entries here never end), with the need and the limit in exact
// bytes below 1 MiB.
func TestReadBudget(t *testing.T) {
	for _, test := range []struct {
		name, head string
		rd         mtx.Reader
		want       string
	}{
		{"coordinate", "%%MatrixMarket matrix coordinate real general\n1000 1000 40000\n", mtx.Reader{MaxBytes: 1 << 20},
			"b.mtx:2: 40000 entries need 1.2 MiB, over the memory limit of 1.0 MiB"},
		{"coordinate, small", "%%MatrixMarket matrix coordinate real general\n10 10 40\n", mtx.Reader{MaxBytes: 1000},
			"b.mtx:2: 40 entries need 1280 bytes, over the memory limit of 1000 bytes"},
		{"coordinate, summed", "%%MatrixMarket matrix coordinate real general\n1000 1000 1000000000\n",
			mtx.Reader{MaxBytes: 1 << 25, Duplicates: mtx.SumDuplicates},
			"b.mtx:2: 1000000000 entries need 61.1 MiB, over the memory limit of 32.0 MiB"},
		{"symmetric array", "%%MatrixMarket matrix array real symmetric\n300 300\n", mtx.Reader{MaxBytes: 1 << 20},
			"b.mtx:2: a 300x300 array needs 1.0 MiB, over the memory limit of 1.0 MiB"},
		{"array", "%%MatrixMarket matrix array real general\n100000 100000\n", mtx.Reader{MaxBytes: 1 << 30},
			"b.mtx:2: a 100000x100000 array needs 74.5 GiB, over the memory limit of 1.0 GiB"},
	} {
		t.Run(test.name, func(t *testing.T) {
			endless := io.MultiReader(strings.NewReader(test.head), &repeatReader{line: []byte("1 1 1\n")})
			var err error
			alloc := readtest.Allocated(func() { _, err = test.rd.Read(endless, "b.mtx") })
			if err == nil || err.Error() != test.want {
				t.Errorf("error %v\nwant  %s", err, test.want)
			}
			if alloc > 1<<20 {
				t.Errorf("%d bytes allocated", alloc)
			}
		})
	}
}
