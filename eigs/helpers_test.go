package eigs

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// triplet is one entry of a matrix under construction.
type triplet struct {
	i, j int
	v    float64
}

// buildCSR assembles an n×n CSR matrix from triplets (duplicates summed),
// using raw arrays with rows' columns in ascending order.
func buildCSR(n int, ts []triplet) *sparse.CSR {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b triplet) int {
		if a.i != b.i {
			return a.i - b.i
		}
		return a.j - b.j
	})
	indptr := make([]int, n+1)
	var ind []int
	var data []float64
	for t := 0; t < len(ts); {
		e := ts[t]
		v := 0.0
		for t < len(ts) && ts[t].i == e.i && ts[t].j == e.j {
			v += ts[t].v
			t++
		}
		ind = append(ind, e.j)
		data = append(data, v)
		indptr[e.i+1]++
	}
	for i := 0; i < n; i++ {
		indptr[i+1] += indptr[i]
	}
	return sparse.NewCSR(n, n, indptr, ind, data)
}

// graphLaplacian returns the weighted graph Laplacian of the undirected edges
// (u, v, w): L[u,u] += w, L[v,v] += w, L[u,v] = L[v,u] -= w.
func graphLaplacian(n int, edges []triplet) []triplet {
	var ts []triplet
	for i := 0; i < n; i++ {
		ts = append(ts, triplet{i, i, 0})
	}
	for _, e := range edges {
		ts = append(ts, triplet{e.i, e.i, e.v}, triplet{e.j, e.j, e.v},
			triplet{e.i, e.j, -e.v}, triplet{e.j, e.i, -e.v})
	}
	return ts
}

// gridEdges returns the unit-weight edges of the nx×ny grid graph with
// vertex (x, y) numbered x + nx·y.
func gridEdges(nx, ny int) []triplet {
	var es []triplet
	for y := 0; y < ny; y++ {
		for x := 0; x < nx; x++ {
			v := x + nx*y
			if x+1 < nx {
				es = append(es, triplet{v, v + 1, 1})
			}
			if y+1 < ny {
				es = append(es, triplet{v, v + nx, 1})
			}
		}
	}
	return es
}

// gridLaplacian returns the Laplacian of the nx×ny grid graph.
func gridLaplacian(nx, ny int) *sparse.CSR {
	return buildCSR(nx*ny, graphLaplacian(nx*ny, gridEdges(nx, ny)))
}

// pathLaplacian returns the Laplacian of the path graph on n vertices, whose
// eigenvalues are 2 − 2cos(πj/n), j = 0..n-1.
func pathLaplacian(n int) *sparse.CSR {
	var es []triplet
	for i := 0; i+1 < n; i++ {
		es = append(es, triplet{i, i + 1, 1})
	}
	return buildCSR(n, graphLaplacian(n, es))
}

// geometricEdges returns the edges of a random geometric graph on n points
// in the unit square joined when closer than radius, with weights in
// [0.5, 1.5), and a chain through all points so the graph is connected.
func geometricEdges(n int, radius float64, rnd *rand.Rand) []triplet {
	xs := make([]float64, n)
	ys := make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = rnd.Float64(), rnd.Float64()
	}
	var es []triplet
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if math.Hypot(xs[i]-xs[j], ys[i]-ys[j]) < radius || j == i+1 {
				es = append(es, triplet{i, j, 0.5 + rnd.Float64()})
			}
		}
	}
	return es
}

// permuteSym returns P a Pᵀ for the permutation perm (new i = old perm[i]).
func permuteSym(a *sparse.CSR, perm []int) *sparse.CSR {
	n, _ := a.Dims()
	inv := make([]int, n)
	for i, p := range perm {
		inv[p] = i
	}
	var ts []triplet
	a.DoNonZero(func(i, j int, v float64) {
		ts = append(ts, triplet{inv[i], inv[j], v})
	})
	return buildCSR(n, ts)
}

// denseOf returns a as a dense matrix, summing duplicate entries.
func denseOf(a *sparse.CSR) *mat.Dense {
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

// identityPerm returns 0..n-1.
func identityPerm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
