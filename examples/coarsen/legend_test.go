package main

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparsels/sparsels"
)

// TestConvergenceLegendOutside draws convergence.png for two methods whose
// curves run along the top of the plot: the legend stands in the strip to
// the right of the plots, where nothing else is drawn, and not in the data.
func TestConvergenceLegendOutside(t *testing.T) {
	s := &summary{Mesh: "test.obj", N: 100, M: 20, K: 6, InitialEnergy: 1}
	for i, name := range []string{"qn", "lbfgs"} {
		r := runResult{Method: name, Energy: 0.5}
		for it := range 50 {
			e := 1 - 0.01*float64(it)/float64(i+1)
			r.history = append(r.history, sparsels.IterationRecord{Iteration: it, Energy: e,
				Elapsed: time.Duration(math.Pow(10, -2+4*float64(it)/49) * float64(time.Second))})
		}
		r.Energy = r.history[len(r.history)-1].Energy
		s.Runs = append(s.Runs, r)
	}
	path := filepath.Join(t.TempDir(), "convergence.png")
	if err := convergencePlot(path, s); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The strip right of the 7-inch plots (96 dpi): the legend's text in
	// its top part, nothing else.
	bd := img.Bounds()
	x0 := 7 * 96
	if bd.Dx() <= x0+60 {
		t.Fatalf("picture %d pixels wide: no room for the legend right of the plots", bd.Dx())
	}
	dark := func(y0, y1 int) int {
		var n int
		for x := x0 + 4; x < bd.Max.X; x++ {
			for y := y0; y < y1; y++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x8000 {
					n++
				}
			}
		}
		return n
	}
	if top, rest := dark(0, bd.Dy()/5), dark(bd.Dy()/3, bd.Max.Y); top == 0 || rest > 0 {
		t.Errorf("strip right of the plots: %d dark pixels at its top (the legend), %d below (want some, then none)", top, rest)
	}
}
