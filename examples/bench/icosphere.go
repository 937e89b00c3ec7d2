package main

import (
	"math"

	"github.com/sparsels/sparsels/mesh"
)

// icosphere returns the unit icosphere of the given subdivision level: the
// icosahedron with every triangle split into four, level times, and the new
// vertices pushed onto the sphere; 10·4^level + 2 vertices. It is the mesh
// of a held-out coarsening problem whose spectrum is known (the spherical
// harmonics: eigenvalue multiplicities 1, 3, 5, …), so that k = 100 ends on
// a complete eigenspace (l = 0…9).
func icosphere(level int) *mesh.Mesh {
	p := (1 + math.Sqrt(5)) / 2
	v := [][3]float64{
		{-1, p, 0}, {1, p, 0}, {-1, -p, 0}, {1, -p, 0},
		{0, -1, p}, {0, 1, p}, {0, -1, -p}, {0, 1, -p},
		{p, 0, -1}, {p, 0, 1}, {-p, 0, -1}, {-p, 0, 1},
	}
	f := [][3]int{
		{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11},
		{1, 5, 9}, {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
		{3, 9, 4}, {3, 4, 2}, {3, 2, 6}, {3, 6, 8}, {3, 8, 9},
		{4, 9, 5}, {2, 4, 11}, {6, 2, 10}, {8, 6, 7}, {9, 8, 1},
	}
	for i := range v {
		v[i] = onSphere(v[i])
	}
	for range level {
		mid := map[[2]int]int{}
		midpoint := func(a, b int) int {
			key := [2]int{min(a, b), max(a, b)}
			if i, ok := mid[key]; ok {
				return i
			}
			x, y := v[a], v[b]
			v = append(v, onSphere([3]float64{x[0] + y[0], x[1] + y[1], x[2] + y[2]}))
			mid[key] = len(v) - 1
			return len(v) - 1
		}
		next := make([][3]int, 0, 4*len(f))
		for _, t := range f {
			a, b, c := midpoint(t[0], t[1]), midpoint(t[1], t[2]), midpoint(t[2], t[0])
			next = append(next, [3]int{t[0], a, c}, [3]int{t[1], b, a}, [3]int{t[2], c, b}, [3]int{a, b, c})
		}
		f = next
	}
	return &mesh.Mesh{V: v, F: f}
}

// onSphere returns x scaled to unit length.
func onSphere(x [3]float64) [3]float64 {
	r := math.Sqrt(x[0]*x[0] + x[1]*x[1] + x[2]*x[2])
	return [3]float64{x[0] / r, x[1] / r, x[2] / r}
}
