package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"
)

var solveCommand = &command{
	name:     "solve",
	synopsis: "minimize E over the values of G and write the best G",
	usage: `sparsels solve -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G0.mtx -o G.mtx [-rowsum | -C C.mtx -D D.mtx]
               [-method auto|qn|hgn|lm|gn|newton|nadam|lbfgs] [-linear auto|dense|cg] [-lambda λ [-ref Gref.mtx]]
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
	args: func() args { return &solveArgs{} },
}

// solveArgs are the flags of sparsels solve.
type solveArgs struct {
	files        problemFiles
	cons         constraintFiles
	solver       solverFlags
	out, linear  string
	ref, trace   string
	lambda       finiteFloat
	quiet, bound bool
}

func (a *solveArgs) register(fs *flag.FlagSet) {
	a.files.register(fs, "Matrix Market `file` of the start G0: its entries give the pattern of G and the order of g (required)")
	a.cons.register(fs)
	a.solver.register(fs, true)
	fs.StringVar(&a.out, "o", "", "output Matrix Market `file` for the best G (required)")
	fs.StringVar(&a.linear, "linear", "auto", "linear `solver` of lm, gn and newton: auto, dense or cg, in any case")
	fs.Var(&a.lambda, "lambda", "Tikhonov weight `λ` ≥ 0: add λ‖g − g_ref‖² to E")
	fs.StringVar(&a.ref, "ref", "", "Matrix Market `file` of g_ref for -lambda, entries in G0's pattern (without -ref, g_ref = 0)")
	fs.StringVar(&a.trace, "trace", "", "write the per-iteration history as CSV to this `file`")
	fs.BoolVar(&a.quiet, "q", false, "quiet: print only errors")
	fs.BoolVar(&a.bound, "bound", false, "after the run, compute the certified lower bound on E (sparsels.LowerBound) and print the optimality gap")
}

// settings checks the flags and returns the solver's settings, without
// the problem's constraints and reference; every error is a usage error.
func (a *solveArgs) settings() (*sparsels.Settings, error) {
	if err := a.files.check(); err != nil {
		return nil, err
	}
	if a.out == "" {
		return nil, usagef("missing -o (the output file for G)")
	}
	if err := a.cons.check(); err != nil {
		return nil, err
	}
	set := &sparsels.Settings{Lambda: float64(a.lambda), Bound: a.bound, MemoryLimit: int64(a.files.maxDense)}
	var err error
	if set.Method, err = a.solver.parseMethod(); err != nil {
		return nil, err
	}
	if set.Linear, err = parseLinear(a.linear); err != nil {
		return nil, usagef("-linear: %v", err)
	}
	switch {
	case a.lambda < 0:
		return nil, usagef("-lambda %v: want λ ≥ 0", float64(a.lambda))
	case a.ref != "" && a.lambda == 0:
		return nil, usagef("-ref needs -lambda > 0")
	}
	if err := a.solver.checkLimits(); err != nil {
		return nil, err
	}
	a.solver.apply(set)
	return set, nil
}

func (a *solveArgs) run(ctx context.Context, cmd *command, stdout, stderr io.Writer) int {
	set, err := a.settings()
	if err != nil {
		return report(stderr, cmd, err)
	}
	// Every output is checked, and its temporary file created, before
	// any work; they are written together at the end or not at all.
	var outs outputs
	outs.add("o", a.out)
	outs.add("trace", a.trace)
	inputs := a.files.inputs()
	a.cons.addInputs(inputs)
	inputs["ref"] = a.ref
	if err := outs.check(inputs); err != nil {
		return report(stderr, cmd, err)
	}
	defer outs.discard()

	ld, consDesc, err := a.load(ctx, set)
	if err != nil {
		return failOrStop(stderr, cmd, err)
	}
	if !a.quiet {
		a.printStart(stderr, ld, set, consDesc)
		set.Callback = progressLine(stderr)
	}
	res, err := sparsels.Solve(ctx, ld.prob, ld.g, set)
	if res == nil || (err != nil && res.Status != sparsels.Canceled) {
		return fail(stderr, cmd, a.solveError(ld, set, res, err))
	}
	if res.Status == sparsels.Canceled && res.Iterations == 0 {
		fmt.Fprintf(stderr, "sparsels solve: interrupted before the first iteration: nothing was written\n")
		return exitStopped
	}
	energy := ld.prob.Energy(res.G)
	// The writes are not interrupted: the run's result is worth keeping.
	if err := a.write(context.WithoutCancel(ctx), &outs, ld, res, energy); err != nil {
		return fail(stderr, cmd, err)
	}
	if a.quiet {
		return exitStatus(res)
	}
	a.printReport(stdout, set, res, energy)
	if !res.Status.Converged() {
		why := res.Reason
		if res.Status == sparsels.Canceled {
			why = "interrupted"
		}
		fmt.Fprintf(stderr, "sparsels solve: stopped before convergence (%s); the best G found was written to %s\n", why, a.out)
	}
	return exitStatus(res)
}

// exitStatus is solve's exit status for a result it wrote: exitOK if the
// run converged, exitStopped otherwise.
func exitStatus(res *sparsels.Result) int {
	if res.Status.Converged() {
		return exitOK
	}
	return exitStopped
}

// load reads the problem, the constraints and the reference g_ref into
// set, and describes the constraints ("" for none).
func (a *solveArgs) load(ctx context.Context, set *sparsels.Settings) (*loaded, string, error) {
	ld, err := loadProblem(ctx, a.files, set)
	if err != nil {
		return nil, "", err
	}
	var consDesc string
	if set.Constraints, consDesc, err = ld.loadConstraints(a.cons); err != nil {
		return nil, "", err
	}
	if a.ref != "" {
		if set.Ref, err = ld.loadRef(a.ref); err != nil {
			return nil, "", err
		}
	}
	return ld, consDesc, nil
}

// solveError is the error of a run that returned no usable result: for a
// non-finite energy at the start, which input overflows.
func (a *solveArgs) solveError(ld *loaded, set *sparsels.Settings, res *sparsels.Result, err error) error {
	if err == nil {
		err = errors.New("solve returned no result")
	}
	if errors.Is(err, sparsels.ErrNotFinite) && res != nil && res.Iterations == 0 {
		start := ld.g
		if len(res.G) == len(start) {
			start = res.G
		}
		return ld.blameOverflow(start, set.Lambda, set.Ref, a.ref)
	}
	return fmt.Errorf("%s: %w", ld.files.G, err)
}

// printStart prints the problem, the constraints, the Tikhonov term and
// the header of the progress lines.
func (a *solveArgs) printStart(w io.Writer, ld *loaded, set *sparsels.Settings, consDesc string) {
	fmt.Fprintf(w, "sparsels solve: %s\n", ld.summary)
	if consDesc != "" {
		fmt.Fprintf(w, "constraints: %s\n", consDesc)
	}
	if set.Lambda > 0 {
		fmt.Fprintf(w, "Tikhonov term: %v·‖g − g_ref‖² (g_ref %s)\n", set.Lambda, orDefault(a.ref, "0"))
	}
	fmt.Fprintf(w, "%4s  %-22s  %9s  %9s  %9s  %9s  %5s  %3s  %9s\n",
		"iter", "energy", "rel.decr", "grad", "step", dampingLabel(set.Method.Resolve(ld.prob, set.Constraints)), "cg", "acc", "elapsed")
}

// progressLine returns the callback that prints a line per iteration to w,
// under printStart's header.
func progressLine(w io.Writer) func(sparsels.IterationRecord) error {
	return func(rec sparsels.IterationRecord) error {
		acc := "no"
		if rec.Accepted {
			acc = "yes"
		}
		fmt.Fprintf(w, "%4d  %-22.16e  %9.3e  %9.3e  %9.3e  %9.3e  %5d  %3s  %8.3fs\n",
			rec.Iteration, rec.Energy, rec.RelDecrease, rec.GradientNorm, rec.StepNorm, rec.Damping,
			rec.CGIterations, acc, rec.Elapsed.Seconds())
		return nil
	}
}

// write fills the temporary files of -o and -trace and renames them into
// place.
func (a *solveArgs) write(ctx context.Context, outs *outputs, ld *loaded, res *sparsels.Result, energy float64) error {
	comment := fmt.Sprintf("written by sparsels solve -method %s: %s after %d iterations, E = %s",
		res.Method, res.Reason, res.Iterations, strconv.FormatFloat(energy, 'g', -1, 64))
	if err := outs.write(ctx, "o", func(w io.Writer) error {
		return mtx.WriteCoordinate(w, ld.n, ld.m, ld.gm.I, ld.gm.J, res.G, comment)
	}); err != nil {
		return err
	}
	if a.trace != "" {
		if err := outs.write(ctx, "trace", func(w io.Writer) error { return writeTrace(w, res.History) }); err != nil {
			return err
		}
	}
	return outs.commit()
}

// printReport prints the result, the energy at full precision, the bound
// and gap, the violation and the files written.
func (a *solveArgs) printReport(w io.Writer, set *sparsels.Settings, res *sparsels.Result, energy float64) {
	fmt.Fprintln(w, res.String())
	fmt.Fprintf(w, "energy: %s\n", strconv.FormatFloat(energy, 'g', -1, 64))
	if set.Lambda > 0 {
		fmt.Fprintf(w, "tikhonov: %s\n", strconv.FormatFloat(res.Energy-energy, 'g', -1, 64))
		fmt.Fprintf(w, "total: %s\n", strconv.FormatFloat(res.Energy, 'g', -1, 64))
	}
	if res.Bound != nil {
		gap, rel := res.Gap()
		fmt.Fprintf(w, "lower bound: %s (%s)\n", strconv.FormatFloat(res.Bound.Value, 'g', -1, 64), res.Bound.Kind)
		fmt.Fprintf(w, "gap: %.6g (%.3g relative)\n", gap, rel)
	}
	if set.Constraints != nil {
		fmt.Fprintf(w, "violation: %.3g\n", res.Violation)
	}
	fmt.Fprintf(w, "wrote %s (%d entries)\n", a.out, len(res.G))
	if a.trace != "" {
		fmt.Fprintf(w, "wrote %s (%d iterations)\n", a.trace, len(res.History))
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
