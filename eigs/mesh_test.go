package eigs

import (
	"bufio"
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels/internal/sparsetest"
)

// readOBJ reads the vertices and triangles of a Wavefront OBJ file.
func readOBJ(t *testing.T, path string) (pos [][3]float64, tris [][3]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("mesh not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		switch fs[0] {
		case "v":
			var p [3]float64
			for c := 0; c < 3; c++ {
				if p[c], err = strconv.ParseFloat(fs[1+c], 64); err != nil {
					t.Fatalf("%s:%d: %v", path, line, err)
				}
			}
			pos = append(pos, p)
		case "f":
			if len(fs) != 4 {
				t.Fatalf("%s:%d: not a triangle", path, line)
			}
			var tri [3]int
			for c := 0; c < 3; c++ {
				idx, err := strconv.Atoi(strings.SplitN(fs[1+c], "/", 2)[0])
				if err != nil {
					t.Fatalf("%s:%d: %v", path, line, err)
				}
				tri[c] = idx - 1
			}
			tris = append(tris, tri)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pos, tris
}

// cotanLaplacian returns the cotangent Laplacian (positive semidefinite
// sign convention) and the lumped (barycentric) mass of a triangle mesh.
func cotanLaplacian(pos [][3]float64, tris [][3]int) (*sparse.CSR, []float64) {
	n := len(pos)
	sub := func(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
	dot := func(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
	cross := func(a, b [3]float64) [3]float64 {
		return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
	}
	mass := make([]float64, n)
	var ts []sparsetest.Triplet
	for _, tr := range tris {
		for c := 0; c < 3; c++ {
			i, j, o := tr[c], tr[(c+1)%3], tr[(c+2)%3]
			u, v := sub(pos[i], pos[o]), sub(pos[j], pos[o])
			cr := cross(u, v)
			area2 := math.Sqrt(dot(cr, cr))
			w := 0.5 * dot(u, v) / area2 // ½ cot of the angle at o
			ts = append(ts, sparsetest.Triplet{i, j, -w}, sparsetest.Triplet{j, i, -w}, sparsetest.Triplet{i, i, w}, sparsetest.Triplet{j, j, w})
			mass[o] += area2 / 6 // a third of the triangle area, once per corner
		}
	}
	return sparsetest.BuildCSR(n, ts), mass
}

// TestSmallestSpot runs the solver on the cotangent Laplacian of the Spot
// mesh (2930 vertices) with k = 100, checking the residuals, M-orthonormality
// and consistency with a run for k = 110 and another seed.
func TestSmallestSpot(t *testing.T) {
	if testing.Short() {
		t.Skip("real-mesh check skipped with -short")
	}
	pos, tris := readOBJ(t, "../testdata/spot.obj")
	l, mass := cotanLaplacian(pos, tris)
	n := len(mass)
	start := time.Now()
	vals, u, err := Smallest(context.Background(), l, mass, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Spot n=%d k=100: %v; λ_1 = %.6g, λ_99 = %.6g", n, time.Since(start), vals[1], vals[99])
	if math.Abs(vals[0]) > 1e-10*vals[1] {
		t.Errorf("λ_0 = %v, want 0 (closed surface)", vals[0])
	}
	anorm := 0.0
	raw := l.RawMatrix()
	for i := 0; i < n; i++ {
		var s float64
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			s += math.Abs(raw.Data[p]) / math.Sqrt(mass[i]*mass[raw.Ind[p]])
		}
		anorm = math.Max(anorm, s)
	}
	for j := 0; j < 100; j++ {
		var r float64
		for i := 0; i < n; i++ {
			var s float64
			for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
				s += raw.Data[p] * u.At(raw.Ind[p], j)
			}
			e := (s - vals[j]*mass[i]*u.At(i, j)) / math.Sqrt(mass[i])
			r += e * e
		}
		if math.Sqrt(r) > 1e-10*anorm {
			t.Errorf("pair %d: residual %.3g·‖A‖", j, math.Sqrt(r)/anorm)
		}
		for j2 := 0; j2 <= j; j2++ {
			var g float64
			for i := 0; i < n; i++ {
				g += u.At(i, j2) * mass[i] * u.At(i, j)
			}
			if want := float64(b2i(j == j2)); math.Abs(g-want) > 1e-10 {
				t.Errorf("(UᵀMU)[%d,%d] = %v", j2, j, g)
			}
		}
	}
	vals2, _, err := Smallest(context.Background(), l, mass, 110, &Settings{Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	for j := range vals {
		if math.Abs(vals[j]-vals2[j]) > 1e-9*math.Max(vals[j], vals[1]) {
			t.Errorf("λ_%d: %v with k=100, %v with k=110", j, vals[j], vals2[j])
		}
	}
}
