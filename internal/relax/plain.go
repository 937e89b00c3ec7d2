package relax

import (
	"context"
	"math"

	"github.com/sparsels/sparsels/internal/krylov"
	"github.com/sparsels/sparsels/internal/vec"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// Solve minimizes ‖x − A s‖² by CGLS preconditioned as newPreconditioner
// chooses, fills the plain-bound fields of bd (Value, Plain, Relaxed,
// ErrorEstimate, Converged, Iterations, and the preconditioner in Notes)
// and returns the last iterate s. On cancellation it fills bd from the
// current iterate and returns the context's error.
func (rx *Relaxation) Solve(ctx context.Context, bd *Result, set *Settings) ([]float64, error) {
	x := rx.d.X
	pc, name := rx.newPreconditioner()
	bd.Notes += "; preconditioner: " + name
	cg := krylov.NewCGLS(rx.apply, rx.adjoint, pc.Apply, x, rx.Unknowns())
	s, r := cg.S, cg.R

	gam := rx.roundingFactor()
	phi := []float64{vec.SumSquares(r)}
	xNorm := math.Sqrt(phi[0])
	gamma0 := cg.Gamma
	gradStop := false
	var alphas, betas []float64 // CG coefficients, for the Lanczos matrix
	var err error
	var conv float64
	k := 0
	for k < set.MaxIterations && cg.Gamma > 0 {
		if err = ctx.Err(); err != nil {
			break
		}
		alpha, ok := cg.Step()
		if !ok {
			break
		}
		alphas = append(alphas, alpha)
		k++
		phi = append(phi, vec.SumSquares(r))
		if k >= 2*delay {
			conv = tailEstimate(phi, delay)
			// Stop at the tolerance, far below the rounding allowance of φ
			// (with ‖A s‖ ≈ ‖x‖, see below), or when φ stagnates.
			t := gam * xNorm
			floor := 2 * t * (math.Sqrt(phi[k]) + t)
			stalled := phi[k-2*delay]-phi[k] <= 8*0x1p-52*phi[k]
			if conv <= set.Tolerance*phi[k] || conv <= 1e-3*floor || stalled {
				bd.Converged = true
				break
			}
		}
		gn := cg.Gradient()
		if k >= 2 && gn <= 1e-20*gamma0 {
			cg.Gamma = gn
			// The preconditioned gradient fell by 10¹⁰ in norm: further
			// steps would only iterate on rounding errors.
			bd.Converged, gradStop = true, true
			break
		}
		betas = append(betas, cg.Turn(gn))
	}
	gamma := cg.Gamma
	q := make([]float64, len(x))
	switch {
	case gamma <= 0:
		// The preconditioned gradient vanished: s is a minimizer.
		bd.Converged = true
		conv = 0
	case gradStop:
		// φ − φ* = gᵀ(AᵀA)⁺g ≤ γ/λ_min(M⁻¹AᵀA), with λ_min estimated by
		// the smallest Ritz value of CG's Lanczos matrix, times 10.
		conv = 10 * gamma / smallestRitz(alphas, betas)
	case k >= 2*delay:
		// The larger of the delayed estimate and γ/θ_min.
		conv = math.Max(tailEstimate(phi, delay), gamma/smallestRitz(alphas, betas))
	default:
		// Too few iterations for an estimate: nothing is certified.
		conv = phi[k]
	}
	// The direct residual, its drift from the recursive one, and rounding.
	rx.apply(q, s)
	as := math.Sqrt(vec.SumSquares(q))
	for i := range q {
		q[i] = x[i] - q[i]
	}
	direct := vec.SumSquares(q)
	drift := math.Abs(direct - phi[k])
	t := gam * as
	round := 2 * t * (math.Sqrt(direct) + t)
	bd.Iterations = k
	bd.Relaxed = direct
	bd.ErrorEstimate = conv + drift + round
	bd.Plain = direct - bd.ErrorEstimate
	bd.Value = math.Max(0, bd.Plain)
	return s, err
}

// delay is the delay d of the convergence estimate: the decrease of φ over
// the last d CGLS iterations and the d before them.
const delay = 10

// tailEstimate returns the estimated remaining decrease of φ after the last
// entry of phi: with δ₁ and δ₂ the decreases over the two last windows of d
// iterations and ρ = δ₂/δ₁ (at most 0.999), max(δ₂, δ₂·ρ/(1−ρ)).
func tailEstimate(phi []float64, d int) float64 {
	k := len(phi) - 1
	d2 := math.Max(phi[k-d]-phi[k], 0)
	d1 := math.Max(phi[k-2*d]-phi[k-d], 0)
	if d2 == 0 {
		return 0
	}
	rho := 0.999
	if d1 > 0 {
		rho = math.Min(d2/d1, rho)
	}
	return math.Max(d2, d2*rho/(1-rho))
}

// roundingFactor returns γ = 16ε·(longest row of P + c + inner dimension of
// the product with Y), the relative rounding error of an entry of A s.
func (rx *Relaxation) roundingFactor() float64 {
	var dp int
	for a := 0; a < rx.m; a++ {
		dp = max(dp, rx.ptr[a+1]-rx.ptr[a])
	}
	inner := 1
	switch y := rx.d.Y; y.Kind {
	case sparsemat.Dense:
		inner = y.Cols
	case sparsemat.Sparse:
		for i := 0; i < y.Rows; i++ {
			inner = max(inner, y.Sp.Ptr[i+1]-y.Sp.Ptr[i])
		}
	}
	return 16 * 0x1p-52 * float64(dp+rx.c+inner)
}

// smallestRitz returns the smallest eigenvalue of the Lanczos tridiagonal
// matrix of preconditioned CG with step lengths alphas (k of them) and
// coefficients betas (at least k−1): diagonal 1/α_j + β_{j−1}/α_{j−1},
// off-diagonal √β_j/α_j. It bisects on Sturm counts to a relative
// accuracy of 1e-6.
func smallestRitz(alphas, betas []float64) float64 {
	k := len(alphas)
	d := make([]float64, k)
	e := make([]float64, k) // e[j] couples j and j+1
	lo, hi := math.Inf(1), math.Inf(-1)
	for j := 0; j < k; j++ {
		d[j] = 1 / alphas[j]
		if j > 0 {
			d[j] += betas[j-1] / alphas[j-1]
		}
		if j+1 < k {
			e[j] = math.Sqrt(betas[j]) / alphas[j]
		}
	}
	for j := 0; j < k; j++ {
		r := math.Abs(e[j])
		if j > 0 {
			r += math.Abs(e[j-1])
		}
		lo, hi = math.Min(lo, d[j]-r), math.Max(hi, d[j]+r)
	}
	lo = math.Max(lo, 0)
	// below counts the eigenvalues below x by the signs of the LDLᵀ pivots.
	below := func(x float64) int {
		n := 0
		p := d[0] - x
		for j := 0; ; j++ {
			if p < 0 {
				n++
			}
			if j+1 == k {
				return n
			}
			if p == 0 {
				p = 1e-300
			}
			p = d[j+1] - x - e[j]*e[j]/p
		}
	}
	for hi-lo > 1e-6*hi {
		mid := 0.5 * (lo + hi)
		if below(mid) >= 1 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}
