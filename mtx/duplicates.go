package mtx

import (
	"fmt"
	"math"

	"github.com/sparsels/sparsels/internal/bytesize"
)

// Duplicates is what a Reader does with coordinate entries that repeat a
// position. The Matrix Market format does not define their meaning; most
// readers (MATLAB's mmread, SciPy's tocsr) sum them.
type Duplicates int

const (
	// KeepDuplicates stores every entry as the file gives it, so that
	// Matrix.Duplicate can report repeated positions and Matrix.CSR and
	// Matrix.Dense sum them. Memory is proportional to the entry count.
	KeepDuplicates Duplicates = iota
	// SumDuplicates adds every repeated entry into the first entry at its
	// position, in file order, while reading: the Matrix has no repeated
	// positions, each entry keeps the line of its first occurrence, and
	// memory is bounded by the number of distinct positions, however many
	// entries the file repeats. A sum that overflows is an error naming
	// the line that made it overflow.
	SumDuplicates
	// RejectDuplicates makes a repeated position an error naming both
	// lines, reported for the earliest entry that repeats an earlier one.
	RejectDuplicates
)

// String returns "keep", "sum" or "reject".
func (d Duplicates) String() string {
	switch d {
	case KeepDuplicates:
		return "keep"
	case SumDuplicates:
		return "sum"
	case RejectDuplicates:
		return "reject"
	}
	return fmt.Sprintf("Duplicates(%d)", int(d))
}

// coordBytes is the storage of one coordinate entry: I, J, V and Line.
const coordBytes = 32

// mergeThreshold returns the number of stored entries at which the
// duplicates of a coordinate file are merged while reading: never for
// KeepDuplicates, otherwise twice the number of positions of the matrix
// plus 1024, so that at least half of the stored entries are new between
// two merges and the cost stays O(log) per entry.
func mergeThreshold(d Duplicates, h Header) int {
	if d == KeepDuplicates || h.Rows <= 0 || h.Cols <= 0 || h.Cols > (math.MaxInt/2-1024)/h.Rows {
		return math.MaxInt
	}
	return 2*h.Rows*h.Cols + 1024
}

// Storage returns the bytes that a Matrix read by rd from a file with the
// header h stores at most, computed in floating point so that it cannot
// overflow: 32 bytes per coordinate entry (with SumDuplicates or
// RejectDuplicates no more entries than twice the number of positions plus
// 1024 are ever held), and for array files 8 bytes per value plus 8·Rows·Cols
// for the expansion of a symmetric or skew-symmetric matrix.
func (rd Reader) Storage(h Header) float64 {
	if h.Format == Array {
		b := 8 * float64(h.NNZ)
		if h.Symmetry != General {
			b += 8 * float64(h.Rows) * float64(h.Cols)
		}
		return b
	}
	return coordBytes * float64(min(h.NNZ, mergeThreshold(rd.Duplicates, h)))
}

// storageText describes the storage need of a matrix with header h.
func storageText(h Header, need float64) string {
	if h.Format == Array {
		return fmt.Sprintf("a %dx%d array needs %s", h.Rows, h.Cols, bytesize.Format(need))
	}
	return fmt.Sprintf("%d entries need %s", h.NNZ, bytesize.Format(need))
}

// merge applies the duplicate policy to the entries read so far: with
// SumDuplicates it adds every repeated entry into the first one at its
// position and removes it, keeping file order; with RejectDuplicates it
// reports the earliest entry that repeats an earlier one. It takes
// O(e log e) time and O(e + min(Rows, 2e)) extra memory for e entries.
func (p *parser) merge(m *Matrix) error {
	if p.rd.Duplicates == KeepDuplicates || len(m.I) < 2 {
		return nil
	}
	perm := p.scratch.order(m.Rows, m.I, m.J)
	k2 := -1 // the earliest entry that repeats an earlier one
	k1 := -1
	for a := 0; a < len(perm); {
		b := a + 1
		for b < len(perm) && m.I[perm[b]] == m.I[perm[a]] && m.J[perm[b]] == m.J[perm[a]] {
			b++
		}
		// perm[a:b] is one position, in increasing entry order.
		if b-a > 1 {
			first := perm[a]
			if p.rd.Duplicates == RejectDuplicates {
				if k2 < 0 || perm[a+1] < k2 {
					k1, k2 = first, perm[a+1]
				}
			} else {
				for _, k := range perm[a+1 : b] {
					m.V[first] += m.V[k]
					if math.IsInf(m.V[first], 0) {
						return p.errorf(m.Line[k], "entry (%d,%d) overflows when its duplicates are summed (first given on line %d)",
							m.I[k]+1, m.J[k]+1, m.Line[first])
					}
					m.Line[k] = 0 // removed below
				}
			}
		}
		a = b
	}
	if k2 >= 0 {
		return p.errorf(m.Line[k2], "duplicate entry (%d,%d), first given on line %d", m.I[k2]+1, m.J[k2]+1, m.Line[k1])
	}
	n := 0
	for k, l := range m.Line {
		if l == 0 {
			continue
		}
		m.I[n], m.J[n], m.V[n], m.Line[n] = m.I[k], m.J[k], m.V[k], l
		n++
	}
	m.I, m.J, m.V, m.Line = m.I[:n], m.J[:n], m.V[:n], m.Line[:n]
	return nil
}
