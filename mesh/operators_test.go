package mesh

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// toDense converts L to a dense matrix through its raw arrays.
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

// checkCSR verifies the structural promises of Cotangent: square n×n, sorted
// strictly increasing columns, a stored diagonal in every row, exact symmetry
// and zero row sums.
func checkCSR(t *testing.T, L *sparse.CSR, n int, tol float64) {
	t.Helper()
	r, c := L.Dims()
	if r != n || c != n {
		t.Fatalf("dims %d×%d, want %d×%d", r, c, n, n)
	}
	raw := L.RawMatrix()
	if len(raw.Indptr) != n+1 || raw.Indptr[0] != 0 || raw.Indptr[n] != len(raw.Ind) || len(raw.Ind) != len(raw.Data) {
		t.Fatalf("malformed CSR arrays")
	}
	find := func(i, j int) (float64, bool) {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if raw.Ind[p] == j {
				return raw.Data[p], true
			}
		}
		return 0, false
	}
	for i := range n {
		hasDiag := false
		var sum, scale float64
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			j := raw.Ind[p]
			if p > raw.Indptr[i] && raw.Ind[p-1] >= j {
				t.Fatalf("row %d: columns not strictly increasing at %d", i, p)
			}
			if j == i {
				hasDiag = true
			}
			v := raw.Data[p]
			sum += v
			scale += math.Abs(v)
			if w, ok := find(j, i); !ok || w != v {
				t.Fatalf("L(%d,%d)=%v but L(%d,%d)=%v (stored %v)", i, j, v, j, i, w, ok)
			}
		}
		if !hasDiag {
			t.Fatalf("row %d has no diagonal entry", i)
		}
		if math.Abs(sum) > tol*math.Max(scale, 1) {
			t.Fatalf("row %d sums to %v", i, sum)
		}
	}
}

var (
	s3 = math.Sqrt(3)
	// Regular tetrahedron with edge length 2√2, faces oriented outwards.
	tetra = &Mesh{
		V: [][3]float64{{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}},
		F: [][3]int{{0, 1, 2}, {0, 3, 1}, {0, 2, 3}, {1, 3, 2}},
	}
)

