package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"
)

// summary is what a run measured; it is also written as summary.json.
type summary struct {
	Mesh          string        `json:"mesh"`
	N             int           `json:"vertices"`
	Faces         int           `json:"faces"`
	M             int           `json:"coarse_vertices"`
	K             int           `json:"eigenvectors"`
	NNZ           int           `json:"nnz_G"`
	EigTime       time.Duration `json:"eigen_time_ns"`
	SetupTime     time.Duration `json:"setup_time_ns"`
	InitialEnergy float64       `json:"initial_energy"`
	Runs          []runResult   `json:"runs"`

	// NAdamBest is the best energy NAdam reached; nil (and left out of
	// summary.json) if NAdam did not run.
	NAdamBest *float64 `json:"nadam_best_energy,omitempty"`
	// LowerBound is the certified lower bound on E (sparsels.LowerBound)
	// with -bound; nil and left out otherwise.
	LowerBound *float64 `json:"lower_bound,omitempty"`

	FineEigenvalues []float64 `json:"fine_eigenvalues"`
	CoarseBefore    []float64 `json:"coarse_eigenvalues_before"`
	CoarseAfter     []float64 `json:"coarse_eigenvalues_after"`
	RelErrBefore    float64   `json:"mean_rel_error_before"`
	RelErrAfter     float64   `json:"mean_rel_error_after"`
	MaxRelErrBefore float64   `json:"max_rel_error_before"`
	MaxRelErrAfter  float64   `json:"max_rel_error_after"`
	// Off-diagonal energy ‖C − diag(C)‖²/‖C‖² of the functional map.
	OffDiagBefore float64 `json:"fmap_off_diagonal_before"`
	OffDiagAfter  float64 `json:"fmap_off_diagonal_after"`
}

// runResult is one solver's outcome.
type runResult struct {
	Method     string        `json:"method"`
	Linear     string        `json:"linear_solver,omitempty"`
	Status     string        `json:"status"`
	Converged  bool          `json:"converged"`
	Iterations int           `json:"iterations"`
	Time       time.Duration `json:"time_ns"`
	Energy     float64       `json:"energy"`
	Violation  float64       `json:"constraint_violation"`
	// ToNAdamBest is the time this method took to reach NAdam's best
	// energy; nil (and left out of summary.json) if it never did or NAdam
	// did not run.
	ToNAdamBest *time.Duration `json:"time_to_nadam_best_ns,omitempty"`
	// RelativeGap is (E − LowerBound)/E with -bound.
	RelativeGap *float64 `json:"relative_gap,omitempty"`
	status      sparsels.Status
	history     []sparsels.IterationRecord
}

// addRuns records the results and the times to NAdam's best energy.
func (s *summary) addRuns(results []*sparsels.Result) {
	for _, r := range results {
		if r.Method == sparsels.NAdam {
			s.NAdamBest = &r.Energy
		}
		if r.Bound != nil {
			s.LowerBound = &r.Bound.Value
		}
	}
	for _, r := range results {
		ru := runResult{
			Method: r.Method.String(), Status: r.Reason, Converged: r.Status.Converged(), Iterations: r.Iterations,
			Time: r.Times.Total - r.Times.Bound, Energy: r.Energy, Violation: r.Violation,
			status: r.Status, history: r.History,
		}
		switch r.Method {
		case sparsels.LevenbergMarquardt, sparsels.GaussNewtonLineSearch, sparsels.NewtonTrustRegion:
			ru.Linear = r.Linear.String()
		}
		if s.LowerBound != nil {
			g := (r.Energy - *s.LowerBound) / r.Energy
			ru.RelativeGap = &g
		}
		if s.NAdamBest != nil {
			for _, h := range r.History {
				if h.Energy <= *s.NAdamBest {
					t := h.Elapsed
					ru.ToNAdamBest = &t
					break
				}
			}
		}
		s.Runs = append(s.Runs, ru)
	}
}

