package mesh

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteOBJ writes m to w as a Wavefront OBJ file: a comment line (if comment
// is not empty), one "v x y z" record per vertex with the shortest decimal
// representation that reads back to the same float64, and one "f a b c"
// record per triangle with 1-based indices. ReadOBJ reads the result back to
// an identical Mesh. WriteOBJ returns the first write error; it panics if a
// face refers to a vertex outside V.
func WriteOBJ(w io.Writer, m *Mesh, comment string) error {
	m.checkFaces()
	bw := bufio.NewWriter(w)
	if comment != "" {
		fmt.Fprintf(bw, "# %s\n", comment)
	}
	buf := make([]byte, 0, 96)
	for _, v := range m.V {
		buf = append(buf[:0], 'v')
		for _, x := range v {
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	for _, t := range m.F {
		buf = append(buf[:0], 'f')
		for _, v := range t {
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(v)+1, 10)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Unreferenced returns, in increasing order, the vertices of m that are in
// no face of positive area: their lumped mass is 0, so (L, M) has no
// generalized eigenproblem until they are removed. It panics if a face
// refers to a vertex outside V.
func (m *Mesh) Unreferenced() []int {
	m.checkFaces()
	used := make([]bool, len(m.V))
	for _, t := range m.F {
		if _, _, ok := m.faceCot(t); ok {
			for _, v := range t {
				used[v] = true
			}
		}
	}
	var out []int
	for i, u := range used {
		if !u {
			out = append(out, i)
		}
	}
	return out
}
