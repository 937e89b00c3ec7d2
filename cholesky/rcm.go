package cholesky

import (
	"slices"

	"github.com/james-bowman/sparse"
)

// ReverseCuthillMcKee returns the reverse Cuthill–McKee ordering of the square
// matrix a, which reduces the bandwidth and envelope (profile) of P A Pᵀ.
// Each connected component is numbered by a breadth-first search from a
// pseudo-peripheral vertex (found by the George–Liu iteration), visiting the
// neighbours of a vertex in order of increasing degree, and the resulting
// order is reversed. Components are taken in order of their smallest vertex.
//
// The cost is O(nnz(a)) time per George–Liu sweep (a few per component) plus
// sorting each vertex's neighbours, and O(n + nnz(a)) memory. An error is
// returned if a is not square or its raw arrays are malformed.
func ReverseCuthillMcKee(a *sparse.CSR) ([]int, error) {
	n, xadj, adj, err := graphOf(a)
	if err != nil {
		return nil, err
	}
	return rcm(n, xadj, adj), nil
}

func rcm(n int, xadj, adj []int) []int {
	deg := make([]int, n)
	for i := range deg {
		deg[i] = xadj[i+1] - xadj[i]
	}
	order := make([]int, 0, n)
	visited := make([]bool, n)
	level := make([]int, n) // BFS level stamps for the pseudo-peripheral search
	stamp := make([]int, n)
	queue := make([]int, n)
	sweep := 0
	var nbuf []int

	// bfs performs a breadth-first search from root over unvisited vertices,
	// returning the number of vertices reached, the eccentricity of root and a
	// minimum-degree vertex of the last level.
	bfs := func(root int) (count, ecc, far int) {
		sweep++
		stamp[root] = sweep
		level[root] = 0
		queue[0] = root
		head, tail := 0, 1
		for head < tail {
			v := queue[head]
			head++
			for _, w := range adj[xadj[v]:xadj[v+1]] {
				if visited[w] || stamp[w] == sweep {
					continue
				}
				stamp[w] = sweep
				level[w] = level[v] + 1
				queue[tail] = w
				tail++
			}
		}
		ecc = level[queue[tail-1]]
		far = -1
		for t := tail - 1; t >= 0 && level[queue[t]] == ecc; t-- {
			v := queue[t]
			if far < 0 || deg[v] < deg[far] || (deg[v] == deg[far] && v < far) {
				far = v
			}
		}
		return tail, ecc, far
	}

	for s := 0; s < n; s++ {
		if visited[s] {
			continue
		}
		// George–Liu pseudo-peripheral vertex search. Start from a vertex of
		// minimum degree in the component.
		count, _, _ := bfs(s)
		root := s
		for t := 0; t < count; t++ {
			v := queue[t]
			if deg[v] < deg[root] || (deg[v] == deg[root] && v < root) {
				root = v
			}
		}
		_, ecc, far := bfs(root)
		for iter := 0; iter < count; iter++ {
			_, e2, f2 := bfs(far)
			if e2 <= ecc {
				break
			}
			root, ecc, far = far, e2, f2
		}
		// Cuthill–McKee from root.
		start := len(order)
		order = append(order, root)
		visited[root] = true
		for h := start; h < len(order); h++ {
			v := order[h]
			nbuf = nbuf[:0]
			for _, w := range adj[xadj[v]:xadj[v+1]] {
				if !visited[w] {
					visited[w] = true
					nbuf = append(nbuf, w)
				}
			}
			slices.SortFunc(nbuf, func(x, y int) int {
				if deg[x] != deg[y] {
					return deg[x] - deg[y]
				}
				return x - y
			})
			order = append(order, nbuf...)
		}
	}
	slices.Reverse(order)
	return order
}
