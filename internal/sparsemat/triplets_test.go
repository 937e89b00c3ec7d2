package sparsemat

import (
	"slices"
	"testing"
)

// TestSortSum checks that SortSum sorts by row then column and sums
// repeated subscripts, and returns strictly increasing input as it is.
func TestSortSum(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []Triplet
		want []Triplet
	}{
		{"empty", nil, nil},
		{"sorted", []Triplet{{0, 1, 1}, {0, 2, 2}, {2, 0, 3}}, []Triplet{{0, 1, 1}, {0, 2, 2}, {2, 0, 3}}},
		{"unsorted", []Triplet{{2, 0, 3}, {0, 2, 2}, {0, 1, 1}}, []Triplet{{0, 1, 1}, {0, 2, 2}, {2, 0, 3}}},
		{"sorted with a repeat", []Triplet{{0, 1, 1}, {0, 1, 0.5}, {1, 0, 2}}, []Triplet{{0, 1, 1.5}, {1, 0, 2}}},
		{"unsorted with a repeat", []Triplet{{1, 0, 2}, {0, 1, 1}, {1, 0, 0.25}}, []Triplet{{0, 1, 1}, {1, 0, 2.25}}},
	} {
		in := slices.Clone(tc.in)
		got := SortSum(in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: SortSum = %v, want %v", tc.name, got, tc.want)
		}
		if len(got) > 0 && &got[0] != &in[0] {
			t.Errorf("%s: SortSum did not work in place", tc.name)
		}
	}
}
