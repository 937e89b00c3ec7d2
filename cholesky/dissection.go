package cholesky

import (
	"context"

	"github.com/james-bowman/sparse"
)

// dissectionLeaf is the size up to which NestedDissection stops splitting a
// subgraph and orders it by minimum degree (a variable for the tests). Large
// leaves give smaller factors on mesh graphs than small ones (BENCHMARKS.md,
// section "Sparse Cholesky and orderings").
var dissectionLeaf = 2000

// balanceWindow is the least fraction of a subgraph's vertices on each side
// of a NestedDissection separator: among the BFS levels that leave at least
// this fraction on both sides the smallest is chosen (else the most
// balanced). The middle level of a BFS from a corner of a square grid is its
// longest diagonal, so a narrower window than one half finds the shorter
// separators off the middle (BENCHMARKS.md, section "Sparse Cholesky and
// orderings").
const balanceWindow = 0.3

// NestedDissection returns a nested dissection fill-reducing ordering of the
// square matrix a for use with Cholesky.Factorize. The graph of the symmetric
// pattern of a + aᵀ is split recursively: each connected subgraph of more
// than 2000 vertices is cut by a level set of a breadth-first search
// from a pseudo-peripheral vertex (George–Liu), the level that best balances
// the two sides, reduced to its vertices adjacent to the far side; the two
// sides are ordered first (recursively) and the separator last. Subgraphs
// below the leaf size are ordered by minimum degree.
//
// On 2D meshes (surface meshes) the separators have O(√n) vertices, the
// factor O(n log n) entries and the factorization O(n^{3/2}) flops. The
// ordering itself costs O((n + nnz(a)) log n) time and O(n + nnz(a)) memory.
// An error is returned if a is not square or its raw arrays are malformed.
func NestedDissection(a *sparse.CSR) ([]int, error) {
	n, xadj, adj, err := graphOf(a)
	if err != nil {
		return nil, err
	}
	return nestedDissection(context.Background(), n, xadj, adj), nil
}

// dissector holds the work arrays of nestedDissection.
type dissector struct {
	ctx       context.Context
	stopped   bool // ctx was done: perm is incomplete
	xadj, adj []int
	verts     []int // vertices of the live subgraphs, by range
	owner     []int // owner[v]: id of the subgraph v belongs to
	level     []int // BFS level of v in the current search
	stamp     []int // search id that last reached v
	queue     []int
	search    int
	nextID    int
	perm      []int
	// Local minimum degree buffers.
	local, lxadj, ladj []int
}

// nestedDissection returns the nested dissection ordering, or nil if ctx is
// done before it is complete (checked at every dissection step and in the
// leaves' minimum degree orderings).
func nestedDissection(ctx context.Context, n int, xadj, adj []int) []int {
	d := &dissector{
		ctx:  ctx,
		xadj: xadj, adj: adj,
		verts: make([]int, n), owner: make([]int, n),
		level: make([]int, n), stamp: make([]int, n), queue: make([]int, n),
		local: make([]int, n),
		perm:  make([]int, 0, n),
	}
	for i := range d.verts {
		d.verts[i] = i
	}
	d.dissect(0, n)
	if d.stopped {
		return nil
	}
	return d.perm
}

// dissect appends to d.perm the ordering of the subgraph induced by
// d.verts[lo:hi], whose vertices all have owner id.
func (d *dissector) dissect(lo, hi int) {
	for hi-lo > dissectionLeaf {
		if d.stopped || d.ctx.Err() != nil {
			d.stopped = true
			return
		}
		vs := d.verts[lo:hi]
		id := d.newID(vs)
		// Pseudo-peripheral vertex: start at the first vertex, move to a
		// vertex of the last level while the eccentricity grows.
		root := vs[0]
		count, ecc, far := d.bfs(root, id)
		for it := 0; it < 8 && count == len(vs); it++ {
			_, e2, f2 := d.bfs(far, id)
			if e2 <= ecc {
				break
			}
			root, ecc, far = far, e2, f2
		}
		count, ecc, _ = d.bfs(root, id)
		if count < len(vs) {
			// Disconnected: order each component on its own.
			for _, r := range d.components(lo, hi, id) {
				d.dissect(r[0], r[1])
			}
			return
		}
		if ecc < 2 {
			break // no level separates two non-empty sides
		}
		// Level with the best balance between levels below and above it.
		cnt := make([]int, ecc+1)
		for _, v := range vs {
			cnt[d.level[v]]++
		}
		best, bestCost, below := 1, -1.0, cnt[0]
		for l := 1; l < ecc; l++ {
			above := len(vs) - below - cnt[l]
			small := float64(min(above, below)) / float64(len(vs))
			cost := float64(cnt[l])
			if small < balanceWindow {
				cost = float64(len(vs)) * (1 + balanceWindow - small)
			}
			if bestCost < 0 || cost < bestCost {
				best, bestCost = l, cost
			}
			below += cnt[l]
		}
		// Side 0: levels < best and level-best vertices without a neighbour
		// at level best+1; separator (2): the other level-best vertices;
		// side 1: levels > best.
		side := func(v int) int {
			switch l := d.level[v]; {
			case l < best:
				return 0
			case l > best:
				return 1
			}
			for _, w := range d.adj[d.xadj[v]:d.xadj[v+1]] {
				if d.owner[w] == id && d.level[w] == best+1 {
					return 2
				}
			}
			return 0
		}
		a, b := d.partition3(lo, hi, side)
		d.dissect(lo, a)
		d.dissect(a, b)
		d.perm = append(d.perm, d.verts[b:hi]...)
		return
	}
	d.leaf(lo, hi)
}

