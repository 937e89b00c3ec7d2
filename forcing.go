package sparsels

import "math"

// forcing is the Eisenstat-Walker forcing sequence (choice 2) for the
// relative tolerance of inexact linear solves.
type forcing struct {
	fixed    float64
	eta      float64
	prevNorm float64
}

// next returns the tolerance for the iterate whose gradient norm is gnorm.
func (f *forcing) next(gnorm float64) float64 {
	if f.fixed > 0 {
		return f.fixed
	}
	const gamma, alpha, etaMax, etaMin = 0.9, 2.0, 0.5, 1e-12
	if f.prevNorm == 0 {
		f.eta = etaMax
	} else {
		eta := gamma * math.Pow(gnorm/f.prevNorm, alpha)
		if safe := gamma * math.Pow(f.eta, alpha); safe > 0.1 {
			eta = math.Max(eta, safe)
		}
		f.eta = math.Min(math.Max(eta, etaMin), etaMax)
	}
	f.prevNorm = gnorm
	return f.eta
}
