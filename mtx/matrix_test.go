package mtx

import (
	"strings"
	"testing"
)

func TestTriplets(t *testing.T) {
	m, err := Read(strings.NewReader("%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 3\n3 1 1\n2 1 2\n3 1 4\n"), "s.mtx")
	if err != nil {
		t.Fatal(err)
	}
	i, j, v := m.Triplets()
	if !equalInts(i, []int{2, 0, 1, 0, 2, 0}) || !equalInts(j, []int{0, 2, 0, 1, 0, 2}) ||
		!equalFloats(v, []float64{1, -1, 2, -2, 4, -4}) {
		t.Errorf("Triplets = %v %v %v", i, j, v)
	}
	// The result does not alias the matrix.
	m2, _ := Read(strings.NewReader("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 5\n"), "g.mtx")
	i, _, v = m2.Triplets()
	i[0], v[0] = 7, 7
	if m2.I[0] != 0 || m2.V[0] != 5 {
		t.Errorf("Triplets aliases the matrix")
	}
	// Array files list their nonzeros column by column.
	m3, _ := Read(strings.NewReader("%%MatrixMarket matrix array real general\n2 2\n0\n3\n4\n0\n"), "a.mtx")
	i, j, v = m3.Triplets()
	if !equalInts(i, []int{1, 0}) || !equalInts(j, []int{0, 1}) || !equalFloats(v, []float64{3, 4}) {
		t.Errorf("array Triplets = %v %v %v", i, j, v)
	}
}

func TestCSRAndDuplicate(t *testing.T) {
	// Each case is checked for both the counting-sort path (rows small
	// relative to the entries) and the comparison-sort path (rows huge).
	for _, test := range []struct {
		name        string
		i, j        []int // 0-based, rows < 4
		v           []float64
		indptr, ind []int // expected CSR for 4 rows
		data        []float64
		k1, k2      int
		dup         bool
	}{
		{
			name: "distinct", i: []int{3, 0, 3, 1}, j: []int{2, 1, 0, 1}, v: []float64{1, 2, 3, 4},
			indptr: []int{0, 1, 2, 2, 4}, ind: []int{1, 1, 0, 2}, data: []float64{2, 4, 3, 1},
		},
		{
			name: "earliest repeat wins", i: []int{0, 1, 2, 1, 0, 1}, j: []int{0, 1, 2, 1, 0, 1},
			v:      []float64{1, 2, 3, 4, 5, 6},
			indptr: []int{0, 1, 2, 3, 3}, ind: []int{0, 1, 2}, data: []float64{6, 12, 3},
			k1: 1, k2: 3, dup: true,
		},
		{
			name: "sum to zero kept", i: []int{2, 2, 2}, j: []int{3, 0, 3}, v: []float64{1.5, 1, -1.5},
			indptr: []int{0, 0, 0, 2, 2}, ind: []int{0, 3}, data: []float64{1, 0},
			k1: 0, k2: 2, dup: true,
		},
		{
			name: "long row", i: []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
			j:      []int{29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 28},
			v:      []float64{29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5},
			indptr: []int{0, 0, 29, 29, 29},
			ind:    []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29},
			data:   []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28.5, 29},
			k1:     1, k2: 29, dup: true,
		},
	} {
		m := &Matrix{Header: Header{Coordinate, Real, General, 4, 30, len(test.i)}, I: test.i, J: test.j, V: test.v}
		raw := m.CSR().RawMatrix()
		if !equalInts(raw.Indptr, test.indptr) || !equalInts(raw.Ind, test.ind) || !equalFloats(raw.Data, test.data) {
			t.Errorf("%s: CSR = %v %v %v, want %v %v %v", test.name, raw.Indptr, raw.Ind, raw.Data, test.indptr, test.ind, test.data)
		}
		for _, rows := range []int{4, 1 << 40} {
			m.Rows = rows
			k1, k2, ok := m.Duplicate()
			if k1 != test.k1 || k2 != test.k2 || ok != test.dup {
				t.Errorf("%s, %d rows: Duplicate = %d, %d, %t; want %d, %d, %t", test.name, rows, k1, k2, ok, test.k1, test.k2, test.dup)
			}
			perm := order(rows, test.i, test.j)
			for p := 1; p < len(perm); p++ {
				a, b := perm[p-1], perm[p]
				if test.i[a] > test.i[b] || (test.i[a] == test.i[b] && (test.j[a] > test.j[b] || (test.j[a] == test.j[b] && a > b))) {
					t.Errorf("%s, %d rows: order = %v not sorted", test.name, rows, perm)
				}
			}
		}
	}
	arr := &Matrix{Header: Header{Array, Real, General, 1, 1, 1}, Data: []float64{1}}
	if _, _, ok := arr.Duplicate(); ok {
		t.Errorf("array Duplicate reported a duplicate")
	}
}
