package sparsemat

import "sort"

// ProductFlops returns the multiply-adds of the product of the compressed
// rows (aptr, aind) with the compressed rows bptr: Σ_i Σ_{t∈A[i,:]} |B[aind[t],:]|.
func ProductFlops(aptr, aind, bptr []int, rows int) float64 {
	var f float64
	for t := aptr[0]; t < aptr[rows]; t++ {
		a := aind[t]
		f += float64(bptr[a+1] - bptr[a])
	}
	return f
}

// Structure is a compressed-row sparsity structure with ascending columns.
type Structure struct {
	Ptr, Ind []int
	Flops    float64 // multiply-adds of the product it came from
}

// SymbolicProduct returns the structure of the product of the compressed
// rows (aptr, aind) (rows rows) with (bptr, bind) (cols columns). mark is
// scratch of length cols.
func SymbolicProduct(rows, cols int, aptr, aind, bptr, bind []int, mark []int) Structure {
	for j := range mark[:cols] {
		mark[j] = -1
	}
	ptr := make([]int, rows+1)
	var ind []int
	var flops float64
	for i := 0; i < rows; i++ {
		start := len(ind)
		for t := aptr[i]; t < aptr[i+1]; t++ {
			a := aind[t]
			flops += float64(bptr[a+1] - bptr[a])
			for _, j := range bind[bptr[a]:bptr[a+1]] {
				if mark[j] != i {
					mark[j] = i
					ind = append(ind, j)
				}
			}
		}
		sort.Ints(ind[start:])
		ptr[i+1] = len(ind)
	}
	return Structure{Ptr: ptr, Ind: ind, Flops: flops}
}
