package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/mtx"

	"github.com/sparsels/sparsels/internal/bytesize"
)

// budgetReader reads the Matrix Market files of a command under its memory
// budget (-max-dense-bytes): each file is read with what remains of the
// budget once the files read before and the estimate need are counted, so
// that a size line the budget cannot hold is refused before any entry is
// read, and repeated entries are summed (or rejected) while reading, so that
// they cost no memory. Reading stops promptly when ctx is done.
type budgetReader struct {
	ctx    context.Context // reading stops when it is done
	rd     mtx.Reader
	budget int64   // -max-dense-bytes
	used   int64   // bytes held by the files read so far
	need   float64 // bytes estimated for the work, once known
}

// newBudgetReader returns a reader for the budget limit whose reads stop
// when ctx is done.
func newBudgetReader(ctx context.Context, limit int64) budgetReader {
	return budgetReader{ctx: ctx, rd: reader(limit), budget: limit}
}

// loaded is a problem read from its files.
type loaded struct {
	budgetReader
	files      problemFiles
	gm         *mtx.Matrix // G as stored: its I, J give the order of g
	pat        *sparsels.Pattern
	g          []float64 // the values of G's file
	prob       *sparsels.Problem
	n, m, r, c int
	norms      map[string]float64 // Frobenius norms of X, Y, L and B, for blameOverflow
	summary    string             // one line describing the inputs
}

// reader returns the Matrix Market reader bounded by limit: no dimension
// above limit/8, so that a dense vector over a dimension fits.
func reader(limit int64) mtx.Reader {
	k := max(limit/8, 1)
	if k > math.MaxInt32 {
		k = math.MaxInt32
	}
	return mtx.Reader{MaxDim: int(k)}
}

// errInterrupted reports that an interrupt stopped the command before it
// computed anything; nothing was written.
var errInterrupted = errors.New("interrupted")

