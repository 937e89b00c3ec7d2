package coarsen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/james-bowman/sparse"
)

// Clustering is a partition of the n vertices of an operator's graph into m
// clusters, each with a root vertex.
type Clustering struct {
	// Assign[i] in [0, m) is the cluster of vertex i; len(Assign) = n.
	Assign []int
	// Roots[c] is the root vertex of cluster c, with Assign[Roots[c]] = c;
	// len(Roots) = m.
	Roots []int
}

// WeakEdgeFactor scales the length Cluster gives to edges without a positive
// strength of connection (−L_ij ≤ 0, e.g. positive cotangent weights across
// edges opposite two obtuse angles): such an edge is WeakEdgeFactor times as
// long as the longest edge with −L_ij > 0. The published code drops these
// edges; a large finite length keeps the graph connected while making
// clusters grow across them only when no other path is shorter.
const WeakEdgeFactor = 10

// MaxRounds bounds the assignment and medoid-update rounds of Cluster.
const MaxRounds = 20

// rawCSR returns the raw arrays of L after checking that L is a well-formed
// square n×n CSR matrix; it panics otherwise.
func rawCSR(L *sparse.CSR, n int) (indptr, ind []int, data []float64) {
	r, c := L.Dims()
	if r != c {
		panic(fmt.Sprintf("coarsen: L is %d×%d, not square", r, c))
	}
	if r != n {
		panic(fmt.Sprintf("coarsen: L is %d×%d but there are %d masses", r, c, n))
	}
	raw := L.RawMatrix()
	indptr, ind, data = raw.Indptr, raw.Ind, raw.Data
	if len(indptr) != n+1 || indptr[0] != 0 || indptr[n] > len(ind) || len(ind) != len(data) {
		panic("coarsen: malformed CSR arrays in L")
	}
	for i := range n {
		if indptr[i] > indptr[i+1] {
			panic(fmt.Sprintf("coarsen: malformed CSR row pointer at row %d of L", i))
		}
	}
	for _, j := range ind[:indptr[n]] {
		if uint(j) >= uint(n) {
			panic(fmt.Sprintf("coarsen: column index %d out of range in L (%d×%d)", j, n, n))
		}
	}
	return indptr, ind, data
}

// checkData returns an error, without the package prefix, naming the first
// non-finite entry of L or the first mass that is not positive and finite.
func checkData(indptr, ind []int, data, mass []float64) error {
	for i, v := range mass {
		if v == 0 {
			return fmt.Errorf("mass[%d] = 0 is not positive and finite"+
				" (on a mesh, vertex %d is in no triangle of positive area; remove such vertices with mesh.Mesh.RemoveUnreferenced)", i, i)
		}
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("mass[%d] = %v is not positive and finite", i, v)
		}
	}
	for i := range len(indptr) - 1 {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			if math.IsNaN(data[p]) || math.IsInf(data[p], 0) {
				return fmt.Errorf("L(%d,%d) = %v is not finite", i, ind[p], data[p])
			}
		}
	}
	return nil
}

// relaxWork is the number of Dijkstra queue entries relax processes between
// two checks of its context.
const relaxWork = 1 << 14

// stopped returns an error wrapping ctx.Err(), without the package prefix,
// naming the step, or nil if ctx is not done.
func stopped(ctx context.Context, step string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped in %s: %w", step, err)
	}
	return nil
}

// graph is the weighted directed graph of L's stored off-diagonal entries.
type graph struct {
	indptr []int
	adj    []int
	length []float64
}

// newGraph builds the strength-of-connection graph of L: every stored
// off-diagonal entry (i, j) is an edge of length sqrt(M_i + M_j)/(−L_ij) if
// that is positive and finite, and of the weak length otherwise.
func newGraph(indptr, ind []int, data, mass []float64) *graph {
	n := len(mass)
	g := &graph{indptr: make([]int, n+1)}
	for i := range n {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			if ind[p] != i {
				g.indptr[i+1]++
			}
		}
		g.indptr[i+1] += g.indptr[i]
	}
	g.adj = make([]int, g.indptr[n])
	g.length = make([]float64, g.indptr[n])
	var longest float64
	q := 0
	for i := range n {
		for p := indptr[i]; p < indptr[i+1]; p++ {
			j := ind[p]
			if j == i {
				continue
			}
			l := math.Inf(1)
			if w := -data[p]; w > 0 {
				l = math.Sqrt(mass[i]+mass[j]) / w
			}
			if !math.IsInf(l, 0) {
				longest = max(longest, l)
			}
			g.adj[q], g.length[q] = j, l
			q++
		}
	}
	if longest == 0 {
		longest = 1
	}
	weak := math.Min(WeakEdgeFactor*longest, math.MaxFloat64)
	for q, l := range g.length {
		if math.IsInf(l, 0) {
			g.length[q] = weak
		}
	}
	return g
}

