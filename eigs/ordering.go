package eigs

import (
	"context"
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
	r, err := checkCSR("a", a)
	if err != nil {
		return nil, err
	}
	xadj, adj := adjacency(r)
	return rcm(r.n, xadj, adj), nil
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

// MinimumDegree returns a minimum-degree fill-reducing ordering of the square
// matrix a for use with Cholesky.Factorize. At each step the vertex of
// smallest current degree in the elimination graph is eliminated and its
// neighbours are joined into a clique; ties are broken by the most recently
// updated vertex. The elimination graph is stored explicitly, so the memory
// is O(n + nnz(L)) and the time is roughly O(Σ_v d_v·(d_v + D_v)) over the
// eliminated vertices v with degree d_v and neighbour degrees D_v: well below
// a second for 2D meshes with 50 000 vertices. For graphs whose factors are
// dense (3D volume meshes of large size) this becomes expensive.
//
// An error is returned if a is not square or its raw arrays are malformed.
func MinimumDegree(a *sparse.CSR) ([]int, error) {
	r, err := checkCSR("a", a)
	if err != nil {
		return nil, err
	}
	xadj, adj := adjacency(r)
	return minimumDegree(context.Background(), r.n, xadj, adj), nil
}

// orderingWork is the number of adjacency entries the orderings visit
// between two checks of their context.
const orderingWork = 1 << 20

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

// Envelope returns the envelope (profile) size and the bandwidth of the lower
// triangle of the symmetric pattern of P (a + aᵀ) Pᵀ, where perm describes P as
// in the package ordering convention; a nil perm is the identity. The envelope
// is Σ_i (i − f_i), where f_i ≤ i is the column of the first entry in row i;
// the bandwidth is max_i (i − f_i). It is the storage, beyond the diagonal, of
// a skyline Cholesky factor under that ordering. An error is returned if a is
// not square, its raw arrays are malformed, or perm is not a permutation.
func Envelope(a *sparse.CSR, perm []int) (envelope, bandwidth int, err error) {
	r, err := checkCSR("a", a)
	if err != nil {
		return 0, 0, err
	}
	n := r.n
	if perm == nil {
		perm = make([]int, n)
		for i := range perm {
			perm[i] = i
		}
	}
	inv, err := checkPerm(perm, n)
	if err != nil {
		return 0, 0, err
	}
	xadj, adj := adjacency(r)
	for i := 0; i < n; i++ {
		f := i
		for _, w := range adj[xadj[perm[i]]:xadj[perm[i]+1]] {
			if j := inv[w]; j < f {
				f = j
			}
		}
		envelope += i - f
		bandwidth = max(bandwidth, i-f)
	}
	return envelope, bandwidth, nil
}

// dissectionLeaf is the size up to which NestedDissection stops splitting a
// subgraph and orders it by minimum degree (a variable for the tests). On
// wavy-grid cotangent Laplacians of 10⁵ and 4·10⁵ vertices, leaves of 2000
// to 4000 vertices gave 7% fewer factor entries than leaves of 256.
var dissectionLeaf = 2000

// balanceWindow is the least fraction of a subgraph's vertices on each side
// of a NestedDissection separator: among the BFS levels that leave at least
// this fraction on both sides the smallest is chosen (else the most
// balanced). The middle level of a BFS from a corner of a square grid is its
// longest diagonal; with the window 0.3 the factor flops on the 10⁵- and
// 4·10⁵-vertex wavy grids were 13% and 15% below those with the window 0.4.
const balanceWindow = 0.3

// mdCutoff is the order up to which Cholesky.Factorize uses MinimumDegree by
// default; larger matrices use NestedDissection. MinimumDegree keeps the
// elimination graph explicitly, and its time grows faster than n log n on
// mesh graphs: on wavy-grid cotangent Laplacians it took 0.09 s at n = 10⁴,
// 5.7 s at 10⁵ and 30 s at 4·10⁵, where NestedDissection takes well under a
// second and gives a factor of similar size (see TestNestedDissectionFill).
const mdCutoff = 20000

// NestedDissection returns a nested dissection fill-reducing ordering of the
// square matrix a for use with Cholesky.Factorize. The graph of the symmetric
// pattern of a + aᵀ is split recursively: each connected subgraph of more
// than a few hundred vertices is cut by a level set of a breadth-first search
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
	r, err := checkCSR("a", a)
	if err != nil {
		return nil, err
	}
	xadj, adj := adjacency(r)
	return nestedDissection(context.Background(), r.n, xadj, adj), nil
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
