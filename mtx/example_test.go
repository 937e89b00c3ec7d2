package mtx_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparsels/sparsels/mtx"
	"gonum.org/v1/gonum/mat"
)

func ExampleRead() {
	// A symmetric matrix as scipy.io.mmwrite writes it: lower triangle only.
	const file = `%%MatrixMarket matrix coordinate real symmetric
%
3 3 4
1 1 2
2 1 -1
3 2 -1.5e-1
3 3 2
`
	m, err := mtx.Read(strings.NewReader(file), "A.mtx")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Format, m.Field, m.Symmetry, m.Rows, m.Cols, m.NNZ)
	a := m.Dense() // symmetry expanded
	for i := 0; i < m.Rows; i++ {
		fmt.Println(mat.Row(nil, i, a))
	}
	raw := m.CSR().RawMatrix()
	fmt.Println("CSR:", raw.Indptr, raw.Ind, raw.Data)

	// Errors name the file and line.
	_, err = mtx.Read(strings.NewReader("%%MatrixMarket matrix coordinate real general\n3 3 1\n4 1 1\n"), "B.mtx")
	fmt.Println(err)

	// Output:
	// coordinate real symmetric 3 3 4
	// [2 -1 0]
	// [-1 0 -0.15]
	// [0 -0.15 2]
	// CSR: [0 2 4 6] [0 1 0 2 1 2] [2 -1 -1 -0.15 -0.15 2]
	// B.mtx:3: row index 4 out of range 1..3
}

func ExampleMatrix_Duplicate() {
	// The pattern of G must not repeat a position.
	const file = `%%MatrixMarket matrix coordinate pattern general
4 4 4
1 1
2 3
4 4
2 3
`
	m, err := mtx.Read(strings.NewReader(file), "G.mtx")
	if err != nil {
		log.Fatal(err)
	}
	if k1, k2, ok := m.Duplicate(); ok {
		fmt.Printf("%s:%d: duplicate of the entry on line %d\n", m.Name, m.Line[k2], m.Line[k1])
	}
	// Output:
	// G.mtx:6: duplicate of the entry on line 4
}

func ExampleWriteCoordinate() {
	// Entries in the caller's order, 0-based indices written 1-based.
	i := []int{0, 2, 1}
	j := []int{0, 0, 1}
	v := []float64{0.1, -2.5e-7, 1.0 / 3}
	err := mtx.WriteCoordinate(os.Stdout, 3, 2, i, j, v, "values of G")
	if err != nil {
		log.Fatal(err)
	}
	// A nil v writes the pattern only.
	err = mtx.WriteCoordinate(os.Stdout, 3, 2, i, j, nil, "")
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// %%MatrixMarket matrix coordinate real general
	// % values of G
	// 3 2 3
	// 1 1 0.1
	// 3 1 -2.5e-07
	// 2 2 0.3333333333333333
	// %%MatrixMarket matrix coordinate pattern general
	// 3 2 3
	// 1 1
	// 3 1
	// 2 2
}

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "mtx-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "X.mtx.gz") // compressed because of the name

	x := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	err = mtx.WriteFile(path, func(w io.Writer) error {
		return mtx.WriteDense(w, x, "solution X")
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := mtx.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Format, m.Rows, m.Cols, m.Data)
	// Output:
	// array 2 2 [1 3 2 4]
}