// item is a Dijkstra queue entry.
type item struct {
	d float64
	v int
}

func less(a, b item) bool { return a.d < b.d || (a.d == b.d && a.v < b.v) }

// minHeap is a binary heap of items ordered by (d, v), which makes the visiting
// order, and so every tie, deterministic.
type minHeap []item

func (h *minHeap) push(it item) {
	*h = append(*h, it)
	s := *h
	for k := len(s) - 1; k > 0; {
		p := (k - 1) / 2
		if !less(s[k], s[p]) {
			break
		}
		s[k], s[p] = s[p], s[k]
		k = p
	}
}

func (h *minHeap) pop() item {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for k := 0; ; {
		c := 2*k + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && less(s[c+1], s[c]) {
			c++
		}
		if !less(s[c], s[k]) {
			break
		}
		s[k], s[c] = s[c], s[k]
		k = c
	}
	*h = s
	return top
}

// relax runs Dijkstra from the entries already in h, lowering dist and
// propagating owner along the shortest-path forest. A vertex changes owner
// only on a strictly shorter path, so each vertex's owner is the owner of its
// parent in the forest.
//
// relax checks ctx every relaxWork queue entries and returns the error of
// stopped once it is done.
func (g *graph) relax(ctx context.Context, h *minHeap, dist []float64, owner []int) error {
	for work := 0; len(*h) > 0; work++ {
		if work == relaxWork {
			work = 0
			if err := stopped(ctx, "a shortest-path search"); err != nil {
				return err
			}
		}
		it := h.pop()
		u := it.v
		if it.d > dist[u] {
			continue
		}
		for q := g.indptr[u]; q < g.indptr[u+1]; q++ {
			v := g.adj[q]
			if d := it.d + g.length[q]; d < dist[v] {
				dist[v] = d
				if owner != nil {
					owner[v] = owner[u]
				}
				h.push(item{d, v})
			}
		}
	}
	return nil
}

// multiSource sets dist to the graph distance from the nearest of sources
// and, if owner is not nil, owner[i] to the index in sources of that source.
// It returns the error of relax.
func (g *graph) multiSource(ctx context.Context, h *minHeap, sources []int, dist []float64, owner []int) error {
	for i := range dist {
		dist[i] = math.Inf(1)
		if owner != nil {
			owner[i] = -1
		}
	}
	*h = (*h)[:0]
	for c, s := range sources {
		dist[s] = 0
		if owner != nil {
			owner[s] = c
		}
		h.push(item{0, s})
	}
	return g.relax(ctx, h, dist, owner)
}

// farthestPoints returns m roots chosen by farthest-point sampling in hop
// distance (number of edges of g): the seeds first, in order (the landmarks,
// or one random vertex), then each next root is the vertex
// of largest hop distance to the roots so far, the lowest index among ties
// (an unreachable vertex is infinitely far). It leaves in dist the hop
// distance of every vertex to its nearest root.
//
// Each new root is followed by a breadth-first search that only visits the
// vertices it brings closer, and the farthest vertex is kept in a lazy max-heap
// of (distance, vertex) entries pushed on every change. The cost is
// O((n + u) log n) for u distance updates, about n log m on meshes, where a
// scan of all vertices for the farthest one after each root (the earlier
// implementation) cost O(n m): 10¹⁰ steps for n = 10⁶ and m = 10⁴.
//
// farthestPoints checks ctx before every root and returns the error of
// stopped once it is done.
func farthestPoints(ctx context.Context, g *graph, m int, seeds []int, dist []float64) ([]int, error) {
	n := len(dist)
	// Max-heap on (dist, −vertex), stored as minHeap items keyed (−d, v).
	far := make(minHeap, n, 2*n)
	for i := range dist {
		dist[i] = math.Inf(1)
		far[i] = item{math.Inf(-1), i} // sorted by vertex: a valid heap
	}
	isRoot := make([]bool, n)
	roots := make([]int, 0, m)
	queue := make([]int, 0, n)
	next := seeds[0]
	for {
		if err := stopped(ctx, "the choice of the initial roots"); err != nil {
			return nil, err
		}
		roots = append(roots, next)
		isRoot[next] = true
		dist[next] = 0
		queue = append(queue[:0], next)
		for head := 0; head < len(queue); head++ {
			u := queue[head]
			d := dist[u] + 1
			for q := g.indptr[u]; q < g.indptr[u+1]; q++ {
				if v := g.adj[q]; d < dist[v] {
					dist[v] = d
					queue = append(queue, v)
					far.push(item{-d, v})
				}
			}
		}
		if len(roots) == m {
			return roots, nil
		}
		if len(roots) < len(seeds) {
			next = seeds[len(roots)]
			continue
		}
		for len(far) > 0 && (isRoot[far[0].v] || -far[0].d != dist[far[0].v]) {
			far.pop()
		}
		next = far[0].v
	}
}

