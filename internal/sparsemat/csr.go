package sparsemat

// CSR is a compressed sparse row matrix over raw arrays: row i holds the
// columns Ind[Ptr[i]:Ptr[i+1]], ascending and without duplicates, with the
// values Val at the same slots.
type CSR struct {
	Rows, Cols int
	Ptr, Ind   []int
	Val        []float64
}

// NNZ returns the number of stored entries.
func (a *CSR) NNZ() int { return len(a.Ind) }

// Mul stores dst = a·x for the c-column block x.
func (a *CSR) Mul(dst, x []float64, c int) {
	GatherMul(dst, a.Ptr, a.Ind, a.Val, x, c, 0, a.Rows)
}

// Transpose returns aᵀ in the same layout.
func (a *CSR) Transpose() *CSR {
	t := &CSR{Rows: a.Cols, Cols: a.Rows, Ptr: make([]int, a.Cols+1), Ind: make([]int, a.NNZ()), Val: make([]float64, a.NNZ())}
	for _, j := range a.Ind {
		t.Ptr[j+1]++
	}
	for j := 0; j < a.Cols; j++ {
		t.Ptr[j+1] += t.Ptr[j]
	}
	next := append([]int(nil), t.Ptr[:a.Cols]...)
	for i := 0; i < a.Rows; i++ {
		for s := a.Ptr[i]; s < a.Ptr[i+1]; s++ {
			j := a.Ind[s]
			d := next[j]
			next[j]++
			t.Ind[d] = i
			t.Val[d] = a.Val[s]
		}
	}
	return t
}

// Equal reports whether a and b have identical structure and values.
func (a *CSR) Equal(b *CSR) bool {
	if a.Rows != b.Rows || a.Cols != b.Cols || a.NNZ() != b.NNZ() {
		return false
	}
	for i, p := range a.Ptr {
		if b.Ptr[i] != p {
			return false
		}
	}
	for s := range a.Ind {
		if a.Ind[s] != b.Ind[s] || a.Val[s] != b.Val[s] {
			return false
		}
	}
	return true
}

// NewCSR builds a CSR from sorted, duplicate-free triplets.
func NewCSR(rows, cols int, ts []Triplet) *CSR {
	a := &CSR{Rows: rows, Cols: cols, Ptr: make([]int, rows+1), Ind: make([]int, len(ts)), Val: make([]float64, len(ts))}
	for s, t := range ts {
		a.Ptr[t.I+1]++
		a.Ind[s] = t.J
		a.Val[s] = t.V
	}
	for i := 0; i < rows; i++ {
		a.Ptr[i+1] += a.Ptr[i]
	}
	return a
}

// RowDot returns the inner product of row i of a and row j of b.
func RowDot(a *CSR, i int, b *CSR, j int) float64 {
	s, se := a.Ptr[i], a.Ptr[i+1]
	t, te := b.Ptr[j], b.Ptr[j+1]
	var sum float64
	for s < se && t < te {
		switch {
		case a.Ind[s] < b.Ind[t]:
			s++
		case a.Ind[s] > b.Ind[t]:
			t++
		default:
			sum += a.Val[s] * b.Val[t]
			s++
			t++
		}
	}
	return sum
}
