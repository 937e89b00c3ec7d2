package mesh

import (
	"fmt"
	"math"
	"slices"

	"github.com/james-bowman/sparse"
)

// faceCot returns the cotangents of the three corner angles of face t, cot[k]
// being the cotangent at corner t[k], and ok = false if the face has zero or
// non-finite area (its cotangents are then undefined).
func (m *Mesh) faceCot(t [3]int) (cot [3]float64, dblArea float64, ok bool) {
	p := [3][3]float64{m.V[t[0]], m.V[t[1]], m.V[t[2]]}
	dblArea = norm(cross(sub(p[1], p[0]), sub(p[2], p[0])))
	if !(dblArea > 0) || math.IsInf(dblArea, 0) {
		return cot, dblArea, false
	}
	for k := range 3 {
		a := sub(p[(k+1)%3], p[k])
		b := sub(p[(k+2)%3], p[k])
		cot[k] = dot(a, b) / dblArea
		if math.IsNaN(cot[k]) || math.IsInf(cot[k], 0) {
			return cot, dblArea, false
		}
	}
	return cot, dblArea, true
}

type colVal struct {
	col int
	val float64
}

// Cotangent returns the n×n positive semi-definite cotangent Laplacian of m,
// n = len(V):
//
//	L_ij = -(cot α_ij + cot β_ij)/2   for every edge ij,
//	L_ii = -Σ_{j≠i} L_ij,
//
// where α_ij and β_ij are the angles opposite the edge ij in its two triangles;
// a boundary edge has one triangle and gets one cotangent (a non-manifold edge
// gets the sum over all its triangles). L is symmetric (bit for bit), its rows
// sum to zero up to rounding, and xᵀLx = Σ_f A_f |∇x|² ≥ 0 is the Dirichlet
// energy of the piecewise-linear interpolant of x. Off-diagonal entries are
// positive across edges whose opposite angles sum to more than π.
//
// The matrix is assembled directly as CSR arrays: every row stores its
// diagonal and one entry per distinct neighbour, with column indices sorted.
// Entries that happen to be exactly zero (e.g. an edge opposite two right
// angles) are kept in the structure. A vertex that belongs to no face has a
// single zero diagonal entry. Degenerate faces (zero or non-finite area,
// including faces with a repeated vertex, or a cotangent that overflows) have
// undefined cotangents and contribute nothing; Validate reports them. The cost is O(F log d) time for maximum
// vertex degree d and O(F + n) memory.
//
// Cotangent panics if a face refers to a vertex outside V.
func (m *Mesh) Cotangent() *sparse.CSR {
	m.checkFaces()
	n := len(m.V)
	cots := make([][3]float64, len(m.F))
	valid := make([]bool, len(m.F))
	start := make([]int, n+1)
	for f, t := range m.F {
		cots[f], _, valid[f] = m.faceCot(t)
		if valid[f] {
			for _, v := range t {
				start[v+1] += 2
			}
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	// Directed half-edge contributions grouped by row, in face order.
	tmp := make([]colVal, start[n])
	pos := slices.Clone(start[:n])
	for f, t := range m.F {
		if !valid[f] {
			continue
		}
		for k := range 3 {
			i, j := t[(k+1)%3], t[(k+2)%3]
			w := 0 - cots[f][k]/2 // 0 - x rather than -x: a right angle gives +0, not -0.
			tmp[pos[i]] = colVal{j, w}
			pos[i]++
			tmp[pos[j]] = colVal{i, w}
			pos[j]++
		}
	}
	byCol := func(a, b colVal) int { return a.col - b.col }
	nnz := n
	for i := range n {
		row := tmp[start[i]:start[i+1]]
		// Stable, so duplicates are summed in face order in both (i,j) and
		// (j,i): the result is exactly symmetric.
		slices.SortStableFunc(row, byCol)
		for k := range row {
			if k == 0 || row[k].col != row[k-1].col {
				nnz++
			}
		}
	}
	indptr := make([]int, n+1)
	ind := make([]int, 0, nnz)
	data := make([]float64, 0, nnz)
	for i := range n {
		row := tmp[start[i]:start[i+1]]
		diagPos := -1
		var diag float64
		for k := 0; k < len(row); {
			c := row[k].col
			if diagPos < 0 && c > i {
				diagPos = len(ind)
				ind = append(ind, i)
				data = append(data, 0)
			}
			v := row[k].val
			for k++; k < len(row) && row[k].col == c; k++ {
				v += row[k].val
			}
			ind = append(ind, c)
			data = append(data, v)
			diag -= v
		}
		if diagPos < 0 {
			diagPos = len(ind)
			ind = append(ind, i)
			data = append(data, 0)
		}
		data[diagPos] = diag
		indptr[i+1] = len(ind)
	}
	return sparse.NewCSR(n, n, indptr, ind, data)
}

// MassKind selects the lumped mass matrix computed by Mass. The zero value is
// Voronoi, the default of the published spectral coarsening code.
type MassKind int

const (
	// Voronoi gives each vertex its mixed Voronoi area (Meyer, Desbrun,
	// Schröder and Barr 2003): in a triangle without an obtuse angle, vertex i
	// gets (|e_ij|² cot γ_k + |e_ik|² cot γ_j)/8, where γ_j and γ_k are the
	// angles at the other two corners; in a triangle with an obtuse angle the
	// obtuse corner gets half the area and the other two a quarter each.
	// (Both rules agree on right triangles.)
	Voronoi MassKind = iota
	// Barycentric gives each vertex one third of the area of every incident
	// triangle.
	Barycentric
)

// String returns the name of k.
func (k MassKind) String() string {
	switch k {
	case Voronoi:
		return "Voronoi"
	case Barycentric:
		return "Barycentric"
	}
	return fmt.Sprintf("MassKind(%d)", int(k))
}

// Mass returns the diagonal of the lumped mass matrix M of m, one entry per
// vertex, of the given kind. Every kind distributes the whole area of every
// triangle to its corners, so the entries are non-negative and sum to Area()
// up to rounding. Degenerate faces (see Cotangent) contribute nothing; a
// vertex in no face gets mass 0. The cost is O(len(F) + len(V)).
//
// Mass panics if kind is not Voronoi or Barycentric, or if a face refers to a
// vertex outside V.
func (m *Mesh) Mass(kind MassKind) []float64 {
	if kind != Voronoi && kind != Barycentric {
		panic(fmt.Sprintf("mesh: unknown mass kind %d", int(kind)))
	}
	m.checkFaces()
	mass := make([]float64, len(m.V))
	for _, t := range m.F {
		cot, dblArea, ok := m.faceCot(t)
		if !ok {
			continue
		}
		area := dblArea / 2
		if kind == Barycentric {
			for _, v := range t {
				mass[v] += area / 3
			}
			continue
		}
		obtuse := -1
		for k := range 3 {
			if cot[k] < 0 {
				obtuse = k
			}
		}
		if obtuse >= 0 {
			for k, v := range t {
				if k == obtuse {
					mass[v] += area / 2
				} else {
					mass[v] += area / 4
				}
			}
			continue
		}
		for k, v := range t {
			j, l := (k+1)%3, (k+2)%3
			eij := sub(m.V[t[j]], m.V[v])
			eil := sub(m.V[t[l]], m.V[v])
			mass[v] += (dot(eij, eij)*cot[l] + dot(eil, eil)*cot[j]) / 8
		}
	}
	return mass
}
