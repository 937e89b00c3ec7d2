package main

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/floats"

	"github.com/sparsels/sparsels/mtx"
)

// fileNorm returns the Frobenius norm of the values stored in a file
// (symmetric files count each stored entry once), computed with scaling so
// that it cannot overflow.
func fileNorm(a *mtx.Matrix) float64 {
	if a.Format == mtx.Array {
		return floats.Norm(a.Data, 2)
	}
	return floats.Norm(a.V, 2)
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
	nG := floats.Norm(g, 2)
	type factor struct {
		name, path  string
		norm, power float64
	}
	factors := []factor{
		{"Y", f.Y, ld.norms["Y"], 1}, {"G", f.G, nG, 2}, {"L", f.L, ld.norms["L"], 1}, {"B", f.B, ld.norms["B"], 1},
	}
	var all []string
	for _, x := range append([]factor{{"X", f.X, ld.norms["X"], 1}}, factors...) {
		all = append(all, fmt.Sprintf("‖%s‖_F = %.3g (%s)", x.name, x.norm, x.path))
	}
	norms := strings.Join(all, ", ")
	const margin = 8 // sums of many products: stay a few binades clear
	if math.Log2(ld.norms["X"]) > overflowLog2-margin {
		return fmt.Errorf("%s: the scale of X overflows: ‖X‖_F = %.3g, so E = ‖X − Y Gᵀ L G B‖²_F is not finite (%s)",
			f.X, ld.norms["X"], norms)
	}
	total, worst := 0.0, 0
	for k, x := range factors {
		l := x.power * math.Log2(x.norm)
		total += l
		if math.Abs(l) > math.Abs(factors[worst].power*math.Log2(factors[worst].norm)) {
			worst = k
		}
	}
	if total > overflowLog2-margin {
		w := factors[worst]
		return fmt.Errorf("%s: the scale of %s overflows: ‖%s‖_F = %.3g takes the bound ‖Y‖‖G‖²‖L‖‖B‖ = 2^%.0f on Y Gᵀ L G B beyond the range of float64, so E or its gradient is not finite at the start (%s)",
			w.path, w.name, w.name, w.norm, total, norms)
	}
	if lambda > 0 {
		d := make([]float64, len(g))
		copy(d, g)
		nRef := 0.0
		if ref != nil {
			for k := range d {
				d[k] = 0.5*d[k] - 0.5*ref[k] // halved: g − g_ref may overflow
			}
			nRef = floats.Norm(ref, 2)
		} else {
			floats.Scale(0.5, d)
		}
		if math.Log2(lambda)+2*(1+math.Log2(floats.Norm(d, 2))) > 2*overflowLog2-margin {
			if ref != nil && math.Log2(lambda)+2*math.Log2(max(nG, 1)) <= 2*overflowLog2-margin {
				return fmt.Errorf("%s: the scale of the reference overflows: ‖g_ref‖ = %.3g, so the Tikhonov term λ‖g − g_ref‖² (λ = %g) is not finite at the start",
					refPath, nRef, lambda)
			}
			return fmt.Errorf("-lambda %g: the Tikhonov term λ‖g − g_ref‖² overflows at the start (‖g − g_ref‖ = %.3g)", lambda, 2*floats.Norm(d, 2))
		}
	}
	return fmt.Errorf("%s, %s, %s, %s, %s: the energy or its gradient is not finite at the start although no operand's scale overflows alone (%s)",
		f.X, f.Y, f.L, f.B, f.G, norms)
}
