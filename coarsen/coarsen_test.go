package coarsen

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mesh"
)

// strip is a strip of 6 equilateral triangles: bottom vertices 0..3 at
// x = 0..3, top vertices 4..7 at x = 0.5..3.5, height √3/2. Edges:
// 0-1 1-2 2-3 4-5 5-6 6-7 0-4 1-4 1-5 2-5 2-6 3-6 3-7.
func strip() *mesh.Mesh {
	h := math.Sqrt(3) / 2
	m := &mesh.Mesh{}
	for i := range 4 {
		m.V = append(m.V, [3]float64{float64(i), 0, 0})
	}
	for i := range 4 {
		m.V = append(m.V, [3]float64{float64(i) + 0.5, h, 0})
	}
	for q := range 3 {
		m.F = append(m.F, [3]int{q, q + 1, q + 4}, [3]int{q + 1, q + 5, q + 4})
	}
	return m
}

func toDense(L *sparse.CSR) *mat.Dense {
	r, c := L.Dims()
	d := mat.NewDense(r, c, nil)
	raw := L.RawMatrix()
	for i := range r {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			d.Set(i, raw.Ind[p], d.At(i, raw.Ind[p])+raw.Data[p])
		}
	}
	return d
}

// coarse returns G with the values g on the pattern (rows, cols) of an n×m
// matrix and Gᵀ L G, formed as Spectral forms them (package sparsels).
func coarse(t testing.TB, L *sparse.CSR, m int, rows, cols []int, g []float64) (Lc, G *sparse.CSR) {
	t.Helper()
	n, _ := L.Dims()
	pat, err := sparsels.NewPattern(n, m, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return sparsels.CoarseOperator(L, pat, g), pat.CSR(g)
}

// denseCoarse returns Gᵀ L G by dense products, the reference for coarse.
func denseCoarse(L, G *sparse.CSR) *mat.Dense {
	Gd := toDense(G)
	var s mat.Dense
	s.Product(Gd.T(), toDense(L), Gd)
	return &s
}

// checkClusters verifies that cl partitions the n vertices of L's graph into
// m non-empty clusters, each containing its root and connected through
// stored entries of L inside the cluster, with roots increasing.
func checkClusters(t *testing.T, L *sparse.CSR, cl *Clustering, n, m int) {
	t.Helper()
	if len(cl.Assign) != n || len(cl.Roots) != m {
		t.Fatalf("clustering has %d assignments and %d roots, want %d and %d", len(cl.Assign), len(cl.Roots), n, m)
	}
	size := make([]int, m)
	for i, c := range cl.Assign {
		if c < 0 || c >= m {
			t.Fatalf("vertex %d in cluster %d", i, c)
		}
		size[c]++
	}
	for c, r := range cl.Roots {
		if size[c] == 0 {
			t.Errorf("cluster %d is empty", c)
		}
		if cl.Assign[r] != c {
			t.Errorf("root %d of cluster %d is in cluster %d", r, c, cl.Assign[r])
		}
		if c > 0 && cl.Roots[c-1] >= r {
			t.Errorf("roots not increasing: %v", cl.Roots[c-1:c+1])
		}
	}
	// Breadth-first search from every root inside its cluster.
	raw := L.RawMatrix()
	seen := make([]bool, n)
	queue := slices.Clone(cl.Roots)
	for _, r := range queue {
		seen[r] = true
	}
	for k := 0; k < len(queue); k++ {
		u := queue[k]
		for p := raw.Indptr[u]; p < raw.Indptr[u+1]; p++ {
			if v := raw.Ind[p]; !seen[v] && cl.Assign[v] == cl.Assign[u] {
				seen[v] = true
				queue = append(queue, v)
			}
		}
	}
	if len(queue) != n {
		for i, s := range seen {
			if !s {
				t.Fatalf("vertex %d of cluster %d is not connected to root %d inside its cluster", i, cl.Assign[i], cl.Roots[cl.Assign[i]])
			}
		}
	}
}

func TestPatternByHand(t *testing.T) {
	square := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}},
		F: [][3]int{{0, 1, 2}, {0, 2, 3}},
	}
	for _, tc := range []struct {
		name       string
		m          *mesh.Mesh
		cl         *Clustering
		rows, cols []int
	}{
		{
			// Clusters {0,1,4}, {2,5}, {3,6,7}. Cluster 0 touches cluster 1
			// (edges 1-2, 1-5, 4-5) but not cluster 2; cluster 1 touches both.
			name: "strip, 3 clusters",
			m:    strip(),
			cl:   &Clustering{Assign: []int{0, 0, 1, 2, 0, 1, 2, 2}, Roots: []int{0, 2, 3}},
			rows: []int{0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7},
			cols: []int{0, 1, 0, 1, 0, 1, 2, 1, 2, 0, 1, 0, 1, 2, 1, 2, 1, 2},
		},
		{
			// Clusters {0,1,2,4,5} and {3,6,7}: adjacent through 2-3, 2-6, 5-6.
			name: "strip, 2 clusters",
			m:    strip(),
			cl:   &Clustering{Assign: []int{0, 0, 0, 1, 0, 0, 1, 1}, Roots: []int{1, 6}},
			rows: []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7},
			cols: []int{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},
		},
		{
			// One vertex per cluster. L_02 is a stored exact zero (the diagonal
			// is opposite two right angles), so clusters 0 and 2 are not
			// adjacent: G's pattern is the numeric pattern of L.
			name: "square with a zero weight",
			m:    square,
			cl:   &Clustering{Assign: []int{0, 1, 2, 3}, Roots: []int{0, 1, 2, 3}},
			rows: []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3},
			cols: []int{0, 1, 3, 0, 1, 2, 1, 2, 3, 0, 2, 3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L := tc.m.Cotangent()
			rows, cols := Pattern(L, tc.cl)
			if !slices.Equal(rows, tc.rows) || !slices.Equal(cols, tc.cols) {
				t.Errorf("pattern\nrows %v\ncols %v\nwant\nrows %v\ncols %v", rows, cols, tc.rows, tc.cols)
			}
		})
	}
}