func TestOperatorsByHand(t *testing.T) {
	b := -1 / s3 // tetrahedron: L_ii = 3·(2 cot 60°)/2 = √3, L_ij = -cot 60° = -1/√3.
	for _, tc := range []struct {
		name    string
		m       *Mesh
		L       []float64 // dense, row-major
		voronoi []float64
		bary    []float64
		area    float64
	}{
		{
			// Angles 90° at v0 and 45° at v1, v2: cot = 0, 1, 1.
			// Edge 12 (opposite v0): 0; edges 01, 02: -1/2.
			name: "right triangle",
			m:    &Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}}},
			L: []float64{
				1, -0.5, -0.5,
				-0.5, 0.5, 0,
				-0.5, 0, 0.5,
			},
			// Right corner gets A/2, the others A/4 (A = 1/2).
			voronoi: []float64{0.25, 0.125, 0.125},
			bary:    []float64{1.0 / 6, 1.0 / 6, 1.0 / 6},
			area:    0.5,
		},
		{
			// Unit square split along the diagonal 0-2: each triangle has a
			// right angle opposite the diagonal, so L_02 = 0; the four sides
			// are boundary edges with a single cot 45° = 1, L = -1/2.
			name: "square",
			m: &Mesh{
				V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}},
				F: [][3]int{{0, 1, 2}, {0, 2, 3}},
			},
			L: []float64{
				1, -0.5, 0, -0.5,
				-0.5, 1, -0.5, 0,
				0, -0.5, 1, -0.5,
				-0.5, 0, -0.5, 1,
			},
			// v1, v3 are right corners (1/4); v0, v2 get 1/8 from each triangle.
			voronoi: []float64{0.25, 0.25, 0.25, 0.25},
			bary:    []float64{1.0 / 3, 1.0 / 6, 1.0 / 3, 1.0 / 6},
			area:    1,
		},
		{
			// (0,0), (4,0), (2,1): twice the area is 4. cot at v0 = (4,0)·(2,1)/4
			// = 2, likewise at v1; cot at v2 = (-2,-1)·(2,-1)/4 = -3/4 (obtuse).
			// L_01 = +3/8, L_02 = L_12 = -1.
			name: "obtuse triangle",
			m:    &Mesh{V: [][3]float64{{0, 0, 0}, {4, 0, 0}, {2, 1, 0}}, F: [][3]int{{0, 1, 2}}},
			L: []float64{
				5.0 / 8, 3.0 / 8, -1,
				3.0 / 8, 5.0 / 8, -1,
				-1, -1, 2,
			},
			// Obtuse fallback: A = 2, obtuse corner v2 gets 1, the others 1/2.
			voronoi: []float64{0.5, 0.5, 1},
			bary:    []float64{2.0 / 3, 2.0 / 3, 2.0 / 3},
			area:    2,
		},
		{
			// Every angle is 60° and every edge is in two faces.
			// Face area √3/4·8 = 2√3; each vertex is in three faces.
			name: "regular tetrahedron",
			m:    tetra,
			L: []float64{
				s3, b, b, b,
				b, s3, b, b,
				b, b, s3, b,
				b, b, b, s3,
			},
			voronoi: []float64{2 * s3, 2 * s3, 2 * s3, 2 * s3},
			bary:    []float64{2 * s3, 2 * s3, 2 * s3, 2 * s3},
			area:    8 * s3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const tol = 1e-14
			n := len(tc.m.V)
			L := tc.m.Cotangent()
			checkCSR(t, L, n, tol)
			got := toDense(L)
			want := mat.NewDense(n, n, tc.L)
			if !mat.EqualApprox(got, want, tol) {
				t.Errorf("L =\n%v\nwant\n%v", mat.Formatted(got), mat.Formatted(want))
			}
			for _, k := range []struct {
				kind MassKind
				want []float64
			}{{Voronoi, tc.voronoi}, {Barycentric, tc.bary}} {
				m := tc.m.Mass(k.kind)
				var sum float64
				for i := range m {
					if math.Abs(m[i]-k.want[i]) > tol*tc.area {
						t.Errorf("%v mass[%d] = %v, want %v", k.kind, i, m[i], k.want[i])
					}
					sum += m[i]
				}
				if math.Abs(sum-tc.area) > tol*tc.area {
					t.Errorf("%v mass sums to %v, want area %v", k.kind, sum, tc.area)
				}
			}
			if a := tc.m.Area(); math.Abs(a-tc.area) > tol*tc.area {
				t.Errorf("Area = %v, want %v", a, tc.area)
			}
			if err := tc.m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestTetrahedronSpectrum(t *testing.T) {
	// L = (√3 + 1/√3) I - (1/√3) 11ᵀ has eigenvalues 0 (constant vector)
	// and 4/√3 (three times).
	var es mat.EigenSym
	if !es.Factorize(denseSym(toDense(tetra.Cotangent())), false) {
		t.Fatal("EigenSym failed")
	}
	want := []float64{0, 4 / s3, 4 / s3, 4 / s3}
	for i, v := range es.Values(nil) {
		if math.Abs(v-want[i]) > 1e-14 {
			t.Errorf("eigenvalue %d = %v, want %v", i, v, want[i])
		}
	}
}

func denseSym(d *mat.Dense) *mat.SymDense {
	n, _ := d.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, d.At(i, j))
		}
	}
	return s
}

// dirichlet returns Σ_f A_f |∇x|² computed from the Gram matrix of each
// triangle's edge vectors, independently of cotangents: with e1 = p1-p0,
// e2 = p2-p0 and d = (x1-x0, x2-x0), |∇x|² = dᵀ G⁻¹ d for G = [e_a·e_b].
func dirichlet(m *Mesh, x []float64) float64 {
	var e float64
	for _, t := range m.F {
		e1 := sub(m.V[t[1]], m.V[t[0]])
		e2 := sub(m.V[t[2]], m.V[t[0]])
		g11, g12, g22 := dot(e1, e1), dot(e1, e2), dot(e2, e2)
		det := g11*g22 - g12*g12
		d1, d2 := x[t[1]]-x[t[0]], x[t[2]]-x[t[0]]
		grad2 := (g22*d1*d1 - 2*g12*d1*d2 + g11*d2*d2) / det
		e += math.Sqrt(det) / 2 * grad2
	}
	return e
}