// newID marks the vertices vs as one subgraph and returns its id.
func (d *dissector) newID(vs []int) int {
	d.nextID++
	for _, v := range vs {
		d.owner[v] = d.nextID
	}
	return d.nextID
}

// bfs runs a breadth-first search from root over the vertices of subgraph id,
// setting level and stamp, and returns the number of vertices reached, the
// eccentricity of root and a vertex of minimum degree in the last level.
func (d *dissector) bfs(root, id int) (count, ecc, far int) {
	d.search++
	s := d.search
	d.stamp[root] = s
	d.level[root] = 0
	d.queue[0] = root
	head, tail := 0, 1
	for head < tail {
		v := d.queue[head]
		head++
		for _, w := range d.adj[d.xadj[v]:d.xadj[v+1]] {
			if d.owner[w] == id && d.stamp[w] != s {
				d.stamp[w] = s
				d.level[w] = d.level[v] + 1
				d.queue[tail] = w
				tail++
			}
		}
	}
	ecc = d.level[d.queue[tail-1]]
	far = -1
	for t := tail - 1; t >= 0 && d.level[d.queue[t]] == ecc; t-- {
		v := d.queue[t]
		deg := d.xadj[v+1] - d.xadj[v]
		if far < 0 || deg < d.xadj[far+1]-d.xadj[far] {
			far = v
		}
	}
	return tail, ecc, far
}

// components reorders d.verts[lo:hi], the vertices of subgraph id, by
// connected component (in order of their first vertex) and returns the
// ranges of the components. The cost is O(size + edges).
func (d *dissector) components(lo, hi, id int) [][2]int {
	vs := d.verts[lo:hi]
	d.search++
	s := d.search
	comp := d.level // reuse: component of each vertex
	var sizes []int
	for _, v := range vs {
		if d.stamp[v] == s {
			continue
		}
		c := len(sizes)
		d.stamp[v], comp[v] = s, c
		q := append(d.queue[:0], v)
		for head := 0; head < len(q); head++ {
			u := q[head]
			for _, w := range d.adj[d.xadj[u]:d.xadj[u+1]] {
				if d.owner[w] == id && d.stamp[w] != s {
					d.stamp[w], comp[w] = s, c
					q = append(q, w)
				}
			}
		}
		sizes = append(sizes, len(q))
	}
	ranges := make([][2]int, len(sizes))
	at := lo
	for c, sz := range sizes {
		ranges[c] = [2]int{at, at + sz}
		at += sz
	}
	pos := make([]int, len(sizes))
	for c := range pos {
		pos[c] = ranges[c][0] - lo
	}
	tmp := d.queue[:len(vs)]
	for _, v := range vs {
		tmp[pos[comp[v]]] = v
		pos[comp[v]]++
	}
	copy(vs, tmp)
	return ranges
}

// partition3 stably reorders d.verts[lo:hi] into the vertices of class 0,
// 1 and 2 (in this order) and returns the ends of the first two groups.
func (d *dissector) partition3(lo, hi int, class func(int) int) (a, b int) {
	vs := d.verts[lo:hi]
	tmp := d.queue[:len(vs)]
	var c [3]int
	cls := d.local[:0]
	for _, v := range vs {
		k := class(v)
		cls = append(cls, k)
		c[k]++
	}
	pos := [3]int{0, c[0], c[0] + c[1]}
	for i, v := range vs {
		tmp[pos[cls[i]]] = v
		pos[cls[i]]++
	}
	copy(vs, tmp)
	return lo + c[0], lo + c[0] + c[1]
}

// leaf appends the minimum degree ordering of the subgraph d.verts[lo:hi].
func (d *dissector) leaf(lo, hi int) {
	vs := d.verts[lo:hi]
	if len(vs) <= 2 {
		d.perm = append(d.perm, vs...)
		return
	}
	id := d.newID(vs)
	loc := d.level // reuse: local index of each vertex
	for i, v := range vs {
		loc[v] = i
	}
	d.lxadj = append(d.lxadj[:0], 0)
	d.ladj = d.ladj[:0]
	for _, v := range vs {
		for _, w := range d.adj[d.xadj[v]:d.xadj[v+1]] {
			if d.owner[w] == id {
				d.ladj = append(d.ladj, loc[w])
			}
		}
		d.lxadj = append(d.lxadj, len(d.ladj))
	}
	perm := minimumDegree(d.ctx, len(vs), d.lxadj, d.ladj)
	if perm == nil {
		d.stopped = true
	}
	for _, i := range perm {
		d.perm = append(d.perm, vs[i])
	}
}