// Cluster partitions the n vertices of the graph of L into m clusters by
// graph k-medoids and returns the assignment and the roots.
//
// L is an n×n symmetric operator such as the positive semi-definite
// cotangent Laplacian, and mass its n diagonal masses. Every stored
// off-diagonal entry L_ij is an edge of length sqrt(M_i + M_j)/(−L_ij) (the
// inverse strength of connection); an edge with −L_ij ≤ 0 gets
// WeakEdgeFactor times the longest positive length instead.
//
// The m initial roots are chosen by farthest-point sampling in hop distance
// (number of edges) from a vertex drawn with a PCG generator seeded by seed;
// ties go to the lowest index, and vertices of components without a root yet
// come first. Hop distance rather than the strength lengths is used for this
// step because the lengths are heavy-tailed, and sampling under them picks
// isolated vertices behind weak edges and leaves large clusters elsewhere
// (BENCHMARKS.md, section "Coarsening: root sampling"). Then, for at most
// MaxRounds rounds, every vertex is assigned to its nearest root by
// multi-source Dijkstra, and every cluster's root moves to the cluster vertex
// farthest from the cluster's border (the vertices with a neighbour in another
// cluster), as in the published code; iteration stops when the roots or the
// assignment stop changing. The returned assignment is the one of the returned
// roots. Clusters are numbered by increasing root index.
//
// Every cluster is non-empty, contains its root, and is connected: it is the
// root's subtree of a shortest-path forest. The result depends only on L,
// mass, m and seed. The cost is O(m (n + nnz(L)) log n) for the sampling and
// O(MaxRounds · nnz(L) log n) for the rounds.
//
// Cluster checks ctx before every root of the sampling, in every round, and
// every 16 Ki queue entries of each shortest-path search; once ctx is done it
// returns an error wrapping ctx.Err().
//
// Cluster returns an error if a mass is not positive and finite, an entry of
// L is not finite, m > n, or the graph has more than m connected components.
// It panics if L is not n×n with n = len(mass), if its CSR arrays are
// malformed, or if m < 1.
func Cluster(ctx context.Context, L *sparse.CSR, mass []float64, m int, seed uint64) (*Clustering, error) {
	return ClusterLandmarks(ctx, L, mass, m, nil, seed)
}

// ClusterLandmarks is Cluster with the vertices landmarks forced to be
// roots: they are the first roots of the farthest-point sampling (no random
// vertex is drawn when there are landmarks), and the medoid update never
// moves the root of a cluster whose root is a landmark. Landmarks must be
// distinct vertices, at most m of them.
//
// ClusterLandmarks returns the errors of Cluster and an error naming the
// landmark if one is out of range or repeated, or if there are more than m.
func ClusterLandmarks(ctx context.Context, L *sparse.CSR, mass []float64, m int, landmarks []int, seed uint64) (*Clustering, error) {
	cl, err := clusterLandmarks(ctx, L, mass, m, landmarks, seed)
	if err != nil {
		return nil, fmt.Errorf("coarsen: %w", err)
	}
	return cl, nil
}

