package sparsels

import (
	"fmt"
	"reflect"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/internal/sparsemat"
)

// Problem is the least-squares problem E(g) = ‖X − Y Gᵀ L G B‖²_F over the
// values g of G on a fixed Pattern, with G n×m, L n×n, Y r×m, B m×c and X r×c.
//
// A Problem is immutable and safe for concurrent use by multiple goroutines.
// Each evaluation splits its loops over up to GOMAXPROCS goroutines (see
// WithThreads), with results that do not depend on the split, and takes its
// scratch space from a free list, so repeated calls allocate nothing.
type Problem struct {
	pat        *Pattern
	n, m, r, c int

	x     []float64          // r×c, row-major
	y     *sparsemat.Operand // r×m
	l, lt *sparsemat.CSR     // L and Lᵀ (the same pointer when L is symmetric)
	b     []float64          // m×c, row-major

	// invRowK[k] and invColK[k] are the slots of g's entry k in the
	// pattern's row and column layouts.
	invRowK, invColK []int

	threads int      // most goroutines per call; 0 means GOMAXPROCS
	plan    gramPlan // which evaluations use the small-m Gram form

	*shared // state shared with the Problems made by WithThreads
}

// shared is the mutable part of a Problem, shared by p and every Problem
// derived from it by WithThreads: free lists of scratch space and lazily
// computed data. Its fields are guarded by mu or by their sync.Once.
type shared struct {
	mu           sync.Mutex
	free         []*workspace
	freeDispatch []*dispatch

	pairOnce sync.Once
	pairs    *rowPairs // Gram entries for pairs in one pattern row (lazy)

	gramOnce sync.Once
	gram     *gramData // small-m Gram form (gramform.go)
}

// workspace is the scratch space of one evaluation.
type workspace struct {
	gv, gtv       []float64      // G's values in row and column layout
	gb, a, t, v   []float64      // n×c
	gta, ytf      []float64      // m×c
	f             []float64      // r×c
	acc           rowAccumulator // rows of LᵀG and columns of YGᵀL
	alphaN, zNorm []float64      // n: ‖(LGB)[a,:]‖², ‖(YGᵀL)[:,a]‖²
	yz, ab        []float64      // nnz: Y[:,b]·(YGᵀL)[:,a], (LGB)[a,:]·B[b,:]

	partial []float64 // per-block partial sums of a reduction

	gram gramWork // small-m Gram form (gramform.go), allocated on first use
}

