package sparsels

import (
	"fmt"
	"strings"
)

// Method is a minimization method for Solve.
type Method int

const (
	// Auto, the zero value, runs NewtonTrustRegion on problems with at
	// most 1000 free values (nonzeros of G less one per constraint) and
	// QuasiNewton on larger ones; Method.Resolve tells which, and
	// Result.Method tells which ran. On large spectral-coarsening problems
	// QuasiNewton reaches every energy level first: their energy is
	// nonconvex with many negative-curvature directions and a Gauss-Newton
	// matrix singular on most of the null space, where the inexact
	// subproblems of NewtonTrustRegion and the damping of
	// LevenbergMarquardt spend many products per step. On small problems
	// Newton's iterations are cheap and converge quadratically, and it
	// handles negative curvature where QuasiNewton can stall
	// (BENCHMARKS.md, section "Solver design choices"). HybridGaussNewton
	// ties QuasiNewton on coarsening without beating it, so Auto keeps
	// QuasiNewton; it never picks LevenbergMarquardt or
	// GaussNewtonLineSearch.
	Auto Method = iota
	// LevenbergMarquardt: Gauss-Newton steps damped in the
	// trust-region form, with Moré's diagonal scaling D by the largest
	// diagonal of JᵀJ seen so far. The damping is (1/μ)·min(1, ‖∇E‖/‖∇E₀‖)·D:
	// the radius μ grows and shrinks with the gain ratio (Nielsen's update),
	// and the gradient factor lets the damping vanish near a minimum, which
	// keeps the local convergence quadratic on zero-residual problems.
	//
	// LevenbergMarquardt and GaussNewtonLineSearch apply where the
	// residual at the minimum is zero or small next to the Gauss-Newton
	// curvature, such as fitting G to data that some G on the pattern
	// reproduces: there they converge quadratically. They do not apply to
	// large-residual problems such as spectral coarsening, whose energy
	// gets its curvature on most of the constraint null space from the
	// indefinite second-order term Σ fᵢ∇²fᵢ that they leave out: there
	// they end far above the minimum (BENCHMARKS.md, section "Structured
	// Gauss-Newton"), and HybridGaussNewton, which detects that regime, or
	// Auto should be used. Auto never picks them.
	LevenbergMarquardt
	// GaussNewtonLineSearch takes Gauss-Newton steps (the minimum-norm
	// solution of the linearized problem) and minimizes E exactly along
	// each: E along a line is a quartic polynomial, so the step is its
	// global minimizer, with no backtracking. It applies where
	// LevenbergMarquardt does (see there).
	GaussNewtonLineSearch
	// NewtonTrustRegion takes steps on the exact Hessian in a trust region:
	// Steihaug-Toint preconditioned CG when matrix-free, an eigendecomposition
	// (which copes with indefinite Hessians) when dense.
	NewtonTrustRegion
	// NAdam is the first-order method of the published spectral-coarsening
	// code, for comparison: Adam with Nesterov momentum, the iterate projected
	// back onto the constraints after every step and the learning rate halved
	// when the energy stalls.
	NAdam
	// LBFGS runs gonum's optimize.LBFGS through Problem.Optimize, in the
	// null-space coordinates of the constraints, for comparison.
	LBFGS
	// QuasiNewton is limited-memory BFGS whose initial inverse Hessian is
	// the block-Jacobi inverse of the Gauss-Newton row blocks plus a bound
	// on the second-order term's row blocks (NewtonTrustRegion's
	// preconditioner), with an exact minimization of E along each
	// direction: f is quadratic in g, so E along a line is a quartic
	// polynomial whose global minimizer costs about one residual
	// evaluation. It solves no linear systems.
	QuasiNewton
	// HybridGaussNewton takes Gauss-Newton steps (as GaussNewtonLineSearch,
	// by CG) while the Gauss-Newton model describes E, and QuasiNewton's
	// steps while it does not. It judges each Gauss-Newton step by the
	// split of the exact curvature along it into its Gauss-Newton and
	// second-order parts, and returns to Gauss-Newton when that split,
	// scaled to the current energy, predicts that the model holds again:
	// quadratic convergence on zero-residual problems, QuasiNewton's pace
	// on large-residual ones such as spectral coarsening. Use it when the
	// residual at the solution may be small; it is matrix-free
	// (Settings.Linear = LinearDense is an error).
	HybridGaussNewton
)

// linearNeed is what a method needs of the linear algebra.
type linearNeed int

const (
	// noLinearAlgebra: gradients only.
	noLinearAlgebra linearNeed = iota
	// preconditionerOnly: the local model's block-Jacobi preconditioner,
	// matrix-free, but no linear system (Result.Linear stays LinearAuto).
	preconditionerOnly
	// linearSystems: linear systems on the local model, dense or by CG as
	// Settings.Linear says.
	linearSystems
)

