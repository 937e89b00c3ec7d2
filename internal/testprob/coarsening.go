package testprob

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// coarseNeighbors is the number of pattern entries per row of G besides the cluster column.
const coarseNeighbors = 6

// Coarsening returns a problem shaped like the restriction of an operator on a fine mesh with n
// vertices to a coarse one with m vertices, with r = m:
//
//   - L (n×n, *sparse.CSR) is the weighted graph Laplacian D - W of a triangulated grid of width
//     ceil(sqrt(n)) (each vertex joined to its right, upper and upper-right neighbours) with edge
//     weights uniform in [0.5, 1.5]. It is symmetric positive semidefinite with at most 7 nonzeros
//     per row.
//   - The n vertices sit at jittered grid positions; m distinct of them, chosen at random and
//     numbered in increasing vertex order, are the coarse seeds. Every fine vertex belongs to the
//     cluster of its nearest seed, so no cluster is empty.
//   - Row i of the pattern holds min(m, 7) entries: first the cluster column of vertex i, then the
//     columns of the next nearest seeds by increasing distance. The pattern is listed row by row in
//     this order (so columns are not sorted within a row). The starting values G are positive,
//     largest on the cluster column, and every row sums to 1 up to rounding.
//   - Y (m×m) is a *mat.DiagDense with diagonal uniform in [0.5, 1.5], or, when denseY is true, a
//     *mat.Dense with that diagonal plus off-diagonal entries uniform in [-1/m, 1/m].
//   - B (m×c) is dense uniform in [-1, 1].
//   - GTrue is G with every value scaled by a factor uniform in [0.9, 1.1] and each row
//     renormalised to sum 1, and X = Y Gᵀ L G B (m×c, dense) evaluated at GTrue, so the problem
//     has a zero-residual solution that differs from the starting point.
//
// Coarsening costs O(n m) time. It panics unless 1 <= m <= n and c >= 1.
func Coarsening(n, m, c int, denseY bool, seed uint64) *Instance {
	if m < 1 || n < m || c < 1 {
		panic(fmt.Sprintf("testprob: Coarsening needs 1 <= m <= n and c >= 1, have n=%d m=%d c=%d", n, m, c))
	}
	rng := rand.New(rand.NewPCG(seed, 0xc2b2ae3d27d4eb4f))
	w := int(math.Ceil(math.Sqrt(float64(n))))

	// Jittered vertex positions.
	px := make([]float64, n)
	py := make([]float64, n)
	for i := range n {
		px[i] = float64(i%w) + 0.3*uniform(rng)
		py[i] = float64(i/w) + 0.3*uniform(rng)
	}

	L := gridLaplacian(rng, n, w)

	// Seeds, in increasing vertex order.
	seeds := rng.Perm(n)[:m]
	slices.Sort(seeds)

	// Pattern: cluster column first, then the nearest other seeds.
	k := min(m-1, coarseNeighbors)
	per := k + 1
	inst := &Instance{
		I:     make([]int, 0, n*per),
		J:     make([]int, 0, n*per),
		G:     make([]float64, 0, n*per),
		GTrue: make([]float64, 0, n*per),
	}
	bestD := make([]float64, per)
	bestJ := make([]int, per)
	vals := make([]float64, per)
	for i := range n {
		cnt := 0
		for s, v := range seeds {
			dx, dy := px[i]-px[v], py[i]-py[v]
			d := dx*dx + dy*dy
			if cnt == per && d >= bestD[per-1] {
				continue
			}
			// Insertion into the sorted list of the per nearest seeds.
			p := min(cnt, per-1)
			for p > 0 && bestD[p-1] > d {
				bestD[p], bestJ[p] = bestD[p-1], bestJ[p-1]
				p--
			}
			bestD[p], bestJ[p] = d, s
			if cnt < per {
				cnt++
			}
		}
		sum := 0.0
		for q := range per {
			if q == 0 {
				vals[q] = 1 + rng.Float64()
			} else {
				vals[q] = 0.05 + 0.2*rng.Float64()
			}
			sum += vals[q]
		}
		for q := range per {
			inst.I = append(inst.I, i)
			inst.J = append(inst.J, bestJ[q])
			inst.G = append(inst.G, vals[q]/sum)
		}
		// Perturbed truth for the same row.
		sum = 0
		for q := range per {
			vals[q] = inst.G[len(inst.G)-per+q] * (1 + 0.1*uniform(rng))
			sum += vals[q]
		}
		for q := range per {
			inst.GTrue = append(inst.GTrue, vals[q]/sum)
		}
	}

	var Y mat.Matrix
	ydiag := make([]float64, m)
	for j := range ydiag {
		ydiag[j] = 0.5 + rng.Float64()
	}
	if denseY {
		yd := mat.NewDense(m, m, nil)
		for a := range m {
			for b := range m {
				if a == b {
					yd.Set(a, b, ydiag[a])
				} else {
					yd.Set(a, b, uniform(rng)/float64(m))
				}
			}
		}
		Y = yd
	} else {
		Y = mat.NewDiagDense(m, ydiag)
	}
	B := mat.NewDense(m, c, nil)
	for a := range m {
		for b := range c {
			B.Set(a, b, uniform(rng))
		}
	}

	inst.L, inst.Y, inst.B = L, Y, B
	inst.X = product(Y, L, B, inst.I, inst.J, inst.GTrue, n, m)
	return inst
}