// NewProblem returns the problem ‖X − Y Gᵀ L G B‖²_F on the pattern p of G.
//
// The arguments follow the formula: X is r×c, Y r×m, L n×n and B m×c, where
// p is n×m. Each may be a *mat.Dense, a *mat.DiagDense, a sparse matrix from
// github.com/james-bowman/sparse (read once through DoNonZero; duplicate
// entries of COO input are summed), a transpose of any of these
// (mat.Transpose and gonum's other transpose types, read through the matrix
// they wrap) or any other mat.Matrix (read through At, element by element).
// L is stored sparse. Y is stored diagonal, sparse or dense, whichever its
// entries make cheapest, so a diagonal Y costs O(r·c) per product. X and B are
// stored dense. The inputs are copied: later changes to them do not affect
// the Problem.
//
// NewProblem returns an error naming the matrix if a shape does not match
// or an entry is NaN or infinite, and an error if the problem's working
// storage, about (4n + 3m + 2r)·c floats, would overflow.
//
// # Direct and Gram forms
//
// Evaluations use one of two equivalent forms. The direct form works on the
// n×c blocks G·B, L·G·B and friends and costs about (5 nnz(G) + 2 nnz(L))·c
// multiply-adds for an energy and gradient. When m is small next to n, the
// Gram form is cheaper: with the m×m matrices S = GᵀLG (sparse, its
// structure fixed by the patterns of G and L), P = YᵀXBᵀ, Q = YᵀY and
// R = BBᵀ,
//
//	E = ‖X‖² − 2⟨P, S⟩ + ⟨S, Q S R⟩,  ∂E/∂G = L G Dᵀ + Lᵀ G D,  D = 2(Q S R − P),
//
// and everything is evaluated on the sparsity structures of LG, LᵀG and S,
// which NewProblem computes once; the cost no longer grows with c. With a
// diagonal Y an energy and gradient cost about
// nnz(L)·p̄ + 2 nnz(G)·s̄ + Σ_i s_i² gathered multiply-adds, p̄ the mean
// nonzeros per row of G, s̄ per row of LG and s_i in row i of S; a
// non-symmetric L adds as much again for LᵀG to the first two terms. When
// it chooses the Gram form, NewProblem also pays its set-up, dominated by
// R = BBᵀ at m²·c/2 multiply-adds (r·m²/2 more for Q with a dense Y), and
// keeps the m×m matrix R.
//
// NewProblem estimates the multiply-adds of both forms and uses the Gram
// form for Energy, Gradient, EnergyGradient and the JacobianOperator's
// state, Gradient, JᵀJ and Hessian products when its estimate is below the
// direct form's, counting a gathered or scattered multiply-add as four on
// contiguous rows and 1/32 of the Gram form's one-time set-up (the symbolic
// products, R, Q and P on the structure of S) per evaluation. It uses it for
// JacobianOperator.MulVecTo when that also wins by the same count. The Gram
// form is never used when its dense m×m storage (R, and for a non-diagonal Y
// also Q and two m×m blocks per evaluation in flight) would exceed 64 MiB, or
// when the structure of LG could need more than 8n·c entries. Residual,
// Jacobian, GaussNewton, GaussNewtonDiag, GaussNewtonBlocks and Hessian
// always use the direct form.
//
// In the Gram form the energy is a difference of terms as large as ‖X‖², so
// its absolute error is about ε‖X‖² rather than ε·E. When the Gram energy is
// below 2⁻¹² times the sum of the magnitudes of its terms (a nearly exact
// fit), Energy and EnergyGradient recompute it in the direct form, which keeps
// the relative error of E near 10⁻¹² or better; gradients need no such care.
func NewProblem(X, Y, L, B mat.Matrix, p *Pattern) (*Problem, error) {
	if p == nil {
		return nil, fmt.Errorf("sparsels: nil pattern")
	}
	for _, a := range []struct {
		name string
		m    mat.Matrix
	}{{"X", X}, {"Y", Y}, {"L", L}, {"B", B}} {
		if isNil(a.m) {
			return nil, fmt.Errorf("sparsels: %s is nil", a.name)
		}
	}
	n, m := p.Dims()
	r, c := X.Dims()
	yr, ym := Y.Dims()
	lr, lc := L.Dims()
	br, bc := B.Dims()
	switch {
	case lr != n || lc != n:
		return nil, fmt.Errorf("sparsels: L is %d×%d, want %d×%d (G is %d×%d)", lr, lc, n, n, n, m)
	case ym != m:
		return nil, fmt.Errorf("sparsels: Y is %d×%d, want %d columns (G is %d×%d)", yr, ym, m, n, m)
	case yr != r:
		return nil, fmt.Errorf("sparsels: Y is %d×%d but X is %d×%d: want equal row counts", yr, ym, r, c)
	case br != m:
		return nil, fmt.Errorf("sparsels: B is %d×%d, want %d rows (G is %d×%d)", br, bc, m, n, m)
	case bc != c:
		return nil, fmt.Errorf("sparsels: B is %d×%d but X is %d×%d: want equal column counts", br, bc, r, c)
	}
	for _, sz := range [][2]int{{r, c}, {n, c}, {m, c}, {r, m}} {
		if sz[0] != 0 && sz[1] > maxElements/sz[0] {
			return nil, fmt.Errorf("sparsels: problem too large: a %d×%d block does not fit in memory", sz[0], sz[1])
		}
	}
	// The dense storage: X, B and one workspace, about (4n + 3m + 2r)·c
	// floats, which must exist before anything can be evaluated.
	if need := float64(r)*float64(c) + float64(m)*float64(c) + float64(4*n+3*m+2*r)*float64(c); need > maxDenseFloats {
		return nil, fmt.Errorf("sparsels: problem too large: X (%d×%d), B (%d×%d) and the working storage need %.3g GiB of dense storage, over the %d GiB limit", r, c, m, c, need*8/(1<<30), maxDenseFloats*8>>30)
	}

	pr := &Problem{pat: p, n: n, m: m, r: r, c: c, shared: new(shared)}

	xt, err := sparsemat.Read(X, "X")
	if err != nil {
		return nil, err
	}
	pr.x = sparsemat.DenseFrom(r, c, xt)
	yt, err := sparsemat.Read(Y, "Y")
	if err != nil {
		return nil, err
	}
	pr.y = sparsemat.NewOperand(r, m, yt)
	lt, err := sparsemat.Read(L, "L")
	if err != nil {
		return nil, err
	}
	pr.l = sparsemat.NewCSR(n, n, lt)
	pr.lt = pr.l.Transpose()
	if pr.lt.Equal(pr.l) {
		pr.lt = pr.l
	}
	bt, err := sparsemat.Read(B, "B")
	if err != nil {
		return nil, err
	}
	pr.b = sparsemat.DenseFrom(m, c, bt)
	pr.invRowK = inversePermutation(p.rowK)
	pr.invColK = inversePermutation(p.colK)
	pr.plan = pr.planGram()
	return pr, nil
}