// methodSpec is everything Solve, Method.Resolve, EstimateMemory and Result
// need to know of a method. Adding a method means one entry in methods and
// one file holding its run function.
type methodSpec struct {
	name          string
	maxIterations int        // default Settings.MaxIterations
	linear        linearNeed // linear algebra it needs
	curvature     curvature  // the matrix of its local model, if it has one
	// ftolWindow is the number of accepted steps over which the shared
	// FunctionTol test compares the energy; 0 for the methods that judge
	// their progress themselves (NAdam over 100 iterations, as published;
	// LBFGS through gonum's function converger).
	ftolWindow int
	memory     memorySpec // the method's share of EstimateMemory
	run        func(sv *solver) (*Result, error)
}

// methods is the table of methods, indexed by Method. Auto has a name only:
// it is resolved (Method.Resolve) before anything else is read.
var methods = [...]methodSpec{
	Auto: {name: "auto"},
	LevenbergMarquardt: {
		name: "lm", maxIterations: 1000, linear: linearSystems, curvature: gaussNewtonCurvature,
		ftolWindow: ftolWindow, memory: secondOrderMemory,
		run: func(sv *solver) (*Result, error) { return sv.secondOrder(&lm{}) },
	},
	GaussNewtonLineSearch: {
		name: "gn", maxIterations: 1000, linear: linearSystems, curvature: gaussNewtonCurvature,
		ftolWindow: ftolWindow, memory: secondOrderMemory,
		run: func(sv *solver) (*Result, error) { return sv.secondOrder(&gaussNewton{}) },
	},
	NewtonTrustRegion: {
		name: "newton", maxIterations: 1000, linear: linearSystems, curvature: hessianCurvature,
		ftolWindow: ftolWindow, memory: secondOrderMemory,
		run: func(sv *solver) (*Result, error) { return sv.secondOrder(&newton{}) },
	},
	NAdam: {
		// The published code stops at 1000 iterations at most, or earlier
		// by its stall rule; the limit is higher so that NAdam's tail can be
		// compared.
		name: "nadam", maxIterations: 5000, linear: noLinearAlgebra,
		memory: firstOrderMemory, run: (*solver).nadam,
	},
	LBFGS: {
		name: "lbfgs", maxIterations: 20000, linear: noLinearAlgebra,
		memory: firstOrderMemory, run: (*solver).lbfgs,
	},
	QuasiNewton: {
		name: "qn", maxIterations: 20000, linear: preconditionerOnly, curvature: hessianCurvature,
		ftolWindow: ftolWindow, memory: quasiNewtonMemory, run: (*solver).quasiNewton,
	},
	HybridGaussNewton: {
		name: "hgn", maxIterations: 20000, linear: preconditionerOnly, curvature: hessianCurvature,
		ftolWindow: ftolWindow, memory: hybridMemory, run: (*solver).hybridGaussNewton,
	},
}

// valid reports whether m is one of the methods.
func (m Method) valid() bool { return m >= 0 && int(m) < len(methods) }

// spec returns the table entry of m, which must be valid.
func (m Method) spec() *methodSpec { return &methods[m] }

// autoNewtonMax is the most free values for which Auto runs
// NewtonTrustRegion rather than QuasiNewton (see Auto).
const autoNewtonMax = 1000

// autoMethod is the rule of Auto: the method for a problem with free
// values (nonzeros of G less the constraints' rank).
func autoMethod(free int) Method {
	if free <= autoNewtonMax {
		return NewtonTrustRegion
	}
	return QuasiNewton
}

// Resolve returns the method Solve runs for m on p with the constraints cs
// (nil for none): for Auto, NewtonTrustRegion when there are at most 1000
// free values and QuasiNewton otherwise; m itself for the other methods.
func (m Method) Resolve(p *Problem, cs *Constraints) Method {
	if m != Auto {
		return m
	}
	free := p.pat.NNZ()
	if cs != nil {
		free = cs.Dim()
	}
	return autoMethod(free)
}

func (m Method) String() string {
	if m.valid() {
		return methods[m].name
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method named auto, lm, gn, newton, nadam, lbfgs,
// qn or hgn. An unknown name is an error wrapping ErrSettings.
func ParseMethod(s string) (Method, error) {
	names := make([]string, len(methods))
	for i := range methods {
		if s == methods[i].name {
			return Method(i), nil
		}
		names[i] = methods[i].name
	}
	last := len(names) - 1
	return 0, invalidf(ErrSettings, "sparsels: unknown method %q (want %s or %s)", s, strings.Join(names[:last], ", "), names[last])
}
