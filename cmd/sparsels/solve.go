package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"
)

var solveCommand = &command{
	name:     "solve",
	synopsis: "minimize E over the values of G and write the best G",
	usage: `sparsels solve -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G0.mtx -o G.mtx [-rowsum | -C C.mtx -D D.mtx]
               [-method auto|qn|lm|gn|newton|nadam|lbfgs] [-linear auto|dense|cg] [-lambda λ [-ref Gref.mtx]]
               [-max-iter N] [-ftol f] [-gtol g] [-xtol x] [-time-limit d] [-trace trace.csv] [-q]`,
	help: `
Solve minimizes E(g) = ‖X − Y Gᵀ L G B‖²_F (plus λ‖g − g_ref‖² with -lambda)
over the values g of G on the pattern of G0.mtx, starting from its values,
and writes the best G to the -o file with the entries of G0.mtx in the same
order (a .gz name is gzipped). The start is projected onto the constraints.

G0.mtx must be a general coordinate file without repeated entries; a pattern
file starts every value at 1. L's repeated entries are summed. Y, B and X may
be array (dense) or coordinate (sparse) files, of any symmetry.

Progress is printed on stderr, one line per iteration (energy, relative
decrease, infinity norm of the projected gradient, step norm, damping 1/μ for
lm, trust radius for newton, step length for gn, learning rate for nadam,
CG iterations, accepted, elapsed), followed on stdout by the report and the
full-precision energy of the written G. -q prints nothing but errors.

The outputs (-o, -trace) are checked before any input is read: two of them
naming the same file, or one naming an input, is a command-line error; a
target that exists but is not a regular file (a directory, a device such as
/dev/null, a named pipe, a symbolic link) or a directory where no file can be
created is an error. They are written to temporary files and renamed into
place together at the end, so each exit status writes all of them or none.

Exit status: 0 when the run converged (function, gradient or step
tolerance), outputs written; 3 when it stopped otherwise: iteration or time
limit, stationary start, no further decrease, or interrupt (Ctrl-C or
SIGTERM), with the best G found and the trace written; an interrupt that
comes before the first iteration (while reading, say) stops at once and
writes nothing, and a second interrupt ends the process at once (status
130), removing its temporary files, writing nothing more; 1 on bad data
(unreadable or malformed files, shape mismatches, infeasible constraints,
non-finite energy, over the memory budget) or a failed write, with nothing
written; 2 on a bad command line, with nothing written.
`,
	flags: solveFlags,
}

