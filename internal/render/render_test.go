package render

import (
	"bytes"
	"image/png"
	"io"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mesh"
)

// redNearCenter decodes the PNG in r and reports whether a red pixel lies
// within 8 pixels of its centre.
func redNearCenter(t *testing.T, r io.Reader) bool {
	t.Helper()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	bd := img.Bounds()
	cx, cy := (bd.Min.X+bd.Max.X)/2, (bd.Min.Y+bd.Max.Y)/2
	for x := cx - 8; x <= cx+8; x++ {
		for y := cy - 8; y <= cy+8; y++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 100 && b>>8 < 100 {
				return true
			}
		}
	}
	return false
}

// TestRootsPainterOrder marks the centre vertex of a back triangle: hidden
// behind a front triangle, visible (red) without it.
func TestRootsPainterOrder(t *testing.T) {
	back := [][3]float64{{0, 0, 0}, {-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}}
	front := [][3]float64{{-1, -1, 1}, {1, -1, 1}, {1, 1, 1}, {-1, 1, 1}}
	faces := [][3]int{{0, 1, 2}, {0, 2, 3}, {0, 3, 4}, {0, 4, 1}}
	for _, tc := range []struct {
		name    string
		m       *mesh.Mesh
		visible bool
	}{
		{"alone", &mesh.Mesh{V: back, F: faces}, true},
		{"behind", &mesh.Mesh{V: append(back, front...), F: append(faces, [3]int{5, 6, 7}, [3]int{5, 7, 8})}, false},
	} {
		var buf bytes.Buffer
		if err := Roots(&buf, tc.m, []int{0}, View{}, ""); err != nil {
			t.Fatal(err)
		}
		if red := redNearCenter(t, &buf); red != tc.visible {
			t.Errorf("%s: marker visible = %v, want %v", tc.name, red, tc.visible)
		}
	}
}

func TestFunctionalMapAndEigenfunctionErrors(t *testing.T) {
	if err := FunctionalMap(io.Discard, mat.NewDense(2, 2, nil), ""); err == nil {
		t.Error("zero functional map: no error")
	}
	if err := FunctionalMap(io.Discard, mat.NewDense(2, 2, []float64{1, 0.1, 0, -0.9}), "C"); err != nil {
		t.Error(err)
	}
	m := mesh.WavyGrid(3, 3, 1)
	if err := Eigenfunctions(io.Discard, m, make([]float64, 9), []int{0}, make([]int, 9), []float64{1}, View{}, "", ""); err == nil {
		t.Error("zero fine function: no error")
	}
	if err := Eigenfunctions(io.Discard, m, make([]float64, 8), []int{0}, make([]int, 9), []float64{1}, View{}, "", ""); err == nil {
		t.Error("wrong length: no error")
	}
}

// TestFunctionalMapNoGrid draws a map whose cells but one are alike: every
// pixel of the middle of the map has their colour. Drawn as separate
// anti-aliased rectangles, the cells let the white background show
// through as a light grid between them.
func TestFunctionalMapNoGrid(t *testing.T) {
	const k = 13
	C := mat.NewDense(k, k, nil)
	for i := range k {
		for j := range k {
			C.Set(i, j, 0.3)
		}
	}
	C.Set(0, 0, 1)
	var buf bytes.Buffer
	if err := FunctionalMap(&buf, C, "grid"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The map fills about x ∈ [8%, 83%], y ∈ [4%, 90%] of the picture;
	// look at its middle third.
	bd := img.Bounds()
	w, h := bd.Dx(), bd.Dy()
	x0, x1, y0, y1 := w*30/100, w*60/100, h*35/100, h*65/100
	want := img.At((x0+x1)/2, (y0+y1)/2)
	wr, wg, wb, _ := want.RGBA()
	var off int
	for x := x0; x < x1; x++ {
		for y := y0; y < y1; y++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if absDiff(r, wr)+absDiff(g, wg)+absDiff(b, wb) > 3*0x0300 {
				off++
			}
		}
	}
	if off > 0 {
		t.Errorf("%d pixels of the middle of the map differ from the cells' colour %v: a grid over the map", off, want)
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
