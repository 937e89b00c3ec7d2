package main

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/mtx"
)

// fileNorm returns the base-2 logarithm of the Frobenius norm of the
// values stored in a file (symmetric files count each stored entry once).
func fileNorm(a *mtx.Matrix) float64 {
	if a.Format == mtx.Array {
		return log2Norm(a.Data)
	}
	return log2Norm(a.V)
}

// log2Norm returns log₂‖x‖₂, computed with scaling so that it is right
// even when ‖x‖₂ itself overflows; -Inf for x = 0.
func log2Norm(x []float64) float64 {
	var scale float64
	for _, v := range x {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
		return math.Log2(scale)
	}
	var sum float64
	for _, v := range x {
		sum += (v / scale) * (v / scale)
	}
	return math.Log2(scale) + 0.5*math.Log2(sum)
}

// fmtLog2 formats the number 2^l: in decimal when it is a float64, as a
// power of two beyond.
func fmtLog2(l float64) string {
	if v := math.Exp2(l); !math.IsInf(v, 0) {
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("2^%.1f", l)
}

// overflowLog2 is the base-2 logarithm of the magnitude whose square
// overflows a float64.
var overflowLog2 = 0.5 * math.Log2(math.MaxFloat64)

// blameOverflow explains why the energy or its gradient is not finite at g
// by naming the operand whose scale overflows: X when ‖X‖²_F overflows,
// otherwise the factor of Y Gᵀ L G B furthest from 1 in scale when the
// bound ‖Y‖‖G‖²‖L‖‖B‖ on the model's norm comes near the overflow, or the
// reference (or λ) when λ‖g − g_ref‖² overflows. The norms are given in the
// message.
func (ld *loaded) blameOverflow(g []float64, lambda float64, ref []float64, refPath string) error {
	f := ld.files
	lG := log2Norm(g)
	type factor struct {
		name, path  string
		log2, power float64 // log₂ of the norm
	}
	factors := []factor{
		{"Y", f.Y, ld.norms["Y"], 1}, {"G", f.G, lG, 2}, {"L", f.L, ld.norms["L"], 1}, {"B", f.B, ld.norms["B"], 1},
	}
	var all []string
	for _, x := range append([]factor{{"X", f.X, ld.norms["X"], 1}}, factors...) {
		all = append(all, fmt.Sprintf("‖%s‖_F = %s (%s)", x.name, fmtLog2(x.log2), x.path))
	}
	norms := strings.Join(all, ", ")
	const margin = 8 // sums of many products: stay a few binades clear
	if ld.norms["X"] > overflowLog2-margin {
		return fmt.Errorf("%s: the scale of X overflows: ‖X‖_F = %s, so E = ‖X − Y Gᵀ L G B‖²_F is not finite (%s)",
			f.X, fmtLog2(ld.norms["X"]), norms)
	}
	total, worst := 0.0, 0
	for k, x := range factors {
		l := x.power * x.log2
		total += l
		if math.Abs(l) > math.Abs(factors[worst].power*factors[worst].log2) {
			worst = k
		}
	}
	if total > overflowLog2-margin {
		w := factors[worst]
		return fmt.Errorf("%s: the scale of %s overflows: ‖%s‖_F = %s takes the bound ‖Y‖‖G‖²‖L‖‖B‖ = 2^%.0f on Y Gᵀ L G B beyond the range of float64, so E or its gradient is not finite at the start (%s)",
			w.path, w.name, w.name, fmtLog2(w.log2), total, norms)
	}
	if lambda > 0 {
		d := make([]float64, len(g))
		copy(d, g)
		lRef := math.Inf(-1)
		if ref != nil {
			for k := range d {
				d[k] = 0.5*d[k] - 0.5*ref[k] // halved: g − g_ref may overflow
			}
			lRef = log2Norm(ref)
		} else {
			floats.Scale(0.5, d)
		}
		lD := 1 + log2Norm(d)
		if math.Log2(lambda)+2*lD > 2*overflowLog2-margin {
			if ref != nil && math.Log2(lambda)+2*math.Max(lG, 0) <= 2*overflowLog2-margin {
				return fmt.Errorf("%s: the scale of the reference overflows: ‖g_ref‖ = %s, so the Tikhonov term λ‖g − g_ref‖² (λ = %g) is not finite at the start",
					refPath, fmtLog2(lRef), lambda)
			}
			return fmt.Errorf("-lambda %g: the Tikhonov term λ‖g − g_ref‖² overflows at the start (‖g − g_ref‖ = %s)", lambda, fmtLog2(lD))
		}
	}
	return fmt.Errorf("%s, %s, %s, %s, %s: the energy or its gradient is not finite at the start although no operand's scale overflows alone (%s)",
		f.X, f.Y, f.L, f.B, f.G, norms)
}
