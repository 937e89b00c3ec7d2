// Package sparsemat holds the sparse-matrix layer under package sparsels:
// compressed-row matrices over raw arrays, the reading of any mat.Matrix
// into sorted triplets, the storage of a factor as diagonal, sparse or
// dense, symbolic sparse products, and the gather kernels that multiply
// them with dense blocks.
//
// Dense blocks are stored row-major with c columns: row i of x is
// x[i·c : i·c+c]. Every product is a gather over rows, so rows of the
// destination are written independently and results do not depend on how
// rows are split between goroutines; the kernels are plain loops over the
// raw slices, and the Kernel types run them under package parallel.
package sparsemat
