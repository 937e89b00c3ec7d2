package mesh_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/mesh"
)

func TestUnreferenced(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {5, 5, 5}, {2, 0, 0}, {3, 0, 0}},
		F: [][3]int{{0, 1, 2}, {1, 4, 5}}, // the second face is degenerate (collinear)
	}
	if got, want := m.Unreferenced(), []int{3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unreferenced() = %v, want %v", got, want)
	}
	mass := m.Mass(mesh.Voronoi)
	for _, v := range []int{3, 4, 5} {
		if mass[v] != 0 {
			t.Errorf("mass[%d] = %v: an unreferenced vertex should have none", v, mass[v])
		}
	}
}

// TestNormalizeNeedle normalizes a unit square with a needle triangle
// whose apex is 1e-17 below its base on y = 0. The mesh must stay valid,
// every mass positive, and the cotangent Laplacian unchanged to a relative
// 1e-12 per entry. Regression test for a Normalize that translated the
// centroid (y ≈ 0.5) to the origin, which rounded the apex onto the base:
// "mass[4] = 0 is not positive and finite".
func TestNormalizeNeedle(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0.5, -1e-17, 0}},
		F: [][3]int{{0, 1, 2}, {0, 2, 3}, {1, 0, 4}},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	L0 := m.Cotangent()
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("after Normalize: %v", err)
	}
	if a := m.Area(); math.Abs(a-1) > 1e-14 {
		t.Errorf("area after Normalize = %v", a)
	}
	for i, v := range m.Mass(mesh.Voronoi) {
		if !(v > 0) {
			t.Errorf("mass[%d] = %v after Normalize", i, v)
		}
	}
	L := m.Cotangent()
	for i := range 5 {
		for j := range 5 {
			if w, g := L0.At(i, j), L.At(i, j); math.Abs(g-w) > 1e-12*math.Abs(w) {
				t.Errorf("L[%d,%d] = %v after Normalize, %v before", i, j, g, w)
			}
		}
	}
	// A mesh whose scaled coordinates overflow is left unchanged.
	big := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1e-150, 0, 0}, {0, 1e-150, 0}, {1e300, 1e300, 0}}, F: [][3]int{{0, 1, 2}}}
	if err := big.Normalize(); err == nil || !strings.Contains(err.Error(), "vertex 3") || big.V[1][0] != 1e-150 {
		t.Errorf("overflowing Normalize: %v, vertex 1 = %v", err, big.V[1])
	}
}

// TestRemoveUnreferenced removes a vertex in no face and a vertex only
// in a degenerate face: the copy has positive masses, its operators are
// those of the original restricted to the kept vertices, and the index map
// is documented.
func TestRemoveUnreferenced(t *testing.T) {
	m := &mesh.Mesh{
		V: [][3]float64{{9, 9, 9}, {0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {2, 0, 0}, {0, 1, 0}},
		F: [][3]int{{1, 2, 3}, {1, 2, 4}, {1, 3, 5}},
	}
	if u := m.Unreferenced(); !reflect.DeepEqual(u, []int{0, 4}) {
		t.Fatalf("Unreferenced = %v", u)
	}
	r, index := m.RemoveUnreferenced()
	wantIndex := []int{-1, 0, 1, 2, -1, 3}
	want := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}, {0, 2, 3}}}
	if !reflect.DeepEqual(index, wantIndex) || !reflect.DeepEqual(r, want) {
		t.Fatalf("RemoveUnreferenced = %v, %v; want %v, %v", r, index, want, wantIndex)
	}
	if err := r.Validate(); err != nil || len(r.Unreferenced()) != 0 {
		t.Errorf("copy: Validate %v, Unreferenced %v", err, r.Unreferenced())
	}
	L0, L := m.Cotangent(), r.Cotangent()
	M0, M := m.Mass(mesh.Voronoi), r.Mass(mesh.Voronoi)
	for i, ni := range index {
		if ni < 0 {
			continue
		}
		if M[ni] != M0[i] || !(M[ni] > 0) {
			t.Errorf("mass of vertex %d (now %d) = %v, was %v", i, ni, M[ni], M0[i])
		}
		for j, nj := range index {
			if nj >= 0 && L.At(ni, nj) != L0.At(i, j) {
				t.Errorf("L[%d,%d] = %v, was L[%d,%d] = %v", ni, nj, L.At(ni, nj), i, j, L0.At(i, j))
			}
		}
	}
	if len(m.V) != 6 || len(m.F) != 3 {
		t.Error("RemoveUnreferenced modified its receiver")
	}
}