// read reads a Matrix Market file with the given duplicate policy and what
// remains of the memory budget, and counts its storage as used. It stops
// promptly, with an error wrapping errInterrupted, when ld.ctx is done. An
// error names the file, and the budget when the file does not fit it.
func (ld *budgetReader) read(path string, dup mtx.Duplicates) (*mtx.Matrix, error) {
	if ld.ctx.Err() != nil {
		return nil, fmt.Errorf("%w before reading %s", errInterrupted, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := ld.rd
	rd.Duplicates = dup
	// Files read after the problem is built (constraints, reference) get
	// what the problem's estimate leaves.
	held := max(ld.used, int64(ld.need))
	rd.MaxBytes = max(ld.budget-held, 1)
	a, err := rd.Read(ctxReader{ld.ctx, f}, path)
	if err != nil {
		var e *mtx.Error
		switch {
		case ld.ctx.Err() != nil:
			return nil, fmt.Errorf("%w while reading %s", errInterrupted, path)
		case errors.As(err, &e) && strings.Contains(e.Msg, "limit"):
			return nil, fmt.Errorf("%w (the limit is -max-dense-bytes = %s minus %s for what was read or estimated before)",
				err, bytesize.Format(float64(ld.budget)), bytesize.Format(float64(held)))
		}
		return nil, err
	}
	st := int64(rd.Storage(a.Header))
	ld.used += st
	if ld.need > 0 {
		ld.need += float64(st)
	}
	return a, nil
}

// loadProblem reads the files of f and builds the problem. Every error names
// the files involved; an interrupt (ctx done) stops the reading with an
// error wrapping errInterrupted.
//
// set gives the solver whose memory counts in the budget (eval and check
// pass Newton with CG, whose estimate covers their evaluations; their dense
// outputs must fit in what remains, see avail).
func loadProblem(ctx context.Context, f problemFiles, set *sparsels.Settings) (*loaded, error) {
	limit := int64(f.maxDense)
	ld := &loaded{budgetReader: newBudgetReader(ctx, limit), files: f}
	if err := ld.readG(f.G); err != nil {
		return nil, err
	}
	ld.n, ld.m = ld.gm.Rows, ld.gm.Cols
	n, m := ld.n, ld.m

	lm, err := ld.read(f.L, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if lm.Rows != n || lm.Cols != n {
		return nil, fmt.Errorf("%s: L is %d×%d, want %d×%d (%s is %d×%d)", f.L, lm.Rows, lm.Cols, n, n, f.G, n, m)
	}
	ym, err := ld.read(f.Y, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if ym.Cols != m {
		return nil, fmt.Errorf("%s: Y is %d×%d, want r×%d (%s is %d×%d)", f.Y, ym.Rows, ym.Cols, m, f.G, n, m)
	}
	bm, err := ld.read(f.B, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if bm.Rows != m {
		return nil, fmt.Errorf("%s: B is %d×%d, want %d×c (%s is %d×%d)", f.B, bm.Rows, bm.Cols, m, f.G, n, m)
	}
	ld.r, ld.c = ym.Rows, bm.Cols
	r, c := ld.r, ld.c
	xm, err := ld.read(f.X, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if xm.Rows != r || xm.Cols != c {
		return nil, fmt.Errorf("%s: X is %d×%d, want %d×%d (r = %d rows of %s, c = %d columns of %s)",
			f.X, xm.Rows, xm.Cols, r, c, r, f.Y, c, f.B)
	}

	ld.norms = map[string]float64{"X": fileNorm(xm), "Y": fileNorm(ym), "L": fileNorm(lm), "B": fileNorm(bm)}

	// Everything the command builds must fit the budget: the files read,
	// the conversions of L and G (index arrays of n+1 entries and 40 bytes
	// per entry, alive until NewProblem returns) and what NewProblem and
	// Solve allocate (sparsels.EstimateMemory). It is refused before any of
	// it is allocated.
	nnzY := len(ym.I)
	if ym.Format == mtx.Array {
		nnzY = ym.Rows * ym.Cols
	}
	nnzL := 2 * len(lm.I) // symmetric files are expanded
	convert := 24*float64(n) + 40*(float64(len(ld.gm.I))+float64(nnzL))
	solve := sparsels.EstimateMemory(n, m, r, c, len(ld.gm.I), nnzL, nnzY, set)
	ld.need = float64(ld.used) + convert + solve
	if need := ld.need; need > float64(limit) {
		return nil, fmt.Errorf("the problem (%s is %d×%d with %d entries, L has %d entries, X is %d×%d) needs about %s (%s for the files, %s to convert them, %s for the problem and the solver), over -max-dense-bytes = %s",
			f.G, n, m, len(ld.gm.I), len(lm.I), r, c, bytesize.Format(need), bytesize.Format(float64(ld.used)), bytesize.Format(convert), bytesize.Format(solve), bytesize.Format(float64(limit)))
	}

	ld.pat, err = sparsels.NewPattern(n, m, ld.gm.I, ld.gm.J)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.G, err)
	}
	L, err := operand(lm, true)
	if err != nil {
		return nil, err
	}
	Y, err := operand(ym, false)
	if err != nil {
		return nil, err
	}
	B, err := operand(bm, false)
	if err != nil {
		return nil, err
	}
	X, err := operand(xm, false)
	if err != nil {
		return nil, err
	}
	ld.prob, err = sparsels.NewProblem(X, Y, L, B, ld.pat)
	if err != nil {
		return nil, fmt.Errorf("%s, %s, %s, %s, %s: %w", f.X, f.Y, f.L, f.B, f.G, err)
	}
	ld.summary = fmt.Sprintf("G %d×%d with %d entries (%s), L %s, Y %s, B %s, X %s",
		n, m, ld.pat.NNZ(), f.G, describe(lm), describe(ym), describe(bm), describe(xm))
	return ld, nil
}

// readG reads G's file: a general coordinate file without duplicates, whose
// entry order is the order of g. A pattern file gives the values 1. The
// Pattern is made later, once the dimensions are known to be affordable.
func (ld *loaded) readG(path string) error {
	gm, err := ld.read(path, mtx.RejectDuplicates)
	if err != nil {
		var e *mtx.Error
		if errors.As(err, &e) && strings.HasPrefix(e.Msg, "duplicate entry") {
			return fmt.Errorf("%w: each position of the pattern of G must appear once", err)
		}
		return err
	}
	if gm.Format != mtx.Coordinate {
		return fmt.Errorf("%s: G must be a coordinate file, whose entries give the pattern and the order of g; this is an %s file", path, gm.Format)
	}
	if gm.Symmetry != mtx.General {
		return fmt.Errorf("%s: G must be a general matrix, whose entries give the pattern and the order of g; this file is %s", path, gm.Symmetry)
	}
	ld.gm = gm
	ld.g = append([]float64(nil), gm.V...)
	return nil
}

// operand converts a file to the matrix passed to the library: array files
// become *mat.Dense and coordinate files (and every L) compressed sparse
// rows with duplicates summed. A sum of duplicates that overflows is an
// error naming the file and entry.
func operand(a *mtx.Matrix, sparse bool) (mat.Matrix, error) {
	if a.Format == mtx.Array && !sparse {
		return a.Dense(), nil
	}
	s := a.CSR()
	raw := s.RawMatrix()
	for i := 0; i < a.Rows; i++ {
		for p := raw.Indptr[i]; p < raw.Indptr[i+1]; p++ {
			if v := raw.Data[p]; math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("%s: entry (%d, %d) is %v after its duplicates are summed", a.Name, i+1, raw.Ind[p]+1, v)
			}
		}
	}
	return s, nil
}

// describe returns a short description of a file's matrix: its shape, and
// its entry count or "dense".
func describe(a *mtx.Matrix) string {
	kind := "dense"
	if a.Format == mtx.Coordinate {
		kind = fmt.Sprintf("%d entries", len(a.I))
		if a.Symmetry != mtx.General {
			kind += ", " + a.Symmetry
		}
	}
	return fmt.Sprintf("%d×%d (%s)", a.Rows, a.Cols, kind)
}

// loadConstraints returns the constraints chosen by cf, nil for none, with
// a description.
func (ld *loaded) loadConstraints(cf constraintFiles) (*sparsels.Constraints, string, error) {
	switch {
	case cf.rowSum:
		for a := 0; a < ld.n; a++ {
			if len(ld.pat.RowColumns(a)) == 0 {
				return nil, "", fmt.Errorf("%s: -rowsum: row %d of G has no entries, so it cannot sum to 1", ld.files.G, a+1)
			}
		}
		cs, err := sparsels.RowSumConstraints(ld.pat)
		if err != nil {
			return nil, "", fmt.Errorf("%s: -rowsum: %w", ld.files.G, err)
		}
		return cs, "every row of G sums to 1", nil
	case cf.C != "":
		cm, err := ld.read(cf.C, mtx.SumDuplicates)
		if err != nil {
			return nil, "", err
		}
		if cm.Rows != ld.m {
			return nil, "", fmt.Errorf("%s: C is %d×%d, want %d×s (%s is %d×%d)", cf.C, cm.Rows, cm.Cols, ld.m, ld.files.G, ld.n, ld.m)
		}
		dm, err := ld.read(cf.D, mtx.SumDuplicates)
		if err != nil {
			return nil, "", err
		}
		if dm.Rows != ld.n || dm.Cols != cm.Cols {
			return nil, "", fmt.Errorf("%s: D is %d×%d, want %d×%d (n = %d rows of %s, s = %d columns of %s)",
				cf.D, dm.Rows, dm.Cols, ld.n, cm.Cols, ld.n, ld.files.G, cm.Cols, cf.C)
		}
		s := cm.Cols
		if err := sizeError(fmt.Sprintf("the constraints (%s, %s): C and D together", cf.C, cf.D), ld.m+ld.n, 2*s, ld.avail()); err != nil {
			return nil, "", err
		}
		C, err := operand(cm, false)
		if err != nil {
			return nil, "", err
		}
		D, err := operand(dm, false)
		if err != nil {
			return nil, "", err
		}
		cs, err := sparsels.NewConstraints(ld.pat, C, D)
		if err != nil {
			return nil, "", fmt.Errorf("%s, %s: %w (rows of G are numbered from 0 here)", cf.C, cf.D, err)
		}
		return cs, fmt.Sprintf("G·C = D with %d equations per row (%s, %s)", s, cf.C, cf.D), nil
	}
	return nil, "", nil
}

// loadRef reads the reference values of the Tikhonov term from a file of
// G's shape whose entries lie in G's pattern; pattern entries it does not
// list are 0, duplicates are summed.
func (ld *loaded) loadRef(path string) ([]float64, error) {
	rm, err := ld.read(path, mtx.SumDuplicates)
	if err != nil {
		return nil, err
	}
	if rm.Rows != ld.n || rm.Cols != ld.m {
		return nil, fmt.Errorf("%s: the reference is %d×%d, want %d×%d like G (%s)", path, rm.Rows, rm.Cols, ld.n, ld.m, ld.files.G)
	}
	I, J, V := rm.Triplets()
	lines := rm.Format == mtx.Coordinate && rm.Symmetry == mtx.General
	ref := make([]float64, ld.pat.NNZ())
	for k := range I {
		idx, ok := ld.pat.Index(I[k], J[k])
		if !ok {
			where := path
			if lines {
				where = fmt.Sprintf("%s:%d", path, rm.Line[k])
			}
			return nil, fmt.Errorf("%s: entry (%d, %d) is not in the pattern of G (%s)", where, I[k]+1, J[k]+1, ld.files.G)
		}
		ref[idx] += V[k]
	}
	for k, v := range ref {
		if math.IsInf(v, 0) {
			i, j := ld.pat.Subscripts(k)
			return nil, fmt.Errorf("%s: entry (%d, %d) overflows when its duplicates are summed", path, i+1, j+1)
		}
	}
	return ref, nil
}

// writeG atomically writes values in G's shape and entry order to path.
func (ld *loaded) writeG(path string, values []float64, comment string) error {
	err := mtx.WriteFile(path, func(w io.Writer) error {
		return mtx.WriteCoordinate(w, ld.n, ld.m, ld.gm.I, ld.gm.J, values, comment)
	})
	return writeErr(path, err)
}

// writeErr names path in a write error.
func writeErr(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cannot write %s: %w", path, err)
}

// avail returns the bytes of the budget left for dense outputs once the
// problem is built.
func (ld *loaded) avail() int64 {
	return max(ld.budget-int64(ld.need), 0)
}