// densePattern computes H = (Kᵀ ((K S Kᵀ) ≠ 0)) ≠ 0 with dense products,
// S = (L ≠ 0), and adds each vertex's own cluster.
func densePattern(L *mat.Dense, cl *Clustering) (rows, cols []int) {
	n, _ := L.Dims()
	m := len(cl.Roots)
	K := mat.NewDense(m, n, nil)
	for i, c := range cl.Assign {
		K.Set(c, i, 1)
	}
	S := mat.NewDense(n, n, nil)
	S.Apply(func(i, j int, v float64) float64 {
		if v != 0 {
			return 1
		}
		return 0
	}, L)
	var KS, J, H mat.Dense
	KS.Mul(K, S)
	J.Mul(&KS, K.T())
	J.Apply(func(i, j int, v float64) float64 {
		if v != 0 || i == j {
			return 1
		}
		return 0
	}, &J)
	H.Mul(K.T(), &J)
	for i := range n {
		for c := range m {
			if H.At(i, c) != 0 {
				rows = append(rows, i)
				cols = append(cols, c)
			}
		}
	}
	return rows, cols
}

func TestCluster(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *mesh.Mesh
		k    int
		seed uint64
	}{
		{"strip m=1", strip(), 1, 1},
		{"strip m=2", strip(), 2, 1},
		{"strip m=3", strip(), 3, 5},
		{"strip m=n", strip(), 8, 2},
		{"grid m=7", mesh.JitteredGrid(8, 6, 0.4, 1), 7, 3},
		{"grid m=20", mesh.JitteredGrid(8, 6, 0.4, 1), 20, 4},
		{"grid m=20 other seed", mesh.JitteredGrid(8, 6, 0.4, 1), 20, 99},
		{"large grid m=60", mesh.JitteredGrid(30, 20, 0.4, 2), 60, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L := tc.m.Cotangent()
			M := tc.m.Mass(mesh.Voronoi)
			n := len(M)
			cl, err := Cluster(context.Background(), L, M, tc.k, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			checkClusters(t, L, cl, n, tc.k)
			again, err := Cluster(context.Background(), L, M, tc.k, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cl, again) {
				t.Error("Cluster is not deterministic for a fixed seed")
			}
			checkNearestRoot(t, L, M, cl)
			rows, cols := Pattern(L, cl)
			wr, wc := densePattern(toDense(L), cl)
			if !slices.Equal(rows, wr) || !slices.Equal(cols, wc) {
				t.Errorf("Pattern differs from the dense product")
			}
		})
	}
}

