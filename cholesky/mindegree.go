package cholesky

import (
	"context"
	"slices"

	"github.com/james-bowman/sparse"
)

// MinimumDegree returns a minimum-degree fill-reducing ordering of the square
// matrix a for use with Cholesky.Factorize. At each step the vertex of
// smallest current degree in the elimination graph is eliminated and its
// neighbours are joined into a clique; ties are broken by the most recently
// updated vertex. The elimination graph is stored explicitly, so the memory
// is O(n + nnz(L)) and the time is roughly O(Σ_v d_v·(d_v + D_v)) over the
// eliminated vertices v with degree d_v and neighbour degrees D_v. That grows
// faster than n log n on mesh graphs, which is why Factorize switches to
// NestedDissection for large n (BENCHMARKS.md, section "Sparse Cholesky and
// orderings"); for graphs whose factors are dense (3D volume meshes of large
// size) it becomes expensive.
//
// An error is returned if a is not square or its raw arrays are malformed.
func MinimumDegree(a *sparse.CSR) ([]int, error) {
	n, xadj, adj, err := graphOf(a)
	if err != nil {
		return nil, err
	}
	return minimumDegree(context.Background(), n, xadj, adj), nil
}

// minimumDegree returns the minimum degree ordering, or nil if ctx is done
// before it is complete (checked about every orderingWork visits).
func minimumDegree(ctx context.Context, n int, xadj, adj0 []int) []int {
	adj := slices.Clone(adj0)
	nb := make([][]int, n)
	deg := make([]int, n)
	for i := 0; i < n; i++ {
		nb[i] = adj[xadj[i]:xadj[i+1]:xadj[i+1]]
		deg[i] = len(nb[i])
	}
	head := make([]int, n)
	next := make([]int, n)
	prev := make([]int, n)
	for i := range head {
		head[i] = -1
	}
	insert := func(v, d int) {
		next[v] = head[d]
		prev[v] = -1
		if head[d] >= 0 {
			prev[head[d]] = v
		}
		head[d] = v
	}
	remove := func(v, d int) {
		if prev[v] >= 0 {
			next[prev[v]] = next[v]
		} else {
			head[d] = next[v]
		}
		if next[v] >= 0 {
			prev[next[v]] = prev[v]
		}
	}
	for i := n - 1; i >= 0; i-- {
		insert(i, deg[i])
	}
	mark := make([]int, n)
	stamp := 0
	perm := make([]int, n)
	minD := 0
	work := 0
	for step := 0; step < n; step++ {
		if work >= orderingWork {
			work = 0
			if ctx.Err() != nil {
				return nil
			}
		}
		for head[minD] < 0 {
			minD++
		}
		v := head[minD]
		remove(v, minD)
		perm[step] = v
		clique := nb[v]
		for _, u := range clique {
			lst := nb[u]
			for t, w := range lst {
				if w == v {
					lst[t] = lst[len(lst)-1]
					lst = lst[:len(lst)-1]
					break
				}
			}
			stamp++
			mark[u] = stamp
			for _, w := range lst {
				mark[w] = stamp
			}
			for _, w := range clique {
				if mark[w] != stamp {
					lst = append(lst, w)
				}
			}
			nb[u] = lst
			work += len(lst) + len(clique)
			if d := len(lst); d != deg[u] {
				remove(u, deg[u])
				deg[u] = d
				insert(u, d)
				if d < minD {
					minD = d
				}
			}
		}
		nb[v] = nil
	}
	return perm
}
