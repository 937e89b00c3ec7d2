package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"

	"github.com/sparsels/sparsels/internal/vec"
)

var evalCommand = &command{
	name:     "eval",
	synopsis: "print E and the constraint violation at G; write the residual and derivatives",
	usage: `sparsels eval -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G.mtx [-rowsum | -C C.mtx -D D.mtx]
              [-residual f.mtx] [-grad grad.mtx] [-jac J.mtx] [-gn JtJ.mtx] [-hess H.mtx]`,
	help: `
Eval prints, at the values of G.mtx, the energy E = ‖X − Y Gᵀ L G B‖²_F at
full precision and the infinity norm of its gradient ∂E/∂g, and with
constraints the relative constraint violation and the projected gradient norm.
The output files are optional:

	-residual  f = X − Y Gᵀ L G B, an r×c array file
	-grad      ∂E/∂g, a coordinate file with the entries of G.mtx in its order
	-jac       J = ∂vec(f)/∂g, an (r·c)×nnz array file, vec column-major and
	           columns in the order of the entries of G.mtx
	-gn        the Gauss-Newton matrix JᵀJ, an nnz×nnz symmetric array file
	-hess      the Hessian ∇²E = 2(JᵀJ + Σ f_q ∇²f_q), nnz×nnz symmetric array

A dense output over -max-dense-bytes is refused, with the size it would need,
before anything is computed or written. The outputs are checked before any
input is read (see 'sparsels help solve': clashing paths are a command-line
error, non-regular or unwritable targets an error), written to temporary
files and renamed into place together at the end: all of them or none.
Exit status: 0 on success, every output written; 1 on bad data or a refused
or failed write, 2 on a bad command line, 3 on an interrupt (Ctrl-C or
SIGTERM), all three with nothing written.
`,
	args: func() args { return &evalArgs{} },
}

// evalArgs are the flags of sparsels eval.
type evalArgs struct {
	files                      problemFiles
	cons                       constraintFiles
	resid, grad, jac, gn, hess string
}

func (a *evalArgs) register(fs *flag.FlagSet) {
	a.files.register(fs, "Matrix Market `file` of G: its entries give the pattern and the order of g (required)")
	a.cons.register(fs)
	fs.StringVar(&a.resid, "residual", "", "write the r×c residual f = X − Y Gᵀ L G B to this `file`")
	fs.StringVar(&a.grad, "grad", "", "write the gradient ∂E/∂g, in G's shape and entry order, to this `file`")
	fs.StringVar(&a.jac, "jac", "", "write the (r·c)×nnz Jacobian ∂vec(f)/∂g to this `file`")
	fs.StringVar(&a.gn, "gn", "", "write the nnz×nnz Gauss-Newton matrix JᵀJ to this `file`")
	fs.StringVar(&a.hess, "hess", "", "write the nnz×nnz Hessian of E to this `file`")
}

