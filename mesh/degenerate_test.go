package mesh_test

// The operators on geometry that defeats naive formulas: they must stay
// finite, exactly symmetric, with zero row sums and non-negative masses
// summing to the area, and Validate must name the degenerate faces.

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/mesh"
)

// checkOperators checks that the Laplacian is finite and exactly
// symmetric with a diagonal in every row and zero row sums up to rounding,
// and that both masses are finite, non-negative and sum to the area.
func checkOperators(t *testing.T, m *mesh.Mesh, what string) {
	t.Helper()
	L := m.Cotangent()
	raw := L.RawMatrix()
	n := len(m.V)
	if len(raw.Indptr) != n+1 {
		t.Fatalf("%s: Laplacian has %d row pointers for %d vertices", what, len(raw.Indptr), n)
	}
	for i := 0; i < n; i++ {
		var sum, abs float64
		for s := raw.Indptr[i]; s < raw.Indptr[i+1]; s++ {
			v := raw.Data[s]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: L[%d,%d] = %v", what, i, raw.Ind[s], v)
			}
			if w := L.At(raw.Ind[s], i); w != v {
				t.Fatalf("%s: L[%d,%d] = %v but L[%d,%d] = %v", what, i, raw.Ind[s], v, raw.Ind[s], i, w)
			}
			sum += v
			abs += math.Abs(v)
		}
		if math.Abs(sum) > 1e-10*abs {
			t.Fatalf("%s: row %d of L sums to %v (scale %v)", what, i, sum, abs)
		}
	}
	area := m.Area()
	for _, kind := range []mesh.MassKind{mesh.Voronoi, mesh.Barycentric} {
		var sum float64
		for i, v := range m.Mass(kind) {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("%s: %v mass[%d] = %v", what, kind, i, v)
			}
			sum += v
		}
		if !math.IsInf(area, 0) && math.Abs(sum-area) > 1e-10*area {
			t.Fatalf("%s: %v masses sum to %v, area %v", what, kind, sum, area)
		}
	}
}

// TestOperatorsDegenerateGeometry checks the operators on geometry that defeats
// naive formulas: needle and cap triangles, collinear and coincident
// vertices, unreferenced vertices, non-manifold edges, and coordinates
// around 1e-300, 1e-150, 1e150 and 1e300. Regression test for squares of
// side 1e-150 and 1e150, whose triangles were dropped as degenerate (area 0
// and +Inf) because the length of the cross product was computed by
// squaring its entries.
func TestOperatorsDegenerateGeometry(t *testing.T) {
	square := func(s float64) *mesh.Mesh {
		return &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {s, 0, 0}, {0, s, 0}, {s, s, 0}}, F: [][3]int{{0, 1, 2}, {1, 3, 2}}}
	}
	unit := square(1).Cotangent()
	for _, s := range []float64{1e-300, 1e-150, 1e-20, 1e20, 1e150, 1e300} {
		m := square(s)
		what := fmt.Sprintf("square of side %g", s)
		checkOperators(t, m, what)
		// The cotangent Laplacian is scale invariant in 2D; the masses
		// scale with s².
		L := m.Cotangent()
		if m.Validate() == nil {
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					if math.Abs(L.At(i, j)-unit.At(i, j)) > 1e-12 {
						t.Errorf("%s: L[%d,%d] = %v, want %v", what, i, j, L.At(i, j), unit.At(i, j))
					}
				}
			}
			if a := m.Area(); math.Abs(a-s*s) > 1e-12*s*s {
				t.Errorf("%s: area %v", what, a)
			}
		} else if s > 1e-200 && s < 1e200 {
			t.Errorf("%s: %v", what, m.Validate())
		}
	}
	for _, test := range []struct {
		name string
		m    *mesh.Mesh
		bad  bool // Validate must report a degenerate face
	}{
		{"collinear", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}, F: [][3]int{{0, 1, 2}}}, true},
		{"coincident", &mesh.Mesh{V: [][3]float64{{1, 1, 1}, {1, 1, 1}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}}}, true},
		{"needle", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0.5, 1e-17, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"cap", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {1e-9, 1e-300, 0}}, F: [][3]int{{0, 1, 2}}}, false},
		{"unreferenced vertex", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {9, 9, 9}}, F: [][3]int{{0, 1, 2}}}, false},
		{"non-manifold edge", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}},
			F: [][3]int{{0, 1, 2}, {1, 0, 3}, {0, 1, 4}}}, false},
		{"duplicate face", &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 2}, {2, 1, 0}}}, false},
		{"overflowing cross product", &mesh.Mesh{V: [][3]float64{{-1e308, 0, 0}, {1e308, 0, 0}, {0, 1e308, 0}}, F: [][3]int{{0, 1, 2}}}, true},
	} {
		checkOperators(t, test.m, test.name)
		err := test.m.Validate()
		if test.bad && (err == nil || !strings.Contains(err.Error(), "face 0")) {
			t.Errorf("%s: Validate = %v, want an error naming face 0", test.name, err)
		}
	}
	// Faces outside V are programmer errors: the operators panic with a
	// message naming the package, and Validate returns an error.
	m := &mesh.Mesh{V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, F: [][3]int{{0, 1, 5}}}
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "face 0") {
		t.Errorf("Validate of an out-of-range face: %v", err)
	}
	for name, f := range map[string]func(){
		"Cotangent": func() { m.Cotangent() },
		"Mass":      func() { m.Mass(mesh.Voronoi) },
		"Area":      func() { m.Area() },
		"Edges":     func() { m.Edges() },
		"MassKind":  func() { square(1).Mass(mesh.MassKind(7)) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "mesh: ") {
					t.Errorf("%s: panic %v, want one starting with \"mesh: \"", name, r)
				}
			}()
			f()
		}()
	}
}
