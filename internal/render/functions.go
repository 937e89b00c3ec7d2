package render

import (
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sparsels/sparsels/mesh"
)

// Eigenfunctions draws, side by side, the fine function fine (one value per
// vertex of m, faces coloured by the mean of their vertices) and the coarse
// function coarse (one value per root), shown on the fine mesh by giving
// every vertex the value of its cluster's root (assign[i] is the cluster of
// vertex i) with the roots marked by dots; each with a diverging colour scale symmetric about 0 that spans its
// values (the coarse eigenvectors are normalized by the larger coarse masses,
// so their values are smaller), as a PNG image written to w.
func Eigenfunctions(w io.Writer, m *mesh.Mesh, fine []float64, roots, assign []int, coarse []float64, view View, titleFine, titleCoarse string) error {
	if len(fine) != len(m.V) || len(assign) != len(m.V) || len(coarse) != len(roots) {
		return fmt.Errorf("render: %d fine values and %d assignments for %d vertices, %d coarse values for %d roots",
			len(fine), len(assign), len(m.V), len(coarse), len(roots))
	}
	for i, c := range assign {
		if uint(c) >= uint(len(roots)) {
			return fmt.Errorf("render: vertex %d in cluster %d of %d", i, c, len(roots))
		}
	}
	fineColor, err := diverging(fine)
	if err != nil {
		return err
	}
	coarseColor, err := diverging(coarse)
	if err != nil {
		return err
	}
	p := project(m.V, view)
	left := &meshPlotter{m: m, p: p, face: func(f int) color.Color {
		t := m.F[f]
		return fineColor((fine[t[0]] + fine[t[1]] + fine[t[2]]) / 3)
	}}
	right := &meshPlotter{
		m: m, p: p, markers: roots, radius: vg.Points(1.3),
		face: func(f int) color.Color {
			t := m.F[f]
			return coarseColor((coarse[assign[t[0]]] + coarse[assign[t[1]]] + coarse[assign[t[2]]]) / 3)
		},
		marker: func(int) color.Color { return color.Black },
	}
	return savePlots(w, 11*vg.Inch, 5.5*vg.Inch, meshPlot(titleFine, left), meshPlot(titleCoarse, right))
}

// diverging returns the blue-white-red colour map symmetric about 0 that
// spans the values.
func diverging(values []float64) (func(float64) color.Color, error) {
	var top float64
	for _, v := range values {
		top = math.Max(top, math.Abs(v))
	}
	if top == 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("render: function values are all zero or not finite")
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-top)
	cm.SetMax(top)
	return func(v float64) color.Color {
		c, err := cm.At(math.Max(-top, math.Min(top, v)))
		if err != nil {
			return grey
		}
		return c
	}, nil
}

// FunctionalMap draws |C| as a heat map (row i at the top is coarse
// eigenvector i, column j fine eigenvector j) with a colour bar, as a PNG
// image written to out. The cells are drawn as one raster image, each a
// square block of pixels, so no seam or grid line crosses the map (cells
// drawn as separate anti-aliased rectangles let the white background show
// through between them).
func FunctionalMap(out io.Writer, C *mat.Dense, title string) error {
	r, c := C.Dims()
	if r == 0 || c == 0 {
		return fmt.Errorf("render: empty functional map")
	}
	cm := moreland.Kindlmann()
	var top float64
	for i := range r {
		for j := range c {
			top = math.Max(top, math.Abs(C.At(i, j)))
		}
	}
	if top == 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return fmt.Errorf("render: functional map is zero or not finite")
	}
	cm.SetMin(0)
	cm.SetMax(top)
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "fine eigenvector j"
	p.Y.Label.Text = "coarse eigenvector i (from the top)"
	p.Add(plotter.NewImage(cellImage(C, cm.Palette(256).Colors(), top), -0.5, -0.5, float64(c)-0.5, float64(r)-0.5))
	p.Y.Tick.Marker = flipTicks{n: r}

	bar := plot.New()
	bar.HideX()
	bar.Y.Label.Text = "|C[i, j]|"
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	const w, h = 7.5 * vg.Inch, 6 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, -0.16*w, 0, 0))
	bar.Draw(draw.Crop(dc, 0.86*w, 0, vg.Points(30), -vg.Points(40)))
	return savePNG(out, img)
}

// cellImage returns |C| as an image, row 0 at the top, each entry a square
// block of pixels coloured from pal over [0, top]; the blocks are large
// enough (about 1000 pixels across in all) that scaling the image to the
// plot's data area blurs only the pixels at their edges.
func cellImage(C *mat.Dense, pal []color.Color, top float64) image.Image {
	r, c := C.Dims()
	s := max(1, (1000+max(r, c)-1)/max(r, c))
	img := image.NewRGBA(image.Rect(0, 0, c*s, r*s))
	for i := range r {
		for j := range c {
			k := int(math.Abs(C.At(i, j))/top*float64(len(pal)-1) + 0.5)
			imgdraw.Draw(img, image.Rect(j*s, i*s, (j+1)*s, (i+1)*s), image.NewUniform(pal[max(0, min(k, len(pal)-1))]), image.Point{}, imgdraw.Src)
		}
	}
	return img
}

// flipTicks labels the y axis with the row index counted from the top.
type flipTicks struct{ n int }

func (f flipTicks) Ticks(min, max float64) []plot.Tick {
	top := float64(f.n - 1)
	ticks := plot.DefaultTicks{}.Ticks(top-max, top-min)
	for i := range ticks {
		ticks[i].Value = top - ticks[i].Value
	}
	return ticks
}