// WithThreads returns a Problem for the same data as p that runs each
// evaluation on at most k goroutines, and never on more than GOMAXPROCS;
// k ≤ 0 means GOMAXPROCS, the default of NewProblem. The result shares p's
// read-only data and its scratch space, so it costs O(1) to create. Results
// are bit-identical for every k. Loops whose work is below about 64 thousand
// multiply-adds per goroutine are not split, so small problems run on the
// calling goroutine. The other goroutines come from a package-wide pool of
// GOMAXPROCS−1 workers, which poll for new work for up to 50 µs after each
// loop before they block.
func (p *Problem) WithThreads(k int) *Problem {
	q := *p
	q.threads = max(k, 0)
	return &q
}

// inversePermutation returns q with q[perm[s]] = s.
func inversePermutation(perm []int) []int {
	q := make([]int, len(perm))
	for s, k := range perm {
		q[k] = s
	}
	return q
}

// maxDenseFloats bounds the dense storage NewProblem allocates, 2³¹ floats
// (16 GiB): larger requests are refused with an error before allocating
// rather than ending the process out of memory.
const maxDenseFloats = 1 << 31

// isNil reports whether a is nil or a typed nil pointer.
func isNil(a mat.Matrix) bool {
	if a == nil {
		return true
	}
	v := reflect.ValueOf(a)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Dims returns the dimensions of the problem: G is n×m, X is r×c.
func (p *Problem) Dims() (n, m, r, c int) { return p.n, p.m, p.r, p.c }

// Pattern returns the pattern of G.
func (p *Problem) Pattern() *Pattern { return p.pat }

// getWorkspace returns scratch space sized for p from p's free list;
// return it with putWorkspace. Reusing workspaces through a free list, rather
// than a sync.Pool that the garbage collector empties, makes repeated calls
// allocation-free.
func (p *Problem) getWorkspace() *workspace {
	if ws := popFree(p.shared, &p.shared.free); ws != nil {
		return ws
	}
	n, m, r, c := p.n, p.m, p.r, p.c
	nnz := p.pat.NNZ()
	return &workspace{
		gv: make([]float64, nnz), gtv: make([]float64, nnz),
		gb: make([]float64, n*c), a: make([]float64, n*c),
		t: make([]float64, n*c), v: make([]float64, n*c),
		gta: make([]float64, m*c), ytf: make([]float64, m*c),
		f: make([]float64, r*c),
	}
}

func (p *Problem) putWorkspace(ws *workspace) { pushFree(p.shared, &p.shared.free, ws) }

// popFree removes and returns the last entry of the free list *list,
// guarded by sh.mu, or returns nil if it is empty.
func popFree[T any](sh *shared, list *[]*T) *T {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := len(*list)
	if n == 0 {
		return nil
	}
	x := (*list)[n-1]
	(*list)[n-1] = nil
	*list = (*list)[:n-1]
	return x
}

// pushFree appends x to the free list *list, guarded by sh.mu.
func pushFree[T any](sh *shared, list *[]*T, x *T) {
	sh.mu.Lock()
	*list = append(*list, x)
	sh.mu.Unlock()
}

func (p *Problem) checkG(g []float64) {
	if len(g) != p.pat.NNZ() {
		panic(fmt.Sprintf("sparsels: g has length %d, pattern has %d nonzeros", len(g), p.pat.NNZ()))
	}
}

// gMulD stores dst = G·x (n×c) for the m×c block x, with G's row-layout
// values gv, on the dispatch d. If g is not nil, gv is first loaded from g
// (gv[s] = g[rowK[s]]).
func (p *Problem) gMulD(d *dispatch, dst, gv, x, g []float64) {
	pat := p.pat
	d.gather = sparsemat.GatherKernel{Dst: dst, Ptr: pat.rowPtr, Ind: pat.rowCol, Val: gv, X: x, C: p.c, G: g, Pos: pat.rowK}
	p.runRange(d, &d.gather, p.n, float64(pat.NNZ()+p.n)*float64(p.c), pat.rowPtr, 1)
	d.gather = sparsemat.GatherKernel{}
}

// gTMulD stores dst = Gᵀ·x (m×c) for the n×c block x, with G's
// column-layout values gtv, on the dispatch d. If g is not nil, gtv is first
// loaded from g (gtv[s] = g[colK[s]]).
func (p *Problem) gTMulD(d *dispatch, dst, gtv, x, g []float64) {
	pat := p.pat
	d.gather = sparsemat.GatherKernel{Dst: dst, Ptr: pat.colPtr, Ind: pat.colRow, Val: gtv, X: x, C: p.c, G: g, Pos: pat.colK}
	p.runRange(d, &d.gather, p.m, float64(pat.NNZ()+p.m)*float64(p.c), pat.colPtr, 1)
	d.gather = sparsemat.GatherKernel{}
}

// csrMul stores dst = a·x for the c-column block x on the dispatch d.
func (p *Problem) csrMul(d *dispatch, a *sparsemat.CSR, dst, x []float64, c int) {
	d.gather = sparsemat.GatherKernel{Dst: dst, Ptr: a.Ptr, Ind: a.Ind, Val: a.Val, X: x, C: c}
	p.runRange(d, &d.gather, a.Rows, float64(a.NNZ()+a.Rows)*float64(c), a.Ptr, 1)
	d.gather = sparsemat.GatherKernel{}
}

// yMul stores dst = Y·x (trans false, x m×c, dst r×c) or Yᵀ·x (trans true,
// x r×c, dst m×c) on the dispatch d.
func (p *Problem) yMul(d *dispatch, dst, x []float64, trans bool) {
	o := p.y
	rows := o.Rows
	if trans {
		rows = o.Cols
	}
	var ptr []int
	if o.Kind == sparsemat.Sparse {
		ptr = o.Sp.Ptr
		if trans {
			ptr = o.SpT.Ptr
		}
	}
	d.operand = sparsemat.OperandKernel{O: o, Trans: trans, Dst: dst, X: x, C: p.c}
	p.runRange(d, &d.operand, rows, o.Cost(p.c)+float64(rows*p.c), ptr, 1)
	d.operand = sparsemat.OperandKernel{}
}

// transpose stores dst = srcᵀ (or −srcᵀ if neg) for the rows×cols
// row-major src, on the dispatch d.
func (p *Problem) transpose(d *dispatch, dst, src []float64, rows, cols int, neg bool) {
	d.transp = sparsemat.TransposeKernel{Dst: dst, Src: src, Rows: rows, Cols: cols, Neg: neg}
	p.runRange(d, &d.transp, cols, float64(rows)*float64(cols), nil, 32)
	d.transp = sparsemat.TransposeKernel{}
}

// forward evaluates, for the values g, A = L G B into ws.a and the residual
// f = X − Y Gᵀ A into ws.f, and returns ‖f‖²_F. It also loads g into ws.gv
// and ws.gtv and leaves G·B in ws.gb and Gᵀ·A in ws.gta.
func (p *Problem) forward(ws *workspace, g []float64) float64 {
	d := p.getDispatch()
	e := p.forwardD(d, ws, g)
	p.putDispatch(d)
	return e
}

func (p *Problem) forwardD(d *dispatch, ws *workspace, g []float64) float64 {
	c := p.c
	p.gMulD(d, ws.gb, ws.gv, p.b, g)
	p.csrMul(d, p.l, ws.a, ws.gb, c)
	p.gTMulD(d, ws.gta, ws.gtv, ws.a, g)
	nb := (p.r + residualBlock - 1) / residualBlock
	ws.partial = grow(ws.partial, nb)
	d.resid = residualTask{y: p.y, f: ws.f, x: p.x, gta: ws.gta, partial: ws.partial, c: c}
	p.runRange(d, &d.resid, p.r, p.y.Cost(c)+2*float64(p.r*c), nil, residualBlock)
	d.resid = residualTask{}
	var e float64
	for _, v := range ws.partial {
		e += v
	}
	return e
}
