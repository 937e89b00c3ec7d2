package mesh_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/sparsels/sparsels/mesh"
)

func ExampleReadOBJ() {
	// A unit square given as one quad; it is fan-triangulated into two
	// triangles sharing the diagonal 1-3.
	const obj = `# unit square
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
f 1 2 3 4
`
	m, err := mesh.ReadOBJ(context.Background(), strings.NewReader(obj), "square.obj")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("faces:", m.F)
	fmt.Println("area:", m.Area())

	_, err = mesh.ReadOBJ(context.Background(), strings.NewReader("v 0 0 0\nf 1 2 3\n"), "broken.obj")
	fmt.Println(err)
	// Output:
	// faces: [[0 1 2] [0 2 3]]
	// area: 1
	// mesh: broken.obj:2: vertex index 3 out of range: 1 vertices
}

func ExampleMesh_Cotangent() {
	// Right triangle with legs 1: the angles are 90°, 45° and 45°.
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}},
		F: [][3]int{{0, 1, 2}},
	}
	L := m.Cotangent()
	raw := L.RawMatrix()
	for i := range 3 {
		var row []string
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			row = append(row, fmt.Sprintf("L(%d,%d) = %5.2f", i, raw.Ind[p], raw.Data[p]))
		}
		fmt.Println(strings.Join(row, "  "))
	}
	fmt.Printf("Voronoi mass:     %.4f\n", m.Mass(mesh.Voronoi))
	fmt.Printf("barycentric mass: %.4f\n", m.Mass(mesh.Barycentric))
	// Output:
	// L(0,0) =  1.00  L(0,1) = -0.50  L(0,2) = -0.50
	// L(1,0) = -0.50  L(1,1) =  0.50  L(1,2) =  0.00
	// L(2,0) = -0.50  L(2,1) =  0.00  L(2,2) =  0.50
	// Voronoi mass:     [0.2500 0.1250 0.1250]
	// barycentric mass: [0.1667 0.1667 0.1667]
}