func TestCotangentProperties(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *Mesh
	}{
		{"tetrahedron", tetra},
		{"jittered grid 6x5", JitteredGrid(6, 5, 0.3, 1)},
		{"jittered grid 9x7", JitteredGrid(9, 7, 0.3, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.m.V)
			L := tc.m.Cotangent()
			checkCSR(t, L, n, 1e-13)
			D := toDense(L)

			positive := 0
			raw := L.RawMatrix()
			for i := range n {
				for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
					if raw.Ind[p] != i && raw.Data[p] > 0 {
						positive++
					}
				}
			}
			t.Logf("%d positive off-diagonal entries", positive)

			var es mat.EigenSym
			if !es.Factorize(denseSym(D), false) {
				t.Fatal("EigenSym failed")
			}
			ev := es.Values(nil)
			if ev[0] < -1e-12 {
				t.Errorf("smallest eigenvalue %v < -1e-12", ev[0])
			}
			if ev[0] > 1e-12 || (n > 1 && ev[1] < 1e-6) {
				t.Errorf("want a one-dimensional null space, eigenvalues start %v", ev[:2])
			}

			rng := rand.New(rand.NewPCG(3, 4))
			x := make([]float64, n)
			for trial := range 5 {
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				xv := mat.NewVecDense(n, x)
				got := mat.Inner(xv, D, xv)
				want := dirichlet(tc.m, x)
				if math.Abs(got-want) > 1e-12*math.Abs(want) {
					t.Errorf("trial %d: xᵀLx = %v, Dirichlet energy %v", trial, got, want)
				}
			}

			area := tc.m.Area()
			for _, kind := range []MassKind{Voronoi, Barycentric} {
				var sum float64
				for i, v := range tc.m.Mass(kind) {
					if !(v > 0) {
						t.Errorf("%v mass[%d] = %v", kind, i, v)
					}
					sum += v
				}
				if math.Abs(sum-area) > 1e-13*area {
					t.Errorf("%v mass sum %v, area %v", kind, sum, area)
				}
			}
		})
	}
}

func TestVoronoiAcute(t *testing.T) {
	// Equilateral triangle of side 2 (area √3): every corner's Voronoi region
	// is a kite of area √3/3. Isoceles acute triangle (0,0), (2,0), (1,2):
	// cot at v0 = v1 = 1/2, at v2 = 3/4. Voronoi: v0 gets
	// (|e01|² cot v2 + |e02|² cot v1)/8 = (4·3/4 + 5·1/2)/8 = 11/16, v1 the same,
	// v2 gets (5·1/2 + 5·1/2)/8 = 5/8; total 2 = area.
	for _, tc := range []struct {
		m    *Mesh
		want []float64
	}{
		{&Mesh{V: [][3]float64{{0, 0, 0}, {2, 0, 0}, {1, s3, 0}}, F: [][3]int{{0, 1, 2}}}, []float64{s3 / 3, s3 / 3, s3 / 3}},
		{&Mesh{V: [][3]float64{{0, 0, 0}, {2, 0, 0}, {1, 2, 0}}, F: [][3]int{{0, 1, 2}}}, []float64{11.0 / 16, 11.0 / 16, 5.0 / 8}},
	} {
		got := tc.m.Mass(Voronoi)
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-14 {
				t.Errorf("%v: mass[%d] = %v, want %v", tc.m.V, i, got[i], tc.want[i])
			}
		}
	}
}

func TestDegenerateFaces(t *testing.T) {
	// The collinear face (1,2,4) and the face repeating vertex 0 contribute
	// nothing; the result equals that of the right triangle alone.
	m := &Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {5, 5, 5}, {2, 0, 0}},
		F: [][3]int{{0, 1, 2}, {1, 4, 0}, {0, 0, 3}},
	}
	if err := m.Validate(); err == nil {
		t.Error("Validate accepted a collinear face")
	}
	ref := &Mesh{V: m.V, F: m.F[:1]}
	if !mat.Equal(toDense(m.Cotangent()), toDense(ref.Cotangent())) {
		t.Error("degenerate faces changed the Laplacian")
	}
	mm, mr := m.Mass(Voronoi), ref.Mass(Voronoi)
	for i := range mm {
		if mm[i] != mr[i] {
			t.Errorf("mass[%d] = %v, want %v", i, mm[i], mr[i])
		}
	}
	checkCSR(t, m.Cotangent(), 5, 1e-15)
}

