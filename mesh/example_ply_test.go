package mesh_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/sparsels/sparsels/mesh"
)

func ExampleReadPLY() {
	const ply = `ply
format ascii 1.0
element vertex 4
property float x
property float y
property float z
element face 1
property list uchar int vertex_indices
end_header
0 0 0
1 0 0
1 1 0
0 1 0
4 0 1 2 3
`
	m, err := mesh.ReadPLY(context.Background(), strings.NewReader(ply), "square.ply")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("faces:", m.F)
	fmt.Println("area:", m.Area())
	// Output:
	// faces: [[0 1 2] [0 2 3]]
	// area: 1
}

func ExampleWriteOBJ() {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 0.1, 0}},
		F: [][3]int{{0, 1, 2}},
	}
	if err := mesh.WriteOBJ(os.Stdout, m, "one triangle"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// # one triangle
	// v 0 0 0
	// v 1 0 0
	// v 0 0.1 0
	// f 1 2 3
}

func ExampleMesh_Unreferenced() {
	m := &mesh.Mesh{
		V: [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {7, 7, 7}},
		F: [][3]int{{0, 1, 2}},
	}
	fmt.Println(m.Unreferenced())
	fmt.Println(m.Mass(mesh.Barycentric)[3])
	// Output:
	// [3]
	// 0
}
