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
	flags: evalFlags,
}

func evalFlags(cmd *command, fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) int {
	var (
		files                    problemFiles
		cons                     constraintFiles
		resid, grad, jac, gn, hs string
	)
	files.register(fs, "Matrix Market `file` of G: its entries give the pattern and the order of g (required)")
	cons.register(fs)
	fs.StringVar(&resid, "residual", "", "write the r×c residual f = X − Y Gᵀ L G B to this `file`")
	fs.StringVar(&grad, "grad", "", "write the gradient ∂E/∂g, in G's shape and entry order, to this `file`")
	fs.StringVar(&jac, "jac", "", "write the (r·c)×nnz Jacobian ∂vec(f)/∂g to this `file`")
	fs.StringVar(&gn, "gn", "", "write the nnz×nnz Gauss-Newton matrix JᵀJ to this `file`")
	fs.StringVar(&hs, "hess", "", "write the nnz×nnz Hessian of E to this `file`")

	return func(ctx context.Context, stdout, stderr io.Writer) int {
		if err := files.check(); err != nil {
			return report(stderr, cmd, err)
		}
		if err := cons.check(); err != nil {
			return report(stderr, cmd, err)
		}
		var outs outputs
		for _, o := range [][2]string{{"residual", resid}, {"grad", grad}, {"jac", jac}, {"gn", gn}, {"hess", hs}} {
			outs.add(o[0], o[1])
		}
		inputs := files.inputs()
		cons.addInputs(inputs)
		if err := outs.check(inputs); err != nil {
			return report(stderr, cmd, err)
		}
		defer outs.discard()

		ld, err := loadProblem(ctx, files, &sparsels.Settings{Linear: sparsels.LinearCG})
		if err != nil {
			return failOrStop(stderr, cmd, err)
		}
		cs, consDesc, err := ld.loadConstraints(cons)
		if err != nil {
			return failOrStop(stderr, cmd, err)
		}
		nnz := ld.pat.NNZ()
		rc := ld.r * ld.c
		limit := ld.avail()

		// Refuse oversized or impossible outputs before computing anything.
		for _, o := range []struct {
			flag, path, what string
			rows, cols       int
		}{
			{"residual", resid, "the residual", ld.r, ld.c},
			{"jac", jac, "the Jacobian", rc, nnz},
			{"gn", gn, "the Gauss-Newton matrix", nnz, nnz},
			{"hess", hs, "the Hessian", nnz, nnz},
		} {
			if o.path == "" {
				continue
			}
			if o.cols == 0 {
				return fail(stderr, cmd, fmt.Errorf("-%s %s: %s has no entries, so %s is empty", o.flag, o.path, files.G, o.what))
			}
			if err := sizeError(o.what, o.rows, o.cols, limit); err != nil {
				return fail(stderr, cmd, fmt.Errorf("refusing to write %s: %w; nothing was written", o.path, err))
			}
		}

		g := ld.g
		e, gr := ld.prob.EnergyGradient(nil, g)
		if k := firstNonFinite(gr); math.IsNaN(e) || math.IsInf(e, 0) || k >= 0 {
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
		src := fmt.Sprintf("at G = %s, X = %s, Y = %s, L = %s, B = %s", files.G, files.X, files.Y, files.L, files.B)
		var wrote []string
		writeFailed := func(err error) int {
			if ctx.Err() != nil {
				return failOrStop(stderr, cmd, fmt.Errorf("%w while writing the outputs", errInterrupted))
			}
			return fail(stderr, cmd, err)
		}
		if resid != "" {
			var f mat.Dense
			ld.prob.Residual(&f, g)
			if err := outs.write(ctx, "residual", func(w io.Writer) error {
				return mtx.WriteDense(w, &f, "residual f = X − Y Gᵀ L G B "+src)
			}); err != nil {
				return writeFailed(err)
			}
			wrote = append(wrote, fmt.Sprintf("wrote %s (residual, %d×%d)", resid, ld.r, ld.c))
		}
		if grad != "" {
			if err := outs.write(ctx, "grad", func(w io.Writer) error {
				return mtx.WriteCoordinate(w, ld.n, ld.m, ld.gm.I, ld.gm.J, gr, "gradient ∂E/∂g in the entry order of "+files.G+", "+src)
			}); err != nil {
				return writeFailed(err)
			}
			wrote = append(wrote, fmt.Sprintf("wrote %s (gradient, %d entries in the order of %s)", grad, nnz, files.G))
		}
		if jac != "" {
			var J mat.Dense
			ld.prob.Jacobian(&J, g)
			if err := outs.write(ctx, "jac", func(w io.Writer) error {
				return mtx.WriteDense(w, &J, "Jacobian J = ∂vec(f)/∂g, vec column-major, columns in the entry order of "+files.G+", "+src)
			}); err != nil {
				return writeFailed(err)
			}
			wrote = append(wrote, fmt.Sprintf("wrote %s (Jacobian, %d×%d)", jac, rc, nnz))
		}
		if gn != "" || hs != "" {
			S := mat.NewSymDense(nnz, nil)
			if gn != "" {
				ld.prob.GaussNewton(S, g)
				if err := outs.write(ctx, "gn", symWriter(S, "Gauss-Newton matrix JᵀJ, rows and columns in the entry order of "+files.G+", "+src)); err != nil {
					return writeFailed(err)
				}
				wrote = append(wrote, fmt.Sprintf("wrote %s (Gauss-Newton matrix, %d×%d)", gn, nnz, nnz))
			}
			if hs != "" {
				ld.prob.Hessian(S, g)
				if err := outs.write(ctx, "hess", symWriter(S, "Hessian of E, rows and columns in the entry order of "+files.G+", "+src)); err != nil {
					return writeFailed(err)
				}
				wrote = append(wrote, fmt.Sprintf("wrote %s (Hessian, %d×%d)", hs, nnz, nnz))
			}
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

// firstNonFinite returns the index of the first NaN or infinite element of
// x, or -1.
func firstNonFinite(x []float64) int {
	for k, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return k
		}
	}
	return -1
}
