package mtx

import (
	"math"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// Dense returns m as a new Rows×Cols dense matrix, with symmetry expanded
// (a[j][i] = a[i][j] for symmetric and -a[i][j] for skew-symmetric files)
// and duplicate coordinate entries summed in file order. It allocates
// Rows*Cols float64 values and panics if that product overflows; use
// Reader.MaxDim to bound it for untrusted input.
func (m *Matrix) Dense() *mat.Dense {
	r, c := m.Rows, m.Cols
	if r <= 0 || c <= 0 || c > math.MaxInt/r {
		panic("mtx: Dense: bad matrix size")
	}
	d := mat.NewDense(r, c, nil)
	raw := d.RawMatrix()
	if m.Format == Array {
		for j := 0; j < c; j++ {
			col := m.Data[j*r : (j+1)*r]
			for i, v := range col {
				raw.Data[i*raw.Stride+j] = v
			}
		}
		return d
	}
	sym, skew := m.Symmetry == Symmetric, m.Symmetry == SkewSymmetric
	for k, i := range m.I {
		j, v := m.J[k], m.V[k]
		raw.Data[i*raw.Stride+j] += v
		if i != j && (sym || skew) {
			if skew {
				v = -v
			}
			raw.Data[j*raw.Stride+i] += v
		}
	}
	return d
}

// Triplets returns the entries of m as a general (unsymmetric) coordinate
// list with 0-based indices, in new slices.
//
// For coordinate files the entries are in file order, duplicates not
// summed; for symmetric and skew-symmetric files each off-diagonal entry
// (i, j, v) is immediately followed by its mirror (j, i, v), respectively
// (j, i, -v). For array files the nonzero elements are listed in
// column-major order.
func (m *Matrix) Triplets() (i, j []int, v []float64) {
	if m.Format == Array {
		for c := 0; c < m.Cols; c++ {
			for r, x := range m.Data[c*m.Rows : (c+1)*m.Rows] {
				if x != 0 {
					i = append(i, r)
					j = append(j, c)
					v = append(v, x)
				}
			}
		}
		return i, j, v
	}
	if m.Symmetry == General {
		return slices.Clone(m.I), slices.Clone(m.J), slices.Clone(m.V)
	}
	n := len(m.I)
	for k := range m.I {
		if m.I[k] != m.J[k] {
			n++
		}
	}
	i = make([]int, 0, n)
	j = make([]int, 0, n)
	v = make([]float64, 0, n)
	skew := m.Symmetry == SkewSymmetric
	for k, r := range m.I {
		c, x := m.J[k], m.V[k]
		i = append(i, r)
		j = append(j, c)
		v = append(v, x)
		if r != c {
			if skew {
				x = -x
			}
			i = append(i, c)
			j = append(j, r)
			v = append(v, x)
		}
	}
	return i, j, v
}

// CSR returns m as a new Rows×Cols compressed sparse row matrix with
// symmetry expanded, duplicate entries summed (in file order) and column
// indices sorted increasingly within each row.
//
// For coordinate files every position that appears in the file is stored,
// including explicit zeros and duplicates that sum to zero, so the result
// preserves the file's sparsity pattern. For array files only the nonzero
// elements are stored.
//
// CSR takes O(Rows + e log e) time for e expanded entries (O(Rows + e) when
// rows are short) and O(Rows + e) memory.
func (m *Matrix) CSR() *sparse.CSR {
	ti, tj, tv := m.Triplets()
	perm := order(m.Rows, ti, tj)
	indptr := make([]int, m.Rows+1)
	ind := make([]int, 0, len(perm))
	data := make([]float64, 0, len(perm))
	for p := 0; p < len(perm); {
		k := perm[p]
		r, c, s := ti[k], tj[k], tv[k]
		for p++; p < len(perm) && ti[perm[p]] == r && tj[perm[p]] == c; p++ {
			s += tv[perm[p]]
		}
		ind = append(ind, c)
		data = append(data, s)
		indptr[r+1]++
	}
	for r := 0; r < m.Rows; r++ {
		indptr[r+1] += indptr[r]
	}
	return sparse.NewCSR(m.Rows, m.Cols, indptr, ind, data)
}

// Duplicate reports the first repeated position in a coordinate file: the
// 0-based entry numbers k1 < k2 of two entries with I[k1] == I[k2] and
// J[k1] == J[k2], where k2 is the earliest entry in the file that repeats
// an earlier one and k1 is the first entry at that position. Their lines
// are m.Line[k1] and m.Line[k2]. It returns ok == false if all positions
// are distinct, and always for array files.
//
// Duplicate takes O(e log e) time and O(e + min(Rows, 2e)) memory for
// e = len(m.I).
func (m *Matrix) Duplicate() (k1, k2 int, ok bool) {
	if m.Format != Coordinate {
		return 0, 0, false
	}
	perm := order(m.Rows, m.I, m.J)
	k2 = math.MaxInt
	for p := 0; p < len(perm); {
		q := p + 1
		for q < len(perm) && m.I[perm[q]] == m.I[perm[p]] && m.J[perm[q]] == m.J[perm[p]] {
			q++
		}
		// perm[p:q] is one position, in increasing entry order.
		if q-p > 1 && perm[p+1] < k2 {
			k1, k2, ok = perm[p], perm[p+1], true
		}
		p = q
	}
	if !ok {
		return 0, 0, false
	}
	return k1, k2, true
}

// order returns the permutation of 0..len(ri)-1 that sorts the entries
// (ri[k], ci[k]) by row, then column, then k. Rows are bucketed with a
// counting sort when rows is not much larger than the number of entries,
// so that a huge declared size cannot force a huge allocation.
func order(rows int, ri, ci []int) []int {
	var scratch orderScratch
	return scratch.order(rows, ri, ci)
}

// orderScratch keeps the arrays of order for reuse by repeated calls.
type orderScratch struct{ perm, next []int }

// order is the function order, with the result and its work array taken
// from s; the result is valid until the next call.
func (s *orderScratch) order(rows int, ri, ci []int) []int {
	n := len(ri)
	s.perm = resize(s.perm, n)
	perm := s.perm
	cmp := func(a, b int) int {
		if ri[a] != ri[b] {
			return ri[a] - ri[b]
		}
		if ci[a] != ci[b] {
			return ci[a] - ci[b]
		}
		return a - b
	}
	if rows > 2*n+64 {
		for k := range perm {
			perm[k] = k
		}
		slices.SortFunc(perm, cmp)
		return perm
	}
	s.next = resize(s.next, rows+1)
	next := s.next
	clear(next)
	for _, r := range ri {
		next[r+1]++
	}
	for r := 0; r < rows; r++ {
		next[r+1] += next[r]
	}
	for k, r := range ri {
		perm[next[r]] = k
		next[r]++
	}
	// Now row r occupies perm[lo:next[r]] with lo the end of row r-1, and
	// the entry numbers within each row are increasing.
	lo := 0
	for r := 0; r < rows; r++ {
		seg := perm[lo:next[r]]
		lo = next[r]
		if len(seg) < 24 {
			// Stable insertion sort by column.
			for a := 1; a < len(seg); a++ {
				k := seg[a]
				b := a
				for ; b > 0 && ci[seg[b-1]] > ci[k]; b-- {
					seg[b] = seg[b-1]
				}
				seg[b] = k
			}
		} else {
			slices.SortFunc(seg, cmp)
		}
	}
	return perm
}

// resize returns s with length n, reallocated only if its capacity is
// short.
func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