func solveFlags(cmd *command, fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) int {
	var (
		files               problemFiles
		cons                constraintFiles
		out, method, linear string
		ref, trace          string
		lambda, ftol, gtol  finiteFloat
		xtol                finiteFloat
		maxIter             int
		timeLimit           seconds
		quiet, bound        bool
	)
	files.register(fs, "Matrix Market `file` of the start G0: its entries give the pattern of G and the order of g (required)")
	cons.register(fs)
	fs.StringVar(&out, "o", "", "output Matrix Market `file` for the best G (required)")
	fs.StringVar(&method, "method", "auto", "minimization `method`: auto (qn), qn, lm, gn, newton, nadam or lbfgs, in any case (full names such as levenberg-marquardt work too)")
	fs.StringVar(&linear, "linear", "auto", "linear `solver` of lm, gn and newton: auto, dense or cg, in any case")
	fs.Var(&lambda, "lambda", "Tikhonov weight `λ` ≥ 0: add λ‖g − g_ref‖² to E")
	fs.StringVar(&ref, "ref", "", "Matrix Market `file` of g_ref for -lambda, entries in G0's pattern (default g_ref = 0)")
	fs.IntVar(&maxIter, "max-iter", 0, "maximum number of iterations (0: 1000 for lm, gn and newton, 20000 for qn and lbfgs, 5000 for nadam)")
	fs.Var(&ftol, "ftol", "stop when an accepted step decreases E by at most `f` relative (0: 1e-10, negative: never)")
	fs.Var(&gtol, "gtol", "stop when the projected gradient falls to `g` times the smaller of its start and the problem's gradient scale (0: 1e-10, negative: never)")
	fs.Var(&xtol, "xtol", "stop when an accepted step is at most `x`·‖g‖ (0: 1e-12, negative: never)")
	fs.Var(&timeLimit, "time-limit", "stop after this wall `time`, such as 30s, 5m or 1h30m; a bare number is seconds (0: no limit)")
	fs.StringVar(&trace, "trace", "", "write the per-iteration history as CSV to this `file`")
	fs.BoolVar(&quiet, "q", false, "quiet: print only errors")
	fs.BoolVar(&bound, "bound", false, "after the run, compute the certified lower bound on E (sparsels.LowerBound) and print the optimality gap")

	return func(ctx context.Context, stdout, stderr io.Writer) int {
		if err := files.check(); err != nil {
			return report(stderr, cmd, err)
		}
		if out == "" {
			return usageFail(stderr, cmd, errors.New("missing -o (the output file for G)"))
		}
		if err := cons.check(); err != nil {
			return report(stderr, cmd, err)
		}
		var set sparsels.Settings
		var err error
		if set.Method, err = parseMethod(method); err != nil {
			return usageFail(stderr, cmd, fmt.Errorf("-method: %v", err))
		}
		if set.Linear, err = parseLinear(linear); err != nil {
			return usageFail(stderr, cmd, fmt.Errorf("-linear: %v", err))
		}
		switch {
		case lambda < 0:
			return usageFail(stderr, cmd, fmt.Errorf("-lambda %v: want λ ≥ 0", float64(lambda)))
		case ref != "" && lambda == 0:
			return usageFail(stderr, cmd, errors.New("-ref needs -lambda > 0"))
		case maxIter < 0:
			return usageFail(stderr, cmd, fmt.Errorf("-max-iter %d: want N ≥ 0", maxIter))
		case timeLimit < 0:
			return usageFail(stderr, cmd, fmt.Errorf("-time-limit %v: want a duration ≥ 0", time.Duration(timeLimit)))
		}
		set.Lambda = float64(lambda)
		set.MaxIterations = maxIter
		set.FunctionTol, set.GradientTol, set.StepTol = float64(ftol), float64(gtol), float64(xtol)
		set.TimeLimit = time.Duration(timeLimit)
		set.Bound = bound
		set.MemoryLimit = int64(files.maxDense)

		// Every output is checked, and its temporary file created, before
		// any work; they are written together at the end or not at all.
		var outs outputs
		outs.add("o", out)
		outs.add("trace", trace)
		inputs := files.inputs()
		cons.addInputs(inputs)
		inputs["ref"] = ref
		if err := outs.check(inputs); err != nil {
			return report(stderr, cmd, err)
		}
		defer outs.discard()

		ld, err := loadProblem(ctx, files, &set)
		if err != nil {
			return failOrStop(stderr, cmd, err)
		}
		var consDesc string
		if set.Constraints, consDesc, err = ld.loadConstraints(cons); err != nil {
			return failOrStop(stderr, cmd, err)
		}
		if ref != "" {
			if set.Ref, err = ld.loadRef(ref); err != nil {
				return failOrStop(stderr, cmd, err)
			}
		}
		if !quiet {
			fmt.Fprintf(stderr, "sparsels solve: %s\n", ld.summary)
			if consDesc != "" {
				fmt.Fprintf(stderr, "constraints: %s\n", consDesc)
			}
			if set.Lambda > 0 {
				fmt.Fprintf(stderr, "Tikhonov term: %v·‖g − g_ref‖² (g_ref %s)\n", set.Lambda, orDefault(ref, "0"))
			}
			fmt.Fprintf(stderr, "%4s  %-22s  %9s  %9s  %9s  %9s  %5s  %3s  %9s\n",
				"iter", "energy", "rel.decr", "grad", "step", dampingLabel(set.Method.Resolve(ld.prob, set.Constraints)), "cg", "acc", "elapsed")
			set.Callback = func(rec sparsels.IterationRecord) error {
				acc := "no"
				if rec.Accepted {
					acc = "yes"
				}
				fmt.Fprintf(stderr, "%4d  %-22.16e  %9.3e  %9.3e  %9.3e  %9.3e  %5d  %3s  %8.3fs\n",
					rec.Iteration, rec.Energy, rec.RelDecrease, rec.GradientNorm, rec.StepNorm, rec.Damping,
					rec.CGIterations, acc, rec.Elapsed.Seconds())
				return nil
			}
		}

		res, err := sparsels.Solve(ctx, ld.prob, ld.g, &set)
		if res == nil || (err != nil && res.Status != sparsels.Canceled) {
			if err == nil {
				err = errors.New("solve returned no result")
			}
			if errors.Is(err, sparsels.ErrNotFinite) && res != nil && res.Iterations == 0 {
				start := ld.g
				if len(res.G) == len(start) {
					start = res.G
				}
				return fail(stderr, cmd, ld.blameOverflow(start, set.Lambda, set.Ref, ref))
			}
			return fail(stderr, cmd, fmt.Errorf("%s: %w", ld.files.G, err))
		}
		if res.Status == sparsels.Canceled && res.Iterations == 0 {
			fmt.Fprintf(stderr, "sparsels solve: interrupted before the first iteration: nothing was written\n")
			return exitStopped
		}

		energy := ld.prob.Energy(res.G)
		comment := fmt.Sprintf("written by sparsels solve -method %s: %s after %d iterations, E = %s",
			res.Method, res.Reason, res.Iterations, strconv.FormatFloat(energy, 'g', -1, 64))
		// The writes are not interrupted: the run's result is worth keeping.
		wctx := context.WithoutCancel(ctx)
		if err := outs.write(wctx, "o", func(w io.Writer) error {
			return mtx.WriteCoordinate(w, ld.n, ld.m, ld.gm.I, ld.gm.J, res.G, comment)
		}); err != nil {
			return fail(stderr, cmd, err)
		}
		if trace != "" {
			if err := outs.write(wctx, "trace", func(w io.Writer) error { return writeTrace(w, res.History) }); err != nil {
				return fail(stderr, cmd, err)
			}
		}
		if err := outs.commit(); err != nil {
			return fail(stderr, cmd, err)
		}
		if !quiet {
			fmt.Fprintln(stdout, res.String())
			fmt.Fprintf(stdout, "energy: %s\n", strconv.FormatFloat(energy, 'g', -1, 64))
			if set.Lambda > 0 {
				fmt.Fprintf(stdout, "tikhonov: %s\n", strconv.FormatFloat(res.Energy-energy, 'g', -1, 64))
				fmt.Fprintf(stdout, "total: %s\n", strconv.FormatFloat(res.Energy, 'g', -1, 64))
			}
			if res.Bound != nil {
				gap, rel := res.Gap()
				fmt.Fprintf(stdout, "lower bound: %s (%s)\n", strconv.FormatFloat(res.Bound.Value, 'g', -1, 64), res.Bound.Kind)
				fmt.Fprintf(stdout, "gap: %.6g (%.3g relative)\n", gap, rel)
			}
			if set.Constraints != nil {
				fmt.Fprintf(stdout, "violation: %.3g\n", res.Violation)
			}
			fmt.Fprintf(stdout, "wrote %s (%d entries)\n", out, len(res.G))
			if trace != "" {
				fmt.Fprintf(stdout, "wrote %s (%d iterations)\n", trace, len(res.History))
			}
		}
		if res.Status.Converged() {
			return exitOK
		}
		if !quiet {
			why := res.Reason
			if res.Status == sparsels.Canceled {
				why = "interrupted"
			}
			fmt.Fprintf(stderr, "sparsels solve: stopped before convergence (%s); the best G found was written to %s\n", why, out)
		}
		return exitStopped
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// dampingLabel names the IterationRecord.Damping column for m. Auto is
// labelled as the method it runs (NewtonTrustRegion, see sparsels.Auto), so
// the header does not depend on whether auto was spelled out.
func dampingLabel(m sparsels.Method) string {
	switch m {
	case sparsels.LevenbergMarquardt:
		return "1/mu"
	case sparsels.NewtonTrustRegion:
		return "radius"
	case sparsels.GaussNewtonLineSearch, sparsels.QuasiNewton:
		return "alpha"
	case sparsels.NAdam:
		return "lr"
	}
	return "damping"
}

// traceHeader is the header of the -trace CSV file.
const traceHeader = "iteration,energy,rel_decrease,grad_norm,step_norm,damping,cg_iterations,accepted,elapsed_seconds\n"

// writeTrace writes the iteration history as CSV to w.
func writeTrace(w io.Writer, hist []sparsels.IterationRecord) error {
	if _, err := io.WriteString(w, traceHeader); err != nil {
		return err
	}
	buf := make([]byte, 0, 256)
	f := func(v float64) { buf = strconv.AppendFloat(buf, v, 'g', -1, 64); buf = append(buf, ',') }
	for _, h := range hist {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(h.Iteration), 10)
		buf = append(buf, ',')
		f(h.Energy)
		f(h.RelDecrease)
		f(h.GradientNorm)
		f(h.StepNorm)
		f(h.Damping)
		buf = strconv.AppendInt(buf, int64(h.CGIterations), 10)
		buf = append(buf, ',')
		buf = strconv.AppendBool(buf, h.Accepted)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, h.Elapsed.Seconds(), 'g', -1, 64)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