// gridLaplacian returns the weighted Laplacian of the triangulated grid of width w on n vertices
// as a CSR matrix with sorted column indices.
func gridLaplacian(rng *rand.Rand, n, w int) *sparse.CSR {
	type edge struct {
		j int
		v float64
	}
	adj := make([][]edge, n)
	add := func(i, j int) {
		v := 0.5 + rng.Float64()
		adj[i] = append(adj[i], edge{j, v})
		adj[j] = append(adj[j], edge{i, v})
	}
	for i := range n {
		x := i % w
		if x+1 < w && i+1 < n {
			add(i, i+1)
		}
		if i+w < n {
			add(i, i+w)
		}
		if x+1 < w && i+w+1 < n {
			add(i, i+w+1)
		}
	}
	indptr := make([]int, n+1)
	ind := make([]int, 0, 7*n)
	data := make([]float64, 0, 7*n)
	for i := range n {
		slices.SortFunc(adj[i], func(a, b edge) int { return a.j - b.j })
		deg := 0.0
		for _, e := range adj[i] {
			deg += e.v
		}
		placed := false
		for _, e := range adj[i] {
			if !placed && e.j > i {
				ind = append(ind, i)
				data = append(data, deg)
				placed = true
			}
			ind = append(ind, e.j)
			data = append(data, -e.v)
		}
		if !placed {
			ind = append(ind, i)
			data = append(data, deg)
		}
		indptr[i+1] = len(ind)
	}
	return sparse.NewCSR(n, n, indptr, ind, data)
}

// product returns Y Gᵀ L G B for G (n×m) given by the triplets (I, J, g) in any order and L a
// CSR matrix. It works on raw arrays and costs O(nnz(G) c + nnz(L) c) plus
// the product with Y.
func product(Y mat.Matrix, L *sparse.CSR, B *mat.Dense, I, J []int, g []float64, n, m int) *mat.Dense {
	_, c := B.Dims()
	gb := mat.NewDense(n, c, nil) // G B
	for k, i := range I {
		row := gb.RawRowView(i)
		brow := B.RawRowView(J[k])
		for q := range row {
			row[q] += g[k] * brow[q]
		}
	}
	lgb := mat.NewDense(n, c, nil) // L G B
	raw := L.RawMatrix()
	for i := range n {
		row := lgb.RawRowView(i)
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			src := gb.RawRowView(raw.Ind[p])
			v := raw.Data[p]
			for q := range row {
				row[q] += v * src[q]
			}
		}
	}
	t := mat.NewDense(m, c, nil) // Gᵀ L G B
	for k, i := range I {
		row := t.RawRowView(J[k])
		src := lgb.RawRowView(i)
		for q := range row {
			row[q] += g[k] * src[q]
		}
	}
	x := mat.NewDense(m, c, nil)
	if d, ok := Y.(*mat.DiagDense); ok {
		for a := range m {
			row := x.RawRowView(a)
			src := t.RawRowView(a)
			v := d.At(a, a)
			for q := range row {
				row[q] = v * src[q]
			}
		}
	} else {
		x.Mul(Y, t)
	}
	return x
}
