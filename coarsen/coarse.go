package coarsen

import (
	"fmt"
	"slices"

	"github.com/james-bowman/sparse"
)

// Prolongation returns the n×m sparse matrix G with the values g at the
// subscripts (rows[p], cols[p]). Repeated subscripts add up; the columns of
// every row are sorted. It panics if rows, cols and g differ in length or a
// subscript is outside n×m.
func Prolongation(n, m int, rows, cols []int, g []float64) *sparse.CSR {
	if len(rows) != len(cols) || len(rows) != len(g) {
		panic(fmt.Sprintf("coarsen: len(rows) = %d, len(cols) = %d, len(g) = %d differ", len(rows), len(cols), len(g)))
	}
	indptr := make([]int, n+1)
	for p, i := range rows {
		if uint(i) >= uint(n) || uint(cols[p]) >= uint(m) {
			panic(fmt.Sprintf("coarsen: subscript %d = (%d, %d) out of range for %d×%d G", p, i, cols[p], n, m))
		}
		indptr[i+1]++
	}
	for i := range n {
		indptr[i+1] += indptr[i]
	}
	ind := make([]int, len(rows))
	val := make([]float64, len(rows))
	next := slices.Clone(indptr[:n])
	for p, i := range rows {
		ind[next[i]], val[next[i]] = cols[p], g[p]
		next[i]++
	}
	return compress(n, m, indptr, ind, val)
}

// compress sorts the columns of every row of the CSR arrays and sums
// repeated columns.
func compress(r, c int, indptr, ind []int, val []float64) *sparse.CSR {
	type entry struct {
		j int
		v float64
	}
	var row []entry
	out := 0
	start := 0
	for i := range r {
		row = row[:0]
		for p := start; p < indptr[i+1]; p++ {
			row = append(row, entry{ind[p], val[p]})
		}
		start = indptr[i+1]
		slices.SortStableFunc(row, func(a, b entry) int { return a.j - b.j })
		for k, e := range row {
			if k > 0 && e.j == ind[out-1] {
				val[out-1] += e.v
				continue
			}
			ind[out], val[out] = e.j, e.v
			out++
		}
		indptr[i+1] = out
	}
	return sparse.NewCSR(r, c, indptr, ind[:out], val[:out])
}

// Galerkin returns the m×m sparse coarse operator Gᵀ L G for the n×n sparse
// L and the n×m sparse G, with sorted columns in every row. When the
// pattern of L is symmetric the result is exactly symmetric: the two
// roundings of each pair of mirrored entries are averaged. No dense n×m or
// m×m matrix is formed: the cost is that of the two sparse products L G and
// Gᵀ (L G), with O(m) scratch space.
//
// Galerkin panics if L is not n×n, G does not have n rows, or L's CSR arrays
// are malformed.
func Galerkin(L, G *sparse.CSR) *sparse.CSR {
	n, m := G.Dims()
	indptr, ind, data := rawCSR(L, n)
	graw := G.RawMatrix()
	gptr, gind, gval := graw.Indptr, graw.Ind, graw.Data

	// LG = L G by rows, with a sparse accumulator.
	acc := make([]float64, m)
	seen := make([]bool, m)
	var touched []int
	lgPtr := make([]int, n+1)
	var lgInd []int
	var lgVal []float64
	flush := func() {
		slices.Sort(touched)
		for _, c := range touched {
			lgInd = append(lgInd, c)
			lgVal = append(lgVal, acc[c])
			acc[c], seen[c] = 0, false
		}
		touched = touched[:0]
	}
	for i := range n {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			j, l := ind[p], data[p]
			for q := gptr[j]; q < gptr[j+1]; q++ {
				c := gind[q]
				if !seen[c] {
					seen[c] = true
					touched = append(touched, c)
				}
				acc[c] += l * gval[q]
			}
		}
		flush()
		lgPtr[i+1] = len(lgInd)
	}

	// Gᵀ by counting sort, then row c of Gᵀ L G = Σ_i G(i,c) (LG)(i,:).
	gt := transpose(n, m, gptr, gind, gval)
	tptr, tind, tval := gt.indptr, gt.ind, gt.val
	cPtr := make([]int, m+1)
	var cInd []int
	var cVal []float64
	for c := range m {
		for p := tptr[c]; p < tptr[c+1]; p++ {
			i, gi := tind[p], tval[p]
			for q := lgPtr[i]; q < lgPtr[i+1]; q++ {
				d := lgInd[q]
				if !seen[d] {
					seen[d] = true
					touched = append(touched, d)
				}
				acc[d] += gi * lgVal[q]
			}
		}
		slices.Sort(touched)
		for _, d := range touched {
			cInd = append(cInd, d)
			cVal = append(cVal, acc[d])
			acc[d], seen[d] = 0, false
		}
		touched = touched[:0]
		cPtr[c+1] = len(cInd)
	}

	// Average mirrored entries when the pattern is symmetric.
	ct := transpose(m, m, cPtr, cInd, cVal)
	if slices.Equal(ct.indptr, cPtr) && slices.Equal(ct.ind, cInd) {
		for p := range cVal {
			cVal[p] = 0.5 * (cVal[p] + ct.val[p])
		}
	}
	return sparse.NewCSR(m, m, cPtr, cInd, cVal)
}

// csrArrays are the raw arrays of a CSR matrix.
type csrArrays struct {
	indptr, ind []int
	val         []float64
}

// transpose returns the c×r transpose of the r×c CSR arrays, with sorted
// columns in every row.
func transpose(r, c int, indptr, ind []int, val []float64) csrArrays {
	t := csrArrays{indptr: make([]int, c+1), ind: make([]int, indptr[r]), val: make([]float64, indptr[r])}
	for _, j := range ind[:indptr[r]] {
		t.indptr[j+1]++
	}
	for j := range c {
		t.indptr[j+1] += t.indptr[j]
	}
	next := slices.Clone(t.indptr[:c])
	for i := range r {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			j := ind[p]
			t.ind[next[j]], t.val[next[j]] = i, val[p]
			next[j]++
		}
	}
	return t
}
