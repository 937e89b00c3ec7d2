package sparsels

// The loop shared by the methods that solve linear systems on the local
// model: LevenbergMarquardt, GaussNewtonLineSearch and NewtonTrustRegion.

// stepper is one second-order method: how it computes and judges a step on
// the local model.
type stepper interface {
	// linearized is called after the model's linearization at a new point.
	linearized(md *localModel) error
	// iterate computes a step from md.b, evaluates the trial point(s) and
	// reports whether the step is accepted and the energy there. It fills
	// rec's CGIterations, StepNorm and Damping and sets md.step.
	iterate(md *localModel, rec *IterationRecord) (it stepOutcome, err error)
	// failed reports a method-specific end: the radius or the damping at
	// its limit.
	failed() (string, bool)
}

// stepOutcome is what an iteration found.
type stepOutcome struct {
	accepted   bool
	energy     float64 // E at the trial point taken
	negligible bool    // the model predicts no decrease above rounding
	limited    bool    // the step was cut by the radius or the damping
	exact      bool    // the step minimized E exactly along its direction
}

// secondOrder runs the second-order method m on the local model of the
// method's curvature, with the linear solver of the run.
func (sv *solver) secondOrder(m stepper) (*Result, error) {
	linear, err := sv.linearSolver()
	if err != nil {
		return nil, err
	}
	sv.res.Linear = linear
	md := sv.newLocalModel(sv.spec.curvature, linear)
	if r, done, err := sv.startCheck(); done {
		return r, err
	}
	fresh := true
	for iter := 1; ; iter++ {
		if r, done, err := sv.limitReached(iter); done {
			return r, err
		}
		rec := IterationRecord{Iteration: iter}
		if fresh {
			if r, done, err := md.linearize(); done {
				return r, err
			}
			if err := m.linearized(md); err != nil {
				return sv.finish(NumericalFailure, err.Error(), err)
			}
			fresh = false
		}
		out, err := m.iterate(md, &rec)
		if err != nil {
			return sv.finish(NumericalFailure, err.Error(), err)
		}
		if md.cgw.Stopped {
			// Cancelled or out of time inside the linear solve: keep the
			// best iterate, which is the current one.
			st, _ := sv.interrupted()
			if st == NotTerminated {
				st = Canceled
			}
			return sv.finish(st, "during the linear solve", nil)
		}
		eOld := sv.e
		if out.accepted {
			md.accept(out.energy)
			fresh = true
		}
		if r, done, err := sv.endIteration(iter, &rec, out, eOld); done {
			return r, err
		}
		if reason, ok := m.failed(); ok {
			return sv.finish(NumericalFailure, reason, nil)
		}
	}
}
