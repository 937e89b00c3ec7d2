package coarsen

import (
	"fmt"
	"math"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// Pattern returns the allowed nonzeros of the n×m prolongation G for the
// clustering cl of the graph of the n×n matrix L,
//
//	H = (Kᵀ ((K (L≠0) Kᵀ) ≠ 0)) ≠ 0,
//
// where K is the m×n 0/1 assignment matrix: G(i, c) is allowed when c is the
// cluster of vertex i or a cluster that contains some j with L_ij ≠ 0
// (numerically; stored zeros do not connect clusters). Row i's own cluster is
// always included, even if L_ii = 0. The subscripts (rows[p], cols[p]) are
// sorted by row, then column, without duplicates; every vertex has at least
// one. The cost is O(nnz(L) log nnz(L) + len(rows)).
//
// Pattern panics if L is not square with n = len(cl.Assign), if its CSR arrays
// are malformed, or if cl is not a valid clustering (assignments in
// [0, len(cl.Roots)), each root in its own cluster).
func Pattern(L *sparse.CSR, cl *Clustering) (rows, cols []int) {
	n := len(cl.Assign)
	indptr, ind, data := rawCSR(L, n)
	m := checkClustering(cl, n)

	// Cluster adjacency J as sorted, de-duplicated keys a*m + b.
	keys := make([]int, 0, m+indptr[n])
	for c := range m {
		keys = append(keys, c*m+c)
	}
	for i := range n {
		a := cl.Assign[i]
		for p := indptr[i]; p < indptr[i+1]; p++ {
			if data[p] != 0 {
				if b := cl.Assign[ind[p]]; b != a {
					keys = append(keys, a*m+b)
				}
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	jptr := make([]int, m+1)
	for _, k := range keys {
		jptr[k/m+1]++
	}
	for c := range m {
		jptr[c+1] += jptr[c]
	}

	nnz := 0
	for _, a := range cl.Assign {
		nnz += jptr[a+1] - jptr[a]
	}
	rows = make([]int, 0, nnz)
	cols = make([]int, 0, nnz)
	for i, a := range cl.Assign {
		for _, k := range keys[jptr[a]:jptr[a+1]] {
			rows = append(rows, i)
			cols = append(cols, k%m)
		}
	}
	return rows, cols
}

// Data is the published spectral coarsening problem in the form
// minimize ‖X − Y Gᵀ L G B‖²_F over the values of G on the pattern
// (Rows, Cols), subject to every row of G summing to 1.
type Data struct {
	// X = Mc^{1/2} P M⁻¹ L U, m×k.
	X *mat.Dense
	// B = P U, m×k: the rows of U at the roots.
	B *mat.Dense
	// Y = Mc^{-1/2}, m×m diagonal.
	Y *mat.DiagDense
	// Rows and Cols are the pattern subscripts of G (n×m), from Pattern.
	Rows, Cols []int
	// G0 holds the values of the initial guess in pattern order: from
	// Setup, G = Kᵀ, 1 at (i, Assign[i]) and 0 elsewhere, so every row sums
	// to 1; in Spectral's result, Kᵀ smoothed by Options.Smoothing steps of
	// Smooth.
	G0 []float64
	// Mc holds the m cluster masses, the diagonal of K M Kᵀ.
	Mc []float64
}

// Setup assembles the spectral coarsening problem for the n×n operator L,
// its n diagonal masses, the n×k matrix U of eigenvectors and the clustering
// cl with m clusters:
//
//	Mc = K M Kᵀ (diagonal),  X = Mc^{1/2} P M⁻¹ L U,  Y = Mc^{-1/2},  B = P U,
//
// where K is the m×n 0/1 assignment and P the m×n injection of the roots
// (P(c, Roots[c]) = 1). Row c of X is sqrt(Mc_c)/M_r Σ_j L_rj U_j,: for the
// root r of cluster c, so only the root rows of L are read. U is meant to
// hold M-orthonormal generalized eigenvectors of (L, M) by increasing
// eigenvalue, the constant one included; Setup does not check this. The
// pattern comes from Pattern and G0 is G = Kᵀ. The cost is
// O(nnz(L) log nnz(L) + n + k·nnz(root rows of L)).
//
// Setup returns an error if a mass is not positive and finite, or an entry of
// L or U is not finite. It panics if L is not n×n with n = len(mass), its CSR
// arrays are malformed, U does not have n rows, or cl is not a valid
// clustering of n vertices.
func Setup(L *sparse.CSR, mass []float64, U *mat.Dense, cl *Clustering) (*Data, error) {
	n := len(mass)
	indptr, ind, data := rawCSR(L, n)
	ur, k := U.Dims()
	if ur != n {
		panic(fmt.Sprintf("coarsen: U has %d rows, want %d", ur, n))
	}
	m := checkClustering(cl, n)
	if err := checkData(indptr, ind, data, mass); err != nil {
		return nil, fmt.Errorf("coarsen: %w", err)
	}
	u := U.RawMatrix()
	for i := range n {
		for j, v := range u.Data[i*u.Stride : i*u.Stride+k] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("coarsen: U(%d,%d) = %v is not finite", i, j, v)
			}
		}
	}

	d := &Data{
		X:  mat.NewDense(m, k, nil),
		B:  mat.NewDense(m, k, nil),
		Mc: make([]float64, m),
	}
	for i, c := range cl.Assign {
		d.Mc[c] += mass[i]
	}
	y := make([]float64, m)
	for c, mc := range d.Mc {
		y[c] = 1 / math.Sqrt(mc)
	}
	d.Y = mat.NewDiagDense(m, y)

	x, b := d.X.RawMatrix(), d.B.RawMatrix()
	for c, r := range cl.Roots {
		xrow := x.Data[c*x.Stride : c*x.Stride+k]
		for p := indptr[r]; p < indptr[r+1]; p++ {
			l := data[p]
			urow := u.Data[ind[p]*u.Stride : ind[p]*u.Stride+k]
			for t, v := range urow {
				xrow[t] += l * v
			}
		}
		s := math.Sqrt(d.Mc[c]) / mass[r]
		for t := range xrow {
			xrow[t] *= s
		}
		copy(b.Data[c*b.Stride:c*b.Stride+k], u.Data[r*u.Stride:r*u.Stride+k])
	}

	d.Rows, d.Cols = Pattern(L, cl)
	d.G0 = make([]float64, len(d.Rows))
	for p, i := range d.Rows {
		if d.Cols[p] == cl.Assign[i] {
			d.G0[p] = 1
		}
	}
	return d, nil
}