func (a *evalArgs) run(ctx context.Context, cmd *command, stdout, stderr io.Writer) int {
	if err := a.files.check(); err != nil {
		return report(stderr, cmd, err)
	}
	if err := a.cons.check(); err != nil {
		return report(stderr, cmd, err)
	}
	var outs outputs
	for _, o := range [][2]string{{"residual", a.resid}, {"grad", a.grad}, {"jac", a.jac}, {"gn", a.gn}, {"hess", a.hess}} {
		outs.add(o[0], o[1])
	}
	inputs := a.files.inputs()
	a.cons.addInputs(inputs)
	if err := outs.check(inputs); err != nil {
		return report(stderr, cmd, err)
	}
	defer outs.discard()

	ld, err := loadProblem(ctx, a.files, &sparsels.Settings{Linear: sparsels.LinearCG})
	if err != nil {
		return failOrStop(stderr, cmd, err)
	}
	cs, consDesc, err := ld.loadConstraints(a.cons)
	if err != nil {
		return failOrStop(stderr, cmd, err)
	}
	// Refuse oversized or impossible outputs before computing anything.
	if err := a.refuse(ld); err != nil {
		return fail(stderr, cmd, err)
	}

	g := ld.g
	e, gr := ld.prob.EnergyGradient(nil, g)
	if k := vec.FirstNonFinite(gr); math.IsNaN(e) || math.IsInf(e, 0) || k >= 0 {
		return fail(stderr, cmd, ld.blameOverflow(g, 0, nil, ""))
	}
	fmt.Fprintf(stdout, "problem: %s\n", ld.summary)
	if consDesc != "" {
		fmt.Fprintf(stdout, "constraints: %s\n", consDesc)
	}
	fmt.Fprintf(stdout, "energy: %s\n", strconv.FormatFloat(e, 'g', -1, 64))
	fmt.Fprintf(stdout, "gradient norm: %.6g\n", infNorm(gr))
	if cs != nil {
		fmt.Fprintf(stdout, "violation: %.6g\n", cs.Violation(g))
		pg := cs.ToFull(nil, cs.ToReduced(nil, gr))
		fmt.Fprintf(stdout, "projected gradient norm: %.6g\n", infNorm(pg))
	}

	// Each output is written to its temporary file; an interrupt stops
	// the writing and nothing is written.
	wrote, err := a.write(ctx, &outs, ld, gr)
	if err != nil {
		if ctx.Err() != nil {
			return failOrStop(stderr, cmd, fmt.Errorf("%w while writing the outputs", errInterrupted))
		}
		return fail(stderr, cmd, err)
	}
	if ctx.Err() != nil {
		return failOrStop(stderr, cmd, fmt.Errorf("%w before the outputs were committed", errInterrupted))
	}
	if err := outs.commit(); err != nil {
		return fail(stderr, cmd, err)
	}
	for _, line := range wrote {
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}

// refuse returns the error for the first dense output that would be empty
// or exceed what -max-dense-bytes leaves beside the problem.
func (a *evalArgs) refuse(ld *loaded) error {
	nnz, rc := ld.pat.NNZ(), ld.r*ld.c
	limit := ld.avail()
	for _, o := range []struct {
		flag, path, what string
		rows, cols       int
	}{
		{"residual", a.resid, "the residual", ld.r, ld.c},
		{"jac", a.jac, "the Jacobian", rc, nnz},
		{"gn", a.gn, "the Gauss-Newton matrix", nnz, nnz},
		{"hess", a.hess, "the Hessian", nnz, nnz},
	} {
		if o.path == "" {
			continue
		}
		if o.cols == 0 {
			return fmt.Errorf("-%s %s: %s has no entries, so %s is empty", o.flag, o.path, a.files.G, o.what)
		}
		if err := sizeError(o.what, o.rows, o.cols, limit); err != nil {
			return fmt.Errorf("refusing to write %s: %w; nothing was written", o.path, err)
		}
	}
	return nil
}

// write fills the temporary file of every output asked for, at G with the
// gradient gr, and returns the lines that report them once committed.
func (a *evalArgs) write(ctx context.Context, outs *outputs, ld *loaded, gr []float64) ([]string, error) {
	g, G := ld.g, a.files.G
	nnz, rc := ld.pat.NNZ(), ld.r*ld.c
	src := fmt.Sprintf("at G = %s, X = %s, Y = %s, L = %s, B = %s", G, a.files.X, a.files.Y, a.files.L, a.files.B)
	var wrote []string
	if a.resid != "" {
		var f mat.Dense
		ld.prob.Residual(&f, g)
		if err := outs.write(ctx, "residual", func(w io.Writer) error {
			return mtx.WriteDense(w, &f, "residual f = X − Y Gᵀ L G B "+src)
		}); err != nil {
			return nil, err
		}
		wrote = append(wrote, fmt.Sprintf("wrote %s (residual, %d×%d)", a.resid, ld.r, ld.c))
	}
	if a.grad != "" {
		if err := outs.write(ctx, "grad", func(w io.Writer) error {
			return mtx.WriteCoordinate(w, ld.n, ld.m, ld.gm.I, ld.gm.J, gr, "gradient ∂E/∂g in the entry order of "+G+", "+src)
		}); err != nil {
			return nil, err
		}
		wrote = append(wrote, fmt.Sprintf("wrote %s (gradient, %d entries in the order of %s)", a.grad, nnz, G))
	}
	if a.jac != "" {
		var J mat.Dense
		ld.prob.Jacobian(&J, g)
		if err := outs.write(ctx, "jac", func(w io.Writer) error {
			return mtx.WriteDense(w, &J, "Jacobian J = ∂vec(f)/∂g, vec column-major, columns in the entry order of "+G+", "+src)
		}); err != nil {
			return nil, err
		}
		wrote = append(wrote, fmt.Sprintf("wrote %s (Jacobian, %d×%d)", a.jac, rc, nnz))
	}
	if a.gn == "" && a.hess == "" {
		return wrote, nil
	}
	// The Gauss-Newton matrix and the Hessian share one nnz×nnz array.
	S := mat.NewSymDense(nnz, nil)
	if a.gn != "" {
		ld.prob.GaussNewton(S, g)
		if err := outs.write(ctx, "gn", symWriter(S, "Gauss-Newton matrix JᵀJ, rows and columns in the entry order of "+G+", "+src)); err != nil {
			return nil, err
		}
		wrote = append(wrote, fmt.Sprintf("wrote %s (Gauss-Newton matrix, %d×%d)", a.gn, nnz, nnz))
	}
	if a.hess != "" {
		ld.prob.Hessian(S, g)
		if err := outs.write(ctx, "hess", symWriter(S, "Hessian of E, rows and columns in the entry order of "+G+", "+src)); err != nil {
			return nil, err
		}
		wrote = append(wrote, fmt.Sprintf("wrote %s (Hessian, %d×%d)", a.hess, nnz, nnz))
	}
	return wrote, nil
}

// symWriter returns the function that writes the symmetric S as a Matrix
// Market "array real symmetric" file (its lower triangle). It fills the
// unused lower half of S's storage with the mirror of the upper, so that
// the storage is the full matrix in column-major order, without a copy.
func symWriter(S *mat.SymDense, comment string) func(w io.Writer) error {
	return func(w io.Writer) error {
		raw := S.RawSymmetric()
		n := raw.N
		data := raw.Data
		if raw.Stride != n {
			full := mat.NewDense(n, n, nil)
			full.Copy(S)
			data = full.RawMatrix().Data
		} else {
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					data[j*n+i] = data[i*n+j]
				}
			}
		}
		m := &mtx.Matrix{
			Header: mtx.Header{Format: mtx.Array, Field: mtx.Real, Symmetry: mtx.Symmetric, Rows: n, Cols: n},
			Data:   data[:n*n],
		}
		return mtx.Write(w, m, comment)
	}
}

func infNorm(x []float64) float64 {
	var m float64
	for _, v := range x {
		if math.IsNaN(v) {
			return v
		}
		m = math.Max(m, math.Abs(v))
	}
	return m
}