// checkNearestRoot verifies that every vertex is assigned to a root at
// minimal graph distance, with distances from each root computed by plain
// Bellman-Ford iteration over edge lengths sqrt(M_i+M_j)/(−L_ij) (weak edges:
// WeakEdgeFactor times the longest positive length).
func checkNearestRoot(t *testing.T, L *sparse.CSR, M []float64, cl *Clustering) {
	t.Helper()
	raw := L.RawMatrix()
	n := len(M)
	length := make([]float64, len(raw.Ind))
	var longest float64
	for i := range n {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if w := -raw.Data[p]; raw.Ind[p] != i && w > 0 {
				length[p] = math.Sqrt(M[i]+M[raw.Ind[p]]) / w
				longest = max(longest, length[p])
			}
		}
	}
	for p := range length {
		if length[p] == 0 {
			length[p] = WeakEdgeFactor * longest
		}
	}
	best := make([]float64, n)
	for i := range best {
		best[i] = math.Inf(1)
	}
	own := make([]float64, n)
	d := make([]float64, n)
	for c, r := range cl.Roots {
		for i := range d {
			d[i] = math.Inf(1)
		}
		d[r] = 0
		for changed := true; changed; {
			changed = false
			for i := range n {
				for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
					if j := raw.Ind[p]; j != i && d[i]+length[p] < d[j] {
						d[j] = d[i] + length[p]
						changed = true
					}
				}
			}
		}
		for i := range n {
			best[i] = math.Min(best[i], d[i])
			if cl.Assign[i] == c {
				own[i] = d[i]
			}
		}
	}
	for i := range n {
		if own[i] > best[i]*(1+1e-12) {
			t.Errorf("vertex %d: distance %v to its root %d, but %v to another root", i, own[i], cl.Roots[cl.Assign[i]], best[i])
		}
	}
}

func TestClusterComponents(t *testing.T) {
	// Two separate triangles: 2 components.
	two := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {5, 0, 0}, {6, 0, 0}, {5, 1, 0}},
		F: [][3]int{{0, 1, 2}, {3, 4, 5}},
	}
	L, M := two.Cotangent(), two.Mass(mesh.Barycentric)
	if _, err := Cluster(context.Background(), L, M, 1, 1); err == nil || !strings.Contains(err.Error(), "connected components") {
		t.Errorf("m=1 on two components: error %v", err)
	}
	for _, m := range []int{2, 3, 6} {
		cl, err := Cluster(context.Background(), L, M, m, 1)
		if err != nil {
			t.Fatalf("m=%d: %v", m, err)
		}
		checkClusters(t, L, cl, 6, m)
	}
	cl, _ := Cluster(context.Background(), L, M, 2, 1)
	if cl.Assign[0] == cl.Assign[3] {
		t.Errorf("the two components share a cluster: %v", cl.Assign)
	}
}

// scanFarthest is the reference farthest-point sampling: hop distances by a
// full breadth-first search from all roots after each new root, and a scan
// of all vertices for the farthest (lowest index among ties, unreachable
// first).
func scanFarthest(g *graph, m, first int) (roots []int, dist []float64) {
	n := len(g.indptr) - 1
	dist = make([]float64, n)
	roots = []int{first}
	for {
		for i := range dist {
			dist[i] = math.Inf(1)
		}
		queue := slices.Clone(roots)
		for _, r := range roots {
			dist[r] = 0
		}
		for h := 0; h < len(queue); h++ {
			u := queue[h]
			for q := g.indptr[u]; q < g.indptr[u+1]; q++ {
				if v := g.adj[q]; math.IsInf(dist[v], 1) {
					dist[v] = dist[u] + 1
					queue = append(queue, v)
				}
			}
		}
		if len(roots) == m {
			return roots, dist
		}
		next := -1
		for i, d := range dist {
			if !slices.Contains(roots, i) && (next < 0 || d > dist[next]) {
				next = i
			}
		}
		roots = append(roots, next)
	}
}

