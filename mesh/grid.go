package mesh

import (
	"math"
	"math/rand/v2"
)

// WavyGrid returns a triangulated grid of nx×ny vertices: vertex (x, y),
// stored at index x·ny + y, sits at (x + ξ, y + η, 3·sin(x'/9)·cos(y'/11))
// with jitters ξ, η uniform in [−1/8, 1/8) drawn from seed, and each grid
// square is split along alternating diagonals. It is the test and benchmark
// stand-in for a scanned surface: a closed-form mesh of any size with
// irregular triangles. It panics if nx or ny is below 2.
func WavyGrid(nx, ny int, seed uint64) *Mesh {
	if nx < 2 || ny < 2 {
		panic("mesh: WavyGrid needs at least 2×2 vertices")
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	m := &Mesh{V: make([][3]float64, 0, nx*ny), F: make([][3]int, 0, 2*(nx-1)*(ny-1))}
	for x := range nx {
		for y := range ny {
			fx := float64(x) + 0.25*(rng.Float64()-0.5)
			fy := float64(y) + 0.25*(rng.Float64()-0.5)
			m.V = append(m.V, [3]float64{fx, fy, 3 * math.Sin(fx/9) * math.Cos(fy/11)})
		}
	}
	id := func(x, y int) int { return x*ny + y }
	for x := 0; x+1 < nx; x++ {
		for y := 0; y+1 < ny; y++ {
			if (x+y)%2 == 0 {
				m.F = append(m.F, [3]int{id(x, y), id(x+1, y), id(x+1, y+1)}, [3]int{id(x, y), id(x+1, y+1), id(x, y+1)})
			} else {
				m.F = append(m.F, [3]int{id(x, y), id(x+1, y), id(x, y+1)}, [3]int{id(x+1, y), id(x+1, y+1), id(x, y+1)})
			}
		}
	}
	return m
}

// JitteredGrid returns a triangulated (nx+1)×(ny+1) grid, vertex (i, j)
// stored at index j·(nx+1) + i, lifted by z = bump·sin(x)·cos(y), with every
// interior vertex moved randomly (from seed) by up to 0.4 of the spacing, so
// that many triangles are obtuse and many cotangent weights positive: a
// small hard case for operators and clustering. It panics if nx or ny is
// below 1.
func JitteredGrid(nx, ny int, bump float64, seed uint64) *Mesh {
	if nx < 1 || ny < 1 {
		panic("mesh: JitteredGrid needs at least one square")
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	m := &Mesh{V: make([][3]float64, 0, (nx+1)*(ny+1)), F: make([][3]int, 0, 2*nx*ny)}
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			x, y := float64(i), float64(j)
			if i > 0 && i < nx && j > 0 && j < ny {
				x += 0.8 * (rng.Float64() - 0.5)
				y += 0.8 * (rng.Float64() - 0.5)
			}
			m.V = append(m.V, [3]float64{x, y, bump * math.Sin(x) * math.Cos(y)})
		}
	}
	id := func(i, j int) int { return j*(nx+1) + i }
	for j := range ny {
		for i := range nx {
			a, b, c, d := id(i, j), id(i+1, j), id(i+1, j+1), id(i, j+1)
			if (i+j)%2 == 0 {
				m.F = append(m.F, [3]int{a, b, c}, [3]int{a, c, d})
			} else {
				m.F = append(m.F, [3]int{a, b, d}, [3]int{b, c, d})
			}
		}
	}
	return m
}