// printTable prints the runs as a Markdown table. The stop column says why
// each run ended; the NAdam columns appear only when NAdam ran.
func printTable(w io.Writer, s *summary) {
	nadam := s.NAdamBest != nil
	fmt.Fprintf(w, "| method | iterations | stopped by | time | final energy | E/E(Kᵀ) | row-sum violation |")
	if nadam {
		fmt.Fprintf(w, " time to NAdam's best | speed-up |")
	}
	bound := s.LowerBound != nil
	if bound {
		fmt.Fprintf(w, " gap to the bound |")
	}
	fmt.Fprintf(w, "\n|---|---:|---|---:|---:|---:|---:|")
	if nadam {
		fmt.Fprintf(w, "---:|---:|")
	}
	if bound {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintln(w)
	var nadamTime time.Duration
	for _, r := range s.Runs {
		if r.Method == "nadam" && r.ToNAdamBest != nil {
			nadamTime = *r.ToNAdamBest
		}
	}
	for _, r := range s.Runs {
		name := r.Method
		if r.Linear != "" {
			name += " (" + r.Linear + ")"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %.6g | %.4g | %.1e |",
			name, r.Iterations, stopName(r.status), fmtDur(r.Time), r.Energy, r.Energy/s.InitialEnergy, r.Violation)
		if nadam {
			to, speed := "never", "–"
			if r.ToNAdamBest != nil {
				to = fmtDur(*r.ToNAdamBest)
				if nadamTime > 0 && *r.ToNAdamBest > 0 {
					speed = fmt.Sprintf("%.1f×", nadamTime.Seconds()/r.ToNAdamBest.Seconds())
				}
			}
			fmt.Fprintf(w, " %s | %s |", to, speed)
		}
		if bound {
			fmt.Fprintf(w, " %.2f%% |", 100**r.RelativeGap)
		}
		fmt.Fprintln(w)
	}
	if bound {
		fmt.Fprintf(w, "\ncertified lower bound on E over every G with rows summing to 1 (sparsels.LowerBound): %.6g; gap to the bound = (E − bound)/E\n", *s.LowerBound)
	}
}

// stopName is the table's word for why a run stopped.
func stopName(st sparsels.Status) string {
	if st.Converged() {
		return "tolerance"
	}
	return st.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
}

func printSpectrum(w io.Writer, s *summary) {
	fmt.Fprintf(w, "\ncoarse spectrum of (GᵀLG, Mc) against the fine one, eigenvalues 2..%d:\n", len(s.CoarseAfter))
	fmt.Fprintf(w, "  G = Kᵀ (before):  mean relative error %.4f, max %.4f; functional map off-diagonal energy %.4f\n", s.RelErrBefore, s.MaxRelErrBefore, s.OffDiagBefore)
	fmt.Fprintf(w, "  optimized (%s):   mean relative error %.4f, max %.4f; functional map off-diagonal energy %.4f\n", s.Runs[0].Method, s.RelErrAfter, s.MaxRelErrAfter, s.OffDiagAfter)
}

// write stores G.mtx, Lc.mtx, the plots and summary.json in dir.
func (inst *instance) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := inst.res.Problem
	n, m := inst.summary.N, inst.summary.M
	sr := inst.res.Solve
	err := mtx.WriteFile(filepath.Join(dir, "G.mtx"), func(w io.Writer) error {
		return mtx.WriteCoordinate(w, n, m, d.Rows, d.Cols, sr.G, "prolongation G from sparsels ("+sr.Method.String()+"), rows sum to 1")
	})
	if err != nil {
		return err
	}
	lc := inst.res.Lc
	err = mtx.WriteFile(filepath.Join(dir, "Lc.mtx"), func(w io.Writer) error {
		return mtx.WriteSparse(w, lc, "coarse operator Gᵀ L G")
	})
	if err != nil {
		return err
	}
	if err := convergencePlot(filepath.Join(dir, "convergence.png"), inst.summary); err != nil {
		return err
	}
	if err := eigenvaluePlot(filepath.Join(dir, "eigenvalues.png"), inst.summary); err != nil {
		return err
	}
	js, err := json.MarshalIndent(inst.summary, "", "  ")
	if err != nil {
		return err
	}
	return mtx.WriteFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	})
}

var palette = []color.Color{
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}

// convergencePlot draws, for every method against time (log-log), the
// energy relative to E(Kᵀ) (top) and its excess over the best energy any
// method reached, (E − E_best)/E_best (bottom), which separates the tails.
// The legend stands to the right of the plots, outside the data, so that it
// hides no curve (inside the top plot's corner it covered the start of a
// method's curve).
func convergencePlot(path string, s *summary) error {
	best := math.Inf(1)
	for _, r := range s.Runs {
		best = math.Min(best, r.Energy)
	}
	top, bottom := plot.New(), plot.New()
	top.Title.Text = fmt.Sprintf("Spectral coarsening of %s: n = %d, m = %d, k = %d", filepath.Base(s.Mesh), s.N, s.M, s.K)
	top.Y.Label.Text = "E / E(Kᵀ)"
	bottom.Y.Label.Text = "(E − E_best) / E_best"
	bottom.X.Label.Text = "time (s)"
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
		p.Add(plotter.NewGrid())
	}
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	for i, r := range s.Runs {
		var up, down plotter.XYs
		for _, h := range r.history {
			t := h.Elapsed.Seconds()
			if t <= 0 || h.Energy <= 0 {
				continue
			}
			up = append(up, plotter.XY{X: t, Y: h.Energy / s.InitialEnergy})
			if ex := (h.Energy - best) / best; ex > 1e-6 {
				down = append(down, plotter.XY{X: t, Y: ex})
			}
		}
		name := r.Method
		if r.Linear != "" {
			name += " (" + r.Linear + ")"
		}
		for j, pts := range []plotter.XYs{up, down} {
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color = palette[i%len(palette)]
			l.Width = vg.Points(1.5)
			p := []*plot.Plot{top, bottom}[j]
			p.Add(l)
			if j == 0 {
				legend.Add(name, l)
			}
		}
	}
	// The plots on the left, the legend in a strip on the right, level
	// with the top plot's data.
	const w, lw, h = 7 * vg.Inch, 1.3 * vg.Inch, 7 * vg.Inch
	img := vgimg.New(w+lw, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, draw.Crop(dc, 0, -lw, 0, 0))
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	legend.Draw(draw.Crop(dc, w+vg.Points(6), 0, 0, -vg.Points(24)))
	return savePNG(path, img)
}

// savePNG writes the image atomically as a PNG file.
func savePNG(path string, img *vgimg.Canvas) error {
	return mtx.WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// eigenvaluePlot draws the fine eigenvalues and the coarse ones before and
// after optimization.
func eigenvaluePlot(path string, s *summary) error {
	p := plot.New()
	p.Title.Text = "Eigenvalues of the fine and coarse operators"
	p.X.Label.Text = "index"
	p.Y.Label.Text = "eigenvalue"
	p.Legend.Top = true
	p.Legend.Left = true
	series := []struct {
		name string
		v    []float64
	}{{"fine (L, M)", s.FineEigenvalues}, {"coarse, G = Kᵀ", s.CoarseBefore}, {"coarse, optimized", s.CoarseAfter}}
	for i, se := range series {
		pts := make(plotter.XYs, len(se.v))
		for j, v := range se.v {
			pts[j] = plotter.XY{X: float64(j), Y: v}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.Color = palette[i]
		sc.Radius = vg.Points(2)
		p.Add(sc)
		p.Legend.Add(se.name, sc)
	}
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