// TestFarthestPoints checks the incremental farthest-point sampling against
// the full-recomputation reference, including components without a root and
// the ties of a regular grid.
func TestFarthestPoints(t *testing.T) {
	two := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {5, 0, 0}, {6, 0, 0}, {5, 1, 0}, {9, 9, 0}},
		F: [][3]int{{0, 1, 2}, {3, 4, 5}},
	}
	for _, tc := range []struct {
		name string
		msh  *mesh.Mesh
		ms   []int
	}{
		{"strip", strip(), []int{1, 3, 8}},
		{"components", two, []int{3, 5, 7}},
		{"grid", mesh.WavyGrid(17, 13, 2), []int{2, 10, 60, 221}},
		{"jittered", mesh.JitteredGrid(20, 9, 0.3, 5), []int{7, 40}},
	} {
		L, M := tc.msh.Cotangent(), tc.msh.Mass(mesh.Barycentric)
		for i := range M {
			M[i] = max(M[i], 1) // the isolated vertex
		}
		indptr, ind, data := rawCSR(L, len(M))
		g := newGraph(indptr, ind, data, M)
		for _, m := range tc.ms {
			for _, first := range []int{0, len(M) / 2, len(M) - 1} {
				wantRoots, wantDist := scanFarthest(g, m, first)
				dist := make([]float64, len(M))
				roots, _ := farthestPoints(context.Background(), g, m, []int{first}, dist)
				if !slices.Equal(roots, wantRoots) || !slices.Equal(dist, wantDist) {
					t.Errorf("%s m=%d first=%d: roots %v, want %v; dist %v, want %v",
						tc.name, m, first, roots, wantRoots, dist, wantDist)
				}
			}
		}
	}
}

func TestClusterErrors(t *testing.T) {
	s := strip()
	L, M := s.Cotangent(), s.Mass(mesh.Voronoi)
	badMass := func(i int, v float64) []float64 { c := slices.Clone(M); c[i] = v; return c }
	nanL := s.Cotangent()
	nanL.RawMatrix().Data[5] = math.NaN()
	for _, tc := range []struct {
		name string
		L    *sparse.CSR
		mass []float64
		m    int
		msg  string
	}{
		{"m > n", L, M, 9, "9 clusters of 8"},
		{"zero mass", L, badMass(3, 0), 2, "mass[3]"},
		{"negative mass", L, badMass(0, -1), 2, "mass[0]"},
		{"NaN mass", L, badMass(7, math.NaN()), 2, "mass[7]"},
		{"infinite mass", L, badMass(7, math.Inf(1)), 2, "mass[7]"},
		{"NaN in L", nanL, M, 2, "not finite"},
	} {
		if _, err := Cluster(context.Background(), tc.L, tc.mass, tc.m, 1); err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "coarsen: ") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.msg)
		}
	}
	U := mat.NewDense(8, 2, nil)
	cl := &Clustering{Assign: []int{0, 0, 0, 0, 1, 1, 1, 1}, Roots: []int{0, 4}}
	if _, err := Setup(L, badMass(2, 0), U, cl); err == nil {
		t.Error("Setup accepted a zero mass")
	}
	U.Set(3, 1, math.Inf(-1))
	if _, err := Setup(L, M, U, cl); err == nil || !strings.Contains(err.Error(), "U(3,1)") {
		t.Errorf("Setup with infinite U: error %v", err)
	}
}

func TestPanics(t *testing.T) {
	s := strip()
	L, M := s.Cotangent(), s.Mass(mesh.Voronoi)
	rect := sparse.NewCSR(2, 3, []int{0, 0, 0}, nil, nil)
	cl := &Clustering{Assign: []int{0, 0, 0, 0, 1, 1, 1, 1}, Roots: []int{0, 4}}
	for name, f := range map[string]func(){
		"Cluster non-square":   func() { _, _ = Cluster(context.Background(), rect, M[:2], 1, 1) },
		"Cluster mass length":  func() { _, _ = Cluster(context.Background(), L, M[:7], 1, 1) },
		"Cluster m=0":          func() { _, _ = Cluster(context.Background(), L, M, 0, 1) },
		"Pattern bad root":     func() { Pattern(L, &Clustering{Assign: cl.Assign, Roots: []int{0, 1}}) },
		"Pattern bad assign":   func() { Pattern(L, &Clustering{Assign: []int{0, 0, 0, 0, 2, 1, 1, 1}, Roots: []int{0, 5}}) },
		"Pattern short assign": func() { Pattern(L, &Clustering{Assign: cl.Assign[:7], Roots: cl.Roots}) },
		"Setup U rows":         func() { _, _ = Setup(L, M, mat.NewDense(7, 2, nil), cl) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s did not panic", name)
				} else if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "coarsen: ") {
					t.Errorf("%s panicked with %v", name, r)
				}
			}()
			f()
		}()
	}
}

