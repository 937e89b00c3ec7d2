// Package render draws the pictures of a spectral coarsening as PNG files
// with gonum/plot: a triangle mesh with marked vertices, a fine eigenfunction
// beside the coarse one on the roots, and a functional map as a heat map.
//
// Meshes are drawn by the painter's algorithm (triangles sorted by depth,
// back to front) in an orthographic projection with a head-light shading of
// |n·z|; gonum/plot provides the canvas, the colour maps and the titles, so
// no external program or other library is needed. Marked vertices are drawn
// in the same depth order, slightly in front of their vertex, so that
// vertices on the far side stay hidden.
package render

import (
	"image/color"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sparsels/sparsels/mesh"
)

// View is the direction the mesh is seen from: the mesh is turned by
// Azimuth degrees about its y axis (up), then by Elevation degrees about the
// screen's x axis.
type View struct {
	Azimuth, Elevation float64
}

// projection holds the screen coordinates (x right, y up) and depth (larger
// is nearer) of the vertices.
type projection [][3]float64

func project(V [][3]float64, v View) projection {
	a, e := v.Azimuth*math.Pi/180, v.Elevation*math.Pi/180
	ca, sa, ce, se := math.Cos(a), math.Sin(a), math.Cos(e), math.Sin(e)
	p := make(projection, len(V))
	for i, q := range V {
		x := ca*q[0] + sa*q[2]
		z := -sa*q[0] + ca*q[2]
		y := ce*q[1] - se*z
		z = se*q[1] + ce*z
		p[i] = [3]float64{x, y, z}
	}
	return p
}

// meshPlotter draws a mesh with per-face colours and markers into the data
// area of a plot, with equal scales on both axes.
type meshPlotter struct {
	m       *mesh.Mesh
	p       projection
	face    func(f int) color.Color // base colour of face f
	markers []int
	marker  func(k int) color.Color // colour of markers[k]
	radius  vg.Length
}

// Plot implements plot.Plotter.
func (mp *meshPlotter) Plot(c draw.Canvas, _ *plot.Plot) {
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, q := range mp.p {
		for d := range 3 {
			lo[d], hi[d] = math.Min(lo[d], q[d]), math.Max(hi[d], q[d])
		}
	}
	w, h := float64(c.Max.X-c.Min.X), float64(c.Max.Y-c.Min.Y)
	s := 0.96 * math.Min(w/math.Max(hi[0]-lo[0], 1e-300), h/math.Max(hi[1]-lo[1], 1e-300))
	cx, cy := float64(c.Min.X+c.Max.X)/2, float64(c.Min.Y+c.Max.Y)/2
	mx, my := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
	pt := func(i int) vg.Point {
		return vg.Point{X: vg.Length(cx + s*(mp.p[i][0]-mx)), Y: vg.Length(cy + s*(mp.p[i][1]-my))}
	}

	// Items in painter's order: faces (index ≥ 0) and markers (−1−k).
	type item struct {
		depth float64
		id    int
	}
	items := make([]item, 0, len(mp.m.F)+len(mp.markers))
	for f, t := range mp.m.F {
		items = append(items, item{(mp.p[t[0]][2] + mp.p[t[1]][2] + mp.p[t[2]][2]) / 3, f})
	}
	eps := 0.01 * (hi[2] - lo[2])
	for k, v := range mp.markers {
		items = append(items, item{mp.p[v][2] + eps, -1 - k})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		switch {
		case a.depth < b.depth:
			return -1
		case a.depth > b.depth:
			return 1
		}
		return 0
	})
	poly := make([]vg.Point, 3)
	for _, it := range items {
		if it.id < 0 {
			k := -1 - it.id
			c.DrawGlyph(draw.GlyphStyle{Color: mp.marker(k), Radius: mp.radius, Shape: draw.CircleGlyph{}}, pt(mp.markers[k]))
			continue
		}
		t := mp.m.F[it.id]
		for j, v := range t {
			poly[j] = pt(v)
		}
		c.FillPolygon(shade(mp.face(it.id), mp.p, t), poly)
	}
}

// shade darkens col by the head-light factor 0.3 + 0.7·|n_z| of the face t.
func shade(col color.Color, p projection, t [3]int) color.Color {
	a, b, c := p[t[0]], p[t[1]], p[t[2]]
	u := [3]float64{b[0] - a[0], b[1] - a[1], b[2] - a[2]}
	v := [3]float64{c[0] - a[0], c[1] - a[1], c[2] - a[2]}
	n := [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
	l := math.Sqrt(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])
	f := 0.3
	if l > 0 {
		f += 0.7 * math.Abs(n[2]) / l
	}
	r, g, bl, al := col.RGBA()
	sc := func(x uint32) uint8 { return uint8(f * float64(x>>8)) }
	return color.RGBA{R: sc(r), G: sc(g), B: sc(bl), A: uint8(al >> 8)}
}

// meshPlot returns a plot without axes showing mp.
func meshPlot(title string, mp *meshPlotter) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.HideAxes()
	p.Add(mp)
	return p
}

// savePlots writes the plots side by side (one row) as a PNG of the given
// size to out.
func savePlots(out io.Writer, w, h vg.Length, plots ...*plot.Plot) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	canvases := plot.Align([][]*plot.Plot{plots}, draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(4)}, dc)
	for j, p := range plots {
		p.Draw(canvases[0][j])
	}
	return savePNG(out, img)
}

// savePNG writes img as a PNG image to w. Where w goes (a file written
// atomically, say) is the caller's business.
func savePNG(w io.Writer, img *vgimg.Canvas) error {
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

var (
	grey = color.RGBA{R: 0xd8, G: 0xd8, B: 0xd8, A: 0xff}
	red  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// Roots draws m with the vertices roots marked, seen from view, as a PNG
// image written to w.
func Roots(w io.Writer, m *mesh.Mesh, roots []int, view View, title string) error {
	mp := &meshPlotter{
		m: m, p: project(m.V, view), markers: roots, radius: vg.Points(2.2),
		face:   func(int) color.Color { return grey },
		marker: func(int) color.Color { return red },
	}
	return savePlots(w, 6*vg.Inch, 6*vg.Inch, meshPlot(title, mp))
}
