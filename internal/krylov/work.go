package krylov

// Operator stores dst = A·x; dst and x do not overlap.
type Operator func(dst, x []float64)

// Work is the scratch space of PCG and Steihaug for vectors of one length.
// If Stop is not nil it is polled once per iteration, and a true result ends
// the solve at once with Stopped set. On return R holds the residual
// b − A·x (see each method), and Z and Q may be used as scratch between
// solves.
type Work struct {
	R, Z, D, Q []float64
	Stop       func() bool
	Stopped    bool
}

// NewWork returns a Work for vectors of length n.
func NewWork(n int) *Work {
	return &Work{R: make([]float64, n), Z: make([]float64, n), D: make([]float64, n), Q: make([]float64, n)}
}

// halt reports whether the solve must end now.
func (w *Work) halt() bool {
	if w.Stop != nil && w.Stop() {
		w.Stopped = true
	}
	return w.Stopped
}