// denseProblem builds K, P, M, Mc densely and returns X, Y, B computed with
// dense products exactly as the formulas are written.
func denseProblem(Ld *mat.Dense, mass []float64, U *mat.Dense, cl *Clustering) (X, Y, B, K *mat.Dense) {
	n, _ := Ld.Dims()
	m := len(cl.Roots)
	K = mat.NewDense(m, n, nil)
	P := mat.NewDense(m, n, nil)
	for i, c := range cl.Assign {
		K.Set(c, i, 1)
	}
	for c, r := range cl.Roots {
		P.Set(c, r, 1)
	}
	M := mat.NewDense(n, n, nil)
	Minv := mat.NewDense(n, n, nil)
	for i, v := range mass {
		M.Set(i, i, v)
		Minv.Set(i, i, 1/v)
	}
	var KM, Mc mat.Dense
	KM.Mul(K, M)
	Mc.Mul(&KM, K.T())
	half := mat.NewDense(m, m, nil)
	Y = mat.NewDense(m, m, nil)
	for c := range m {
		half.Set(c, c, math.Sqrt(Mc.At(c, c)))
		Y.Set(c, c, 1/math.Sqrt(Mc.At(c, c)))
	}
	X = new(mat.Dense)
	X.Product(half, P, Minv, Ld, U)
	B = new(mat.Dense)
	B.Mul(P, U)
	return X, Y, B, K
}

func randomU(n, k int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 5))
	U := mat.NewDense(n, k, nil)
	for i := range n {
		for j := range k {
			U.Set(i, j, rng.NormFloat64())
		}
	}
	return U
}

func TestSetupAgainstDense(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *mesh.Mesh
		k, c int
		seed uint64
	}{
		{"strip", strip(), 3, 2, 1},
		{"grid", mesh.JitteredGrid(7, 6, 0.4, 3), 5, 9, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, M := tc.m.Cotangent(), tc.m.Mass(mesh.Voronoi)
			n := len(M)
			cl, err := Cluster(context.Background(), L, M, tc.c, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			U := randomU(n, tc.k, tc.seed)
			d, err := Setup(L, M, U, cl)
			if err != nil {
				t.Fatal(err)
			}
			Ld := toDense(L)
			X, Y, B, K := denseProblem(Ld, M, U, cl)
			const tol = 1e-12
			if !mat.EqualApprox(d.X, X, tol*mat.Norm(X, math.Inf(1))) {
				t.Errorf("X =\n%v\nwant\n%v", mat.Formatted(d.X), mat.Formatted(X))
			}
			if !mat.EqualApprox(d.Y, Y, tol) {
				t.Errorf("Y = %v, want %v", mat.Formatted(d.Y), mat.Formatted(Y))
			}
			if !mat.Equal(d.B, B) {
				t.Errorf("B differs from P U")
			}
			for c := range tc.c {
				var mc float64
				for i := range n {
					mc += K.At(c, i) * M[i]
				}
				if math.Abs(d.Mc[c]-mc) > 1e-14*mc {
					t.Errorf("Mc[%d] = %v, want %v", c, d.Mc[c], mc)
				}
			}
			wr, wc := densePattern(Ld, cl)
			if !slices.Equal(d.Rows, wr) || !slices.Equal(d.Cols, wc) {
				t.Errorf("pattern differs from the dense product")
			}
			// G0 = Kᵀ on the pattern; rows sum to 1.
			sum := make([]float64, n)
			for p, i := range d.Rows {
				if d.G0[p] != K.At(d.Cols[p], i) {
					t.Errorf("G0 at (%d,%d) = %v, want Kᵀ = %v", i, d.Cols[p], d.G0[p], K.At(d.Cols[p], i))
				}
				sum[i] += d.G0[p]
			}
			for i, s := range sum {
				if s != 1 {
					t.Errorf("row %d of G0 sums to %v", i, s)
				}
			}
		})
	}
}

