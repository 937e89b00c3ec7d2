package mesh

import (
	"fmt"
	"math"
	"slices"
)

// Mesh is a triangle mesh: V holds the vertex positions and F the triangles
// as triples of 0-based indices into V. The orientation of a triangle does not
// matter to any operator in this package.
type Mesh struct {
	V [][3]float64
	F [][3]int
}

// checkFaces panics if a face of m refers to a vertex outside V.
func (m *Mesh) checkFaces() {
	n := len(m.V)
	for f, t := range m.F {
		for _, v := range t {
			if uint(v) >= uint(n) {
				panic(fmt.Sprintf("mesh: face %d refers to vertex %d, have %d vertices", f, v, n))
			}
		}
	}
}

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// norm returns the Euclidean length of a without the overflow and underflow
// of squaring its entries: math.Sqrt(dot(a, a)) is 0 for the cross product
// of a triangle with coordinates around 1e-150 and +Inf around 1e150, whose
// doubled areas (about 1e-300 and 1e300) are representable, so Cotangent and
// Mass would drop such triangles as degenerate.
func norm(a [3]float64) float64 { return math.Hypot(math.Hypot(a[0], a[1]), a[2]) }

// doubleArea returns twice the area of face t of m.
func (m *Mesh) doubleArea(t [3]int) float64 {
	p := m.V[t[0]]
	return norm(cross(sub(m.V[t[1]], p), sub(m.V[t[2]], p)))
}

// Area returns the total surface area Σ_f |(v1-v0)×(v2-v0)|/2 of m. The cost is
// O(len(F)). Area panics if a face refers to a vertex outside V.
func (m *Mesh) Area() float64 {
	m.checkFaces()
	var a float64
	for _, t := range m.F {
		a += m.doubleArea(t)
	}
	return a / 2
}

// Normalize scales m by s = 1/√A, so that its total surface area A becomes 1,
// as the published spectral coarsening code does: every coordinate x becomes
// x·s. The cotangent Laplacian does not depend on the scale and the masses
// are divided by A, up to the rounding of one product per coordinate.
//
// Normalize does not translate m: a translation by a vector c rounds every
// coordinate to the precision of its sum with c, which can collapse a thin
// face (an apex 1e-17 off a base along y = 0 becomes degenerate once y is
// shifted by 0.5), whereas no operator of this package depends on the
// position.
//
// Normalize returns an error and leaves m unchanged if the area is zero or
// not finite, or if a scaled coordinate would overflow or a face of positive
// area would become degenerate (its shape is then within rounding of
// degenerate); the error names the vertex or face. It panics if a face
// refers to a vertex outside V.
func (m *Mesh) Normalize() error {
	m.checkFaces()
	var area float64
	for _, t := range m.F {
		area += m.doubleArea(t) / 2
	}
	if !(area > 0) || math.IsInf(area, 0) {
		return fmt.Errorf("mesh: cannot normalize a mesh of surface area %v", area)
	}
	s := 1 / math.Sqrt(area)
	scaled := &Mesh{V: make([][3]float64, len(m.V)), F: m.F}
	for i, p := range m.V {
		for d, x := range p {
			y := x * s
			if math.IsInf(y, 0) {
				return fmt.Errorf("mesh: cannot normalize: coordinate %d of vertex %d, %v, overflows when scaled by %v", d, i, x, s)
			}
			scaled.V[i][d] = y
		}
	}
	for f, t := range m.F {
		if _, _, ok := m.faceCot(t); ok {
			if _, dbl, ok := scaled.faceCot(t); !ok {
				return fmt.Errorf("mesh: cannot normalize: face %d %v becomes degenerate when scaled by %v (area %v)", f, t, s, dbl/2)
			}
		}
	}
	copy(m.V, scaled.V)
	return nil
}

// RemoveUnreferenced returns a copy of m without the vertices listed by
// Unreferenced (those in no face of positive area, which have mass 0 and
// make the mass matrix singular), and index, of length len(m.V), with
// index[i] the index in the copy of vertex i of m, or -1 if it was removed.
// The kept vertices and faces keep their order; faces that use a removed
// vertex (all of them of zero or non-finite area, so they contribute to no
// operator) are dropped. The operators of the copy are those of m restricted
// to the kept vertices. The cost is O(len(V) + len(F)). RemoveUnreferenced
// panics if a face refers to a vertex outside V.
func (m *Mesh) RemoveUnreferenced() (*Mesh, []int) {
	drop := m.Unreferenced()
	index := make([]int, len(m.V))
	out := &Mesh{V: make([][3]float64, 0, len(m.V)-len(drop))}
	for i, p := range m.V {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			index[i] = -1
			continue
		}
		index[i] = len(out.V)
		out.V = append(out.V, p)
	}
	out.F = make([][3]int, 0, len(m.F))
	for _, t := range m.F {
		u := [3]int{index[t[0]], index[t[1]], index[t[2]]}
		if u[0] >= 0 && u[1] >= 0 && u[2] >= 0 {
			out.F = append(out.F, u)
		}
	}
	return out, index
}

// Edges returns the undirected edges of m as pairs {i, j} with i < j, sorted
// lexicographically and without duplicates. A face with a repeated vertex
// contributes only its edges between distinct vertices. The cost is
// O(F log F). Edges panics if a face refers to a vertex outside V.
func (m *Mesh) Edges() [][2]int {
	m.checkFaces()
	e := make([][2]int, 0, 3*len(m.F))
	for _, t := range m.F {
		for k := range 3 {
			i, j := t[k], t[(k+1)%3]
			if i == j {
				continue
			}
			if i > j {
				i, j = j, i
			}
			e = append(e, [2]int{i, j})
		}
	}
	slices.SortFunc(e, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return slices.Compact(e)
}

// Validate reports the first problem that makes the operators of m
// ill-defined: no vertices or faces, a face index outside V, a face with a
// repeated vertex, a non-finite coordinate, or a degenerate face (area zero or
// not finite, or a cotangent that overflows). The returned error names the
// face or vertex. Cotangent and Mass skip degenerate faces silently; call
// Validate to detect them.
func (m *Mesh) Validate() error {
	n := len(m.V)
	if n == 0 || len(m.F) == 0 {
		return fmt.Errorf("mesh: empty mesh (%d vertices, %d faces)", n, len(m.F))
	}
	for i, p := range m.V {
		for d, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("mesh: vertex %d coordinate %d is %v", i, d, x)
			}
		}
	}
	for f, t := range m.F {
		for _, v := range t {
			if uint(v) >= uint(n) {
				return fmt.Errorf("mesh: face %d refers to vertex %d, have %d vertices", f, v, n)
			}
		}
		if t[0] == t[1] || t[1] == t[2] || t[0] == t[2] {
			return fmt.Errorf("mesh: face %d %v repeats a vertex", f, t)
		}
		if _, dbl, ok := m.faceCot(t); !ok {
			return fmt.Errorf("mesh: face %d %v is degenerate: area %v", f, t, dbl/2)
		}
	}
	return nil
}
