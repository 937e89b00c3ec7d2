// Package sparsetest builds the sparse test matrices shared by the tests of
// the cholesky and eigs packages: matrices from triplets, graph Laplacians of
// grids, paths and random geometric graphs, and dense copies for reference
// computations.
package sparsetest

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// Triplet is one entry A[I,J] = V of a matrix under construction. It is an
// alias of an unnamed struct type so that other packages may write tables of
// triplets unkeyed.
type Triplet = struct {
	I, J int
	V    float64
}

// BuildCSR assembles an n×n CSR matrix from triplets (duplicates summed),
// using raw arrays with rows' columns in ascending order.
func BuildCSR(n int, ts []Triplet) *sparse.CSR {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b Triplet) int {
		if a.I != b.I {
			return a.I - b.I
		}
		return a.J - b.J
	})
	indptr := make([]int, n+1)
	var ind []int
	var data []float64
	for t := 0; t < len(ts); {
		e := ts[t]
		v := 0.0
		for t < len(ts) && ts[t].I == e.I && ts[t].J == e.J {
			v += ts[t].V
			t++
		}
		ind = append(ind, e.J)
		data = append(data, v)
		indptr[e.I+1]++
	}
	for i := 0; i < n; i++ {
		indptr[i+1] += indptr[i]
	}
	return sparse.NewCSR(n, n, indptr, ind, data)
}

// GraphLaplacian returns the weighted graph Laplacian of the undirected edges
// (u, v, w): L[u,u] += w, L[v,v] += w, L[u,v] = L[v,u] -= w.
func GraphLaplacian(n int, edges []Triplet) []Triplet {
	var ts []Triplet
	for i := 0; i < n; i++ {
		ts = append(ts, Triplet{i, i, 0})
	}
	for _, e := range edges {
		ts = append(ts, Triplet{e.I, e.I, e.V}, Triplet{e.J, e.J, e.V},
			Triplet{e.I, e.J, -e.V}, Triplet{e.J, e.I, -e.V})
	}
	return ts
}

// GridEdges returns the unit-weight edges of the nx×ny grid graph with
// vertex (x, y) numbered x + nx·y.
func GridEdges(nx, ny int) []Triplet {
	var es []Triplet
	for y := 0; y < ny; y++ {
		for x := 0; x < nx; x++ {
			v := x + nx*y
			if x+1 < nx {
				es = append(es, Triplet{v, v + 1, 1})
			}
			if y+1 < ny {
				es = append(es, Triplet{v, v + nx, 1})
			}
		}
	}
	return es
}

// GridLaplacian returns the Laplacian of the nx×ny grid graph.
func GridLaplacian(nx, ny int) *sparse.CSR {
	return BuildCSR(nx*ny, GraphLaplacian(nx*ny, GridEdges(nx, ny)))
}

// PathLaplacian returns the Laplacian of the path graph on n vertices, whose
// eigenvalues are 2 − 2cos(πj/n), j = 0..n-1.
func PathLaplacian(n int) *sparse.CSR {
	var es []Triplet
	for i := 0; i+1 < n; i++ {
		es = append(es, Triplet{i, i + 1, 1})
	}
	return BuildCSR(n, GraphLaplacian(n, es))
}

// GeometricEdges returns the edges of a random geometric graph on n points
// in the unit square joined when closer than radius, with weights in
// [0.5, 1.5), and a chain through all points so the graph is connected.
func GeometricEdges(n int, radius float64, rnd *rand.Rand) []Triplet {
	xs := make([]float64, n)
	ys := make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = rnd.Float64(), rnd.Float64()
	}
	var es []Triplet
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if math.Hypot(xs[i]-xs[j], ys[i]-ys[j]) < radius || j == i+1 {
				es = append(es, Triplet{i, j, 0.5 + rnd.Float64()})
			}
		}
	}
	return es
}

// Dense returns a as a dense matrix, summing duplicate entries.
func Dense(a *sparse.CSR) *mat.Dense {
	n, m := a.Dims()
	d := mat.NewDense(n, m, nil)
	raw := a.RawMatrix()
	for i := 0; i < n; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			d.Set(i, raw.Ind[p], d.At(i, raw.Ind[p])+raw.Data[p])
		}
	}
	return d
}
