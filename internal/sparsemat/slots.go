package sparsemat

import (
	"cmp"
	"sort"
)

// SortSlots sorts the slots of one compressed row or column: idx ascending,
// each val moving with its index, ties in idx broken by val. It does
// nothing if the slots are already in order.
func SortSlots[T cmp.Ordered](idx []int, val []T) {
	s := slots[T]{idx, val[:len(idx)]}
	if len(idx) > 1 && !sort.IsSorted(s) {
		sort.Sort(s)
	}
}

// slots sorts indices with their values.
type slots[T cmp.Ordered] struct {
	idx []int
	val []T
}

func (s slots[T]) Len() int { return len(s.idx) }
func (s slots[T]) Less(a, b int) bool {
	if s.idx[a] != s.idx[b] {
		return s.idx[a] < s.idx[b]
	}
	return s.val[a] < s.val[b]
}
func (s slots[T]) Swap(a, b int) {
	s.idx[a], s.idx[b] = s.idx[b], s.idx[a]
	s.val[a], s.val[b] = s.val[b], s.val[a]
}