// energyByLoops evaluates ‖Mc^{1/2} (P M⁻¹ L U − Mc⁻¹ Kᵀᵀ L Kᵀ P U)‖²_F term by
// term without matrices: (K L Kᵀ)_ab is the sum of L_ij over i in a, j in b.
func energyByLoops(L *sparse.CSR, mass []float64, U *mat.Dense, cl *Clustering) float64 {
	m := len(cl.Roots)
	_, k := U.Dims()
	raw := L.RawMatrix()
	Mc := make([]float64, m)
	for i, c := range cl.Assign {
		Mc[c] += mass[i]
	}
	KLK := make([][]float64, m)
	for a := range KLK {
		KLK[a] = make([]float64, m)
	}
	for i := range cl.Assign {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			KLK[cl.Assign[i]][cl.Assign[raw.Ind[p]]] += raw.Data[p]
		}
	}
	var e float64
	for a, r := range cl.Roots {
		for t := range k {
			var lu float64
			for p := raw.Indptr[r]; p < raw.Indptr[r+1]; p++ {
				lu += raw.Data[p] * U.At(raw.Ind[p], t)
			}
			var coarse float64
			for b, rb := range cl.Roots {
				coarse += KLK[a][b] * U.At(rb, t)
			}
			diff := lu/mass[r] - coarse/Mc[a]
			e += Mc[a] * diff * diff
		}
	}
	return e
}