// clusterLandmarks is ClusterLandmarks with errors that do not start with
// the package prefix, for callers that add their own (Spectral wraps them in
// "coarsen: clustering: ").
func clusterLandmarks(ctx context.Context, L *sparse.CSR, mass []float64, m int, landmarks []int, seed uint64) (*Clustering, error) {
	n := len(mass)
	indptr, ind, data := rawCSR(L, n)
	if m < 1 {
		panic(fmt.Sprintf("coarsen: number of clusters m = %d < 1", m))
	}
	if m > n {
		return nil, fmt.Errorf("cannot make %d clusters of %d vertices", m, n)
	}
	if err := checkData(indptr, ind, data, mass); err != nil {
		return nil, err
	}
	if err := stopped(ctx, "the set-up"); err != nil {
		return nil, err
	}
	fixed, err := checkLandmarks(landmarks, n, m)
	if err != nil {
		return nil, err
	}
	g := newGraph(indptr, ind, data, mass)

	dist := make([]float64, n)
	seeds := landmarks
	if len(seeds) == 0 {
		seeds = []int{rand.New(rand.NewPCG(seed, 0x5eed5eed5eed5eed)).IntN(n)}
	}
	roots, err := farthestPoints(ctx, g, m, seeds, dist)
	if err != nil {
		return nil, err
	}
	for i, d := range dist {
		if math.IsInf(d, 1) {
			return nil, fmt.Errorf("the graph of L has more than m = %d connected components (vertex %d is unreachable from the roots)", m, i)
		}
	}
	var h minHeap

	owner := make([]int, n)
	prev := make([]int, n)
	border := make([]int, 0, n)
	bdist := make([]float64, n)
	newRoots := make([]int, m)
	if err := g.multiSource(ctx, &h, roots, dist, owner); err != nil {
		return nil, err
	}
	for range MaxRounds {
		if err := stopped(ctx, "the k-medoids rounds"); err != nil {
			return nil, err
		}
		// Medoid update: the vertex of each cluster farthest from its border.
		border = border[:0]
		for u := range n {
			for q := g.indptr[u]; q < g.indptr[u+1]; q++ {
				if owner[g.adj[q]] != owner[u] {
					border = append(border, u)
					break
				}
			}
		}
		if err := g.multiSource(ctx, &h, border, bdist, nil); err != nil {
			return nil, err
		}
		copy(newRoots, roots)
		for v := range n {
			c := owner[v]
			if bdist[v] > bdist[newRoots[c]] && !fixed[roots[c]] {
				newRoots[c] = v
			}
		}
		if slices.Equal(newRoots, roots) {
			break
		}
		copy(roots, newRoots)
		copy(prev, owner)
		if err := g.multiSource(ctx, &h, roots, dist, owner); err != nil {
			return nil, err
		}
		if slices.Equal(owner, prev) {
			break
		}
	}

	// Number the clusters by increasing root.
	order := make([]int, m)
	for c := range order {
		order[c] = c
	}
	slices.SortFunc(order, func(a, b int) int { return roots[a] - roots[b] })
	label := make([]int, m)
	cl := &Clustering{Assign: make([]int, n), Roots: make([]int, m)}
	for c, old := range order {
		label[old] = c
		cl.Roots[c] = roots[old]
	}
	for i, o := range owner {
		cl.Assign[i] = label[o]
	}
	return cl, nil
}

// checkLandmarks returns the landmarks as a set over the n vertices, or an
// error (without the package prefix) naming a landmark out of range or
// repeated, or too many landmarks.
func checkLandmarks(landmarks []int, n, m int) ([]bool, error) {
	if len(landmarks) > m {
		return nil, fmt.Errorf("%d landmarks for %d clusters", len(landmarks), m)
	}
	fixed := make([]bool, n)
	for i, v := range landmarks {
		if v < 0 || v >= n {
			return nil, fmt.Errorf("landmark %d is vertex %d, have %d vertices", i, v, n)
		}
		if fixed[v] {
			return nil, fmt.Errorf("landmark %d repeats vertex %d", i, v)
		}
		fixed[v] = true
	}
	return fixed, nil
}

// checkClustering panics unless cl is a valid clustering of n vertices.
func checkClustering(cl *Clustering, n int) int {
	if len(cl.Assign) != n {
		panic(fmt.Sprintf("coarsen: clustering assigns %d vertices, want %d", len(cl.Assign), n))
	}
	m := len(cl.Roots)
	if m == 0 {
		panic("coarsen: clustering has no clusters")
	}
	for i, c := range cl.Assign {
		if uint(c) >= uint(m) {
			panic(fmt.Sprintf("coarsen: vertex %d assigned to cluster %d, have %d clusters", i, c, m))
		}
	}
	for c, r := range cl.Roots {
		if uint(r) >= uint(n) || cl.Assign[r] != c {
			panic(fmt.Sprintf("coarsen: root %d of cluster %d is not a vertex of that cluster", r, c))
		}
	}
	return m
}
