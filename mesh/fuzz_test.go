package mesh

import (
	"bytes"
	"context"
	"math"
	"testing"
)

// checkMesh verifies the invariants every successfully read mesh satisfies
// and exercises the operators on it.
func checkMesh(t *testing.T, m *Mesh, in []byte) {
	t.Helper()
	if len(m.V) == 0 || len(m.F) == 0 {
		t.Fatalf("accepted an empty mesh from %q", in)
	}
	for i, p := range m.V {
		for _, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("vertex %d = %v from %q", i, p, in)
			}
		}
	}
	for f, tri := range m.F {
		for _, v := range tri {
			if v < 0 || v >= len(m.V) {
				t.Fatalf("face %d = %v out of range from %q", f, tri, in)
			}
		}
		if tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2] {
			t.Fatalf("face %d = %v repeats a vertex from %q", f, tri, in)
		}
	}
	if len(m.F) > 1000 {
		return
	}
	// The operators must not panic and must keep their structure whatever the
	// geometry (tiny, huge or collinear coordinates).
	L := m.Cotangent()
	raw := L.RawMatrix()
	n := len(m.V)
	if len(raw.Indptr) != n+1 || raw.Indptr[n] != len(raw.Ind) {
		t.Fatalf("malformed CSR from %q", in)
	}
	for i := range n {
		diag := false
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if p > raw.Indptr[i] && raw.Ind[p-1] >= raw.Ind[p] {
				t.Fatalf("row %d unsorted from %q", i, in)
			}
			diag = diag || raw.Ind[p] == i
		}
		if !diag {
			t.Fatalf("row %d has no diagonal from %q", i, in)
		}
	}
	for _, kind := range []MassKind{Voronoi, Barycentric} {
		for i, v := range m.Mass(kind) {
			if v < 0 || math.IsNaN(v) {
				t.Fatalf("%v mass[%d] = %v from %q", kind, i, v, in)
			}
		}
	}
	_ = m.Validate()
}

func FuzzReadOBJ(f *testing.F) {
	for _, s := range []string{
		"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
		"v 0 0 0 1\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nf 1/1/1 2//1 3/2 -1\n",
		"# c\nv 1e300 0 0\nv 0 1e300 0\nv 0 0 1e-300\nf -3 -2 -1\no x\ng y\nusemtl z\n",
		"f 1 2 3\nv 0 0 0\nv 1 0 0\nv 2 0 0\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ReadOBJ(context.Background(), bytes.NewReader(in), "fuzz.obj")
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		checkMesh(t, m, in)
	})
}

func FuzzReadOFF(f *testing.F) {
	for _, s := range []string{
		"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
		"OFF 4 2 5\n# c\n0 0 0\n1 0 0 1 1 1\n1 1 0\n0 1 0\n4 0 1 2 3 0.5\n3 3 2 0\n",
		"OFF\n1000000000 1000000000 0\n0 0 0\n",
		"OFF\n3 1\n1e308 0 0\n0 -1e308 0\n0 0 0\n3 2 1 0\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ReadOFF(context.Background(), bytes.NewReader(in), "fuzz.off")
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		checkMesh(t, m, in)
	})
}