func TestEnergyAtKT(t *testing.T) {
	g := mesh.JitteredGrid(9, 7, 0.4, 4)
	L, M := g.Cotangent(), g.Mass(mesh.Voronoi)
	n := len(M)
	cl, err := Cluster(context.Background(), L, M, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	U := randomU(n, 6, 8)
	d, err := Setup(L, M, U, cl)
	if err != nil {
		t.Fatal(err)
	}
	m := len(cl.Roots)
	Lcs, _ := coarse(t, L, m, d.Rows, d.Cols, d.G0)
	Lc := toDense(Lcs)

	// Lc = K L Kᵀ densely.
	_, _, _, K := denseProblem(toDense(L), M, U, cl)
	var want mat.Dense
	want.Product(K, toDense(L), K.T())
	if !mat.EqualApprox(Lc, &want, 1e-13) {
		t.Errorf("CoarseOperator(Kᵀ) differs from K L Kᵀ")
	}

	var R, YLc, YLcB mat.Dense
	YLc.Mul(d.Y, Lc)
	YLcB.Mul(&YLc, d.B)
	R.Sub(d.X, &YLcB)
	got := mat.Norm(&R, 2)
	got *= got
	ref := energyByLoops(L, M, U, cl)
	t.Logf("energy at G = Kᵀ: %v (loops %v)", got, ref)
	if math.Abs(got-ref) > 1e-12*ref || ref == 0 {
		t.Errorf("‖X − Y Gᵀ L G B‖² = %v, independent evaluation %v", got, ref)
	}

	// With U the constant vector both terms vanish: L 1 = 0 and K L Kᵀ 1 = K L 1 = 0.
	ones := mat.NewDense(n, 1, nil)
	for i := range n {
		ones.Set(i, 0, 1)
	}
	d1, err := Setup(L, M, ones, cl)
	if err != nil {
		t.Fatal(err)
	}
	var YLc1, YLcB1, R1 mat.Dense
	YLc1.Mul(d1.Y, Lc)
	YLcB1.Mul(&YLc1, d1.B)
	R1.Sub(d1.X, &YLcB1)
	if e := mat.Norm(&R1, 2); e > 1e-13 {
		t.Errorf("energy of the constant vector = %v, want 0", e*e)
	}
}

func TestCoarseOperator(t *testing.T) {
	// Regular tetrahedron: L_ii = √3, L_ij = -1/√3. With clusters {0,1},
	// {2,3} and G = Kᵀ, (K L Kᵀ)_00 = 2√3 − 2/√3 = 4/√3 and
	// (K L Kᵀ)_01 = 4·(−1/√3).
	tet := &mesh.Mesh{
		V: [][3]float64{{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}},
		F: [][3]int{{0, 1, 2}, {0, 3, 1}, {0, 2, 3}, {1, 3, 2}},
	}
	L := tet.Cotangent()
	a := 4 / math.Sqrt(3)
	want := mat.NewDense(2, 2, []float64{a, -a, -a, a})
	gots, _ := coarse(t, L, 2, []int{0, 1, 2, 3}, []int{0, 0, 1, 1}, []float64{1, 1, 1, 1})
	got := toDense(gots)
	if !mat.EqualApprox(got, want, 1e-14) {
		t.Errorf("tetrahedron K L Kᵀ =\n%v\nwant\n%v", mat.Formatted(got), mat.Formatted(want))
	}

	// Random values on a pattern, given in shuffled order, against dense
	// Gᵀ L G.
	g := mesh.JitteredGrid(6, 5, 0.4, 8)
	L = g.Cotangent()
	M := g.Mass(mesh.Barycentric)
	n := len(M)
	cl, err := Cluster(context.Background(), L, M, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	rows, cols := Pattern(L, cl)
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, len(rows))
	for p := range vals {
		vals[p] = rng.NormFloat64()
	}
	G := mat.NewDense(n, 6, nil)
	for p := range rows {
		G.Set(rows[p], cols[p], G.At(rows[p], cols[p])+vals[p])
	}
	perm := rng.Perm(len(rows))
	pr, pc, pv := make([]int, len(rows)), make([]int, len(rows)), make([]float64, len(rows))
	for k, p := range perm {
		pr[k], pc[k], pv[k] = rows[p], cols[p], vals[p]
	}
	var ref mat.Dense
	ref.Product(G.T(), toDense(L), G)
	dsts, _ := coarse(t, L, 6, pr, pc, pv)
	dst := toDense(dsts)
	if !mat.EqualApprox(dst, &ref, 1e-12*mat.Norm(&ref, math.Inf(1))) {
		t.Errorf("Gᵀ L G =\n%v\nwant\n%v", mat.Formatted(dst), mat.Formatted(&ref))
	}
}

func loadSpot(t testing.TB) (*sparse.CSR, []float64) {
	m, err := mesh.ReadFile(context.Background(), "../testdata/spot.obj")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	return m.Cotangent(), m.Mass(mesh.Voronoi)
}

func TestSpot(t *testing.T) {
	L, M := loadSpot(t)
	n := len(M)
	const m, k = 500, 100
	U := randomU(n, k, 1)
	start := time.Now()
	cl, err := Cluster(context.Background(), L, M, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	tc := time.Since(start)
	d, err := Setup(L, M, U, cl)
	if err != nil {
		t.Fatal(err)
	}
	total := time.Since(start)
	t.Logf("spot n=%d m=%d k=%d: cluster %v, cluster+pattern+setup %v, nnz(G) = %d (%.2f per row)",
		n, m, k, tc, total, len(d.Rows), float64(len(d.Rows))/float64(n))
	checkClusters(t, L, cl, n, m)
	size := make([]int, m)
	for _, c := range cl.Assign {
		size[c]++
	}
	t.Logf("cluster sizes: min %d, max %d, mean %.2f", slices.Min(size), slices.Max(size), float64(n)/m)
	if slices.Max(size) > 4*n/m {
		t.Errorf("largest cluster has %d vertices, more than 4 times the mean %d", slices.Max(size), n/m)
	}
	if per := float64(len(d.Rows)) / float64(n); per < 5 || per > 9 {
		t.Errorf("%.2f pattern entries per row, want about 7", per)
	}
	if !testing.Short() && total > time.Second {
		t.Errorf("cluster + pattern + setup took %v, want well under a second", total)
	}
	// Cluster masses partition the unit area.
	var sum float64
	for _, v := range d.Mc {
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("cluster masses sum to %v, want 1", sum)
	}
}

func BenchmarkSpotSetup(b *testing.B) {
	L, M := loadSpot(b)
	U := randomU(len(M), 100, 1)
	for b.Loop() {
		cl, err := Cluster(context.Background(), L, M, 500, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Setup(L, M, U, cl); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpotCoarseOperator(b *testing.B) {
	L, M := loadSpot(b)
	cl, err := Cluster(context.Background(), L, M, 500, 1)
	if err != nil {
		b.Fatal(err)
	}
	rows, cols := Pattern(L, cl)
	g := make([]float64, len(rows))
	for p := range g {
		g[p] = 1 / 7.0
	}
	pat, err := sparsels.NewPattern(len(M), 500, rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sparsels.CoarseOperator(L, pat, g)
	}
}

// BenchmarkClusterLarge measures Cluster with m = n/100 on wavy grids of
// 10⁴ and 10⁵ vertices (the scaling of examples/scale).
func BenchmarkClusterLarge(b *testing.B) {
	for _, side := range []int{100, 316} {
		msh := mesh.WavyGrid(side, side, 1)
		L, M := msh.Cotangent(), msh.Mass(mesh.Voronoi)
		n := len(M)
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Cluster(context.Background(), L, M, n/100, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