func TestValidate(t *testing.T) {
	v := [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}
	for _, tc := range []struct {
		name string
		m    *Mesh
		ok   bool
	}{
		{"good", &Mesh{V: v, F: [][3]int{{0, 1, 2}}}, true},
		{"empty", &Mesh{V: v}, false},
		{"index out of range", &Mesh{V: v, F: [][3]int{{0, 1, 3}}}, false},
		{"negative index", &Mesh{V: v, F: [][3]int{{0, -1, 2}}}, false},
		{"repeated vertex", &Mesh{V: v, F: [][3]int{{0, 1, 1}}}, false},
		{"NaN coordinate", &Mesh{V: [][3]float64{{0, 0, 0}, {math.NaN(), 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"overflowing area", &Mesh{V: [][3]float64{{0, 0, 0}, {1e300, 0, 0}, {0, 1e300, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"zero area", &Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}, F: [][3]int{{0, 1, 2}}}, false},
	} {
		if err := tc.m.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}

func TestPanics(t *testing.T) {
	bad := &Mesh{V: [][3]float64{{0, 0, 0}}, F: [][3]int{{0, 1, 2}}}
	for name, f := range map[string]func(){
		"Cotangent":    func() { bad.Cotangent() },
		"Mass":         func() { bad.Mass(Voronoi) },
		"Area":         func() { bad.Area() },
		"Edges":        func() { bad.Edges() },
		"Normalize":    func() { _ = bad.Normalize() },
		"unknown kind": func() { tetra.Mass(MassKind(7)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestEdges(t *testing.T) {
	sq := &Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}},
		F: [][3]int{{0, 1, 2}, {0, 2, 3}},
	}
	want := [][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {2, 3}}
	got := sq.Edges()
	if len(got) != len(want) {
		t.Fatalf("Edges = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Edges = %v, want %v", got, want)
		}
	}
	if n := len(tetra.Edges()); n != 6 {
		t.Errorf("tetrahedron has %d edges, want 6", n)
	}
}

func TestNormalize(t *testing.T) {
	m := JitteredGrid(5, 4, 0.3, 9)
	for i := range m.V {
		m.V[i][0] = 3*m.V[i][0] + 10
		m.V[i][2] -= 4
	}
	L0 := toDense(m.Cotangent())
	V0 := slices.Clone(m.V)
	s := 1 / math.Sqrt(m.Area())
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if a := m.Area(); math.Abs(a-1) > 1e-14 {
		t.Errorf("area after Normalize = %v", a)
	}
	// Normalize only scales.
	for i := range m.V {
		for d := range 3 {
			if want := V0[i][d] * s; math.Abs(m.V[i][d]-want) > 1e-15*math.Abs(want) {
				t.Fatalf("vertex %d after Normalize = %v, want %v·%v", i, m.V[i], V0[i], s)
			}
		}
	}
	// The cotangent Laplacian is scale invariant.
	if !mat.EqualApprox(toDense(m.Cotangent()), L0, 1e-12) {
		t.Error("Normalize changed the cotangent Laplacian")
	}
	flat := &Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}, F: [][3]int{{0, 1, 2}}}
	if err := flat.Normalize(); err == nil {
		t.Error("Normalize accepted a mesh of zero area")
	}
	if flat.V[2][0] != 2 {
		t.Error("failed Normalize modified the mesh")
	}
}

// heronArea computes the area of m by Heron's formula from edge lengths.
func heronArea(m *Mesh) float64 {
	var sum float64
	for _, f := range m.F {
		a := norm(sub(m.V[f[1]], m.V[f[0]]))
		b := norm(sub(m.V[f[2]], m.V[f[1]]))
		c := norm(sub(m.V[f[0]], m.V[f[2]]))
		// Kahan's numerically stable arrangement with a ≥ b ≥ c.
		if a < b {
			a, b = b, a
		}
		if b < c {
			b, c = c, b
		}
		if a < b {
			a, b = b, a
		}
		sum += math.Sqrt((a+(b+c))*(c-(a-b))*(c+(a-b))*(a+(b-c))) / 4
	}
	return sum
}

func TestSpot(t *testing.T) {
	const path = "../testdata/spot.obj"
	m, err := ReadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.V) != 2930 || len(m.F) != 5856 {
		t.Fatalf("spot: %d vertices, %d faces; want 2930, 5856", len(m.V), len(m.F))
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	E := len(m.Edges())
	if chi := len(m.V) - E + len(m.F); chi != 2 {
		t.Errorf("Euler characteristic V-E+F = %d-%d+%d = %d, want 2", len(m.V), E, len(m.F), chi)
	}
	area, heron := m.Area(), heronArea(m)
	t.Logf("spot area %.15g (Heron %.15g), %d edges", area, heron, E)
	if math.Abs(area-heron) > 1e-12*heron {
		t.Errorf("Area = %v, Heron's formula %v", area, heron)
	}
	L := m.Cotangent()
	checkCSR(t, L, len(m.V), 1e-12)
	if nnz := L.NNZ(); nnz != len(m.V)+2*E {
		t.Errorf("nnz(L) = %d, want n + 2E = %d", nnz, len(m.V)+2*E)
	}
	for _, kind := range []MassKind{Voronoi, Barycentric} {
		var sum float64
		for i, v := range m.Mass(kind) {
			if !(v > 0) {
				t.Errorf("%v mass[%d] = %v", kind, i, v)
			}
			sum += v
		}
		if math.Abs(sum-area) > 1e-12*area {
			t.Errorf("%v mass sum %v, area %v", kind, sum, area)
		}
	}
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if a := m.Area(); math.Abs(a-1) > 1e-12 {
		t.Errorf("normalized area %v", a)
	}
}

func BenchmarkCotangentSpot(b *testing.B) {
	f, err := os.Open("../testdata/spot.obj")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	m, err := ReadOBJ(context.Background(), f, "spot.obj")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.Cotangent()
		m.Mass(Voronoi)
	}
}
