package sparsels

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Problem is the least-squares problem E(g) = ‖X − Y Gᵀ L G B‖²_F over the
// values g of G on a fixed Pattern, with G n×m, L n×n, Y r×m, B m×c and X r×c.
//
// A Problem is immutable and safe for concurrent use by multiple goroutines.
type Problem struct {
	pat        *Pattern
	n, m, r, c int

	x     []float64 // r×c, row-major
	y     *operand  // r×m
	l, lt *csr      // L and Lᵀ (the same pointer when L is symmetric)
	b     []float64 // m×c, row-major

	pool sync.Pool // *workspace

	pairOnce sync.Once
	pairs    *rowPairs // Gram entries for pairs in one pattern row (lazy)
}

// workspace is the scratch space of one evaluation.
type workspace struct {
	gv, gtv       []float64 // G's values in row and column layout
	gb, a, t, v   []float64 // n×c
	gta, ytf      []float64 // m×c
	f             []float64 // r×c
	hval          []float64 // m, sparse accumulator values
	hmark, hlist  []int     // m, sparse accumulator stamps and list
	z             []float64 // r
	stamp         int
	alphaN, zNorm []float64 // n: ‖(LGB)[a,:]‖², ‖(YGᵀL)[:,a]‖²
	yz, ab        []float64 // nnz: Y[:,b]·(YGᵀL)[:,a], (LGB)[a,:]·B[b,:]
}

// NewProblem returns the problem ‖X − Y Gᵀ L G B‖²_F on the pattern p of G.
//
// The arguments follow the formula: X is r×c, Y r×m, L n×n and B m×c, where
// p is n×m. Each may be a *mat.Dense, a *mat.DiagDense, a sparse matrix from
// github.com/james-bowman/sparse (read once through DoNonZero; duplicate
// entries of COO input are summed) or any other mat.Matrix (read through At).
// L is stored sparse. Y is stored diagonal, sparse or dense, whichever its
// entries make cheapest, so a diagonal Y costs O(r·c) per product. X and B are
// stored dense. The inputs are copied: later changes to them do not affect
// the Problem.
//
// NewProblem returns an error naming the matrix if a shape does not match
// or an entry is NaN or infinite, and an error if the problem's working
// storage, about (4n + 3m + 2r)·c floats, would overflow.
func NewProblem(X, Y, L, B mat.Matrix, p *Pattern) (*Problem, error) {
	if p == nil {
		return nil, fmt.Errorf("sparsels: nil pattern")
	}
	for _, a := range []struct {
		name string
		m    mat.Matrix
	}{{"X", X}, {"Y", Y}, {"L", L}, {"B", B}} {
		if a.m == nil {
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

	pr := &Problem{pat: p, n: n, m: m, r: r, c: c}

	xt, err := readMatrix(X, "X")
	if err != nil {
		return nil, err
	}
	pr.x = denseFrom(r, c, xt)
	yt, err := readMatrix(Y, "Y")
	if err != nil {
		return nil, err
	}
	pr.y = newOperand(r, m, yt)
	lt, err := readMatrix(L, "L")
	if err != nil {
		return nil, err
	}
	pr.l = newCSR(n, n, lt)
	pr.lt = pr.l.transpose()
	if pr.lt.equal(pr.l) {
		pr.lt = pr.l
	}
	bt, err := readMatrix(B, "B")
	if err != nil {
		return nil, err
	}
	pr.b = denseFrom(m, c, bt)
	return pr, nil
}

func denseFrom(rows, cols int, ts []triplet) []float64 {
	d := make([]float64, rows*cols)
	for _, t := range ts {
		d[t.i*cols+t.j] = t.v
	}
	return d
}

// Dims returns the dimensions of the problem: G is n×m, X is r×c.
func (p *Problem) Dims() (n, m, r, c int) { return p.n, p.m, p.r, p.c }

// Pattern returns the pattern of G.
func (p *Problem) Pattern() *Pattern { return p.pat }

// getWorkspace returns scratch space sized for p; return it with putWorkspace.
func (p *Problem) getWorkspace() *workspace {
	if ws, ok := p.pool.Get().(*workspace); ok {
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

func (p *Problem) putWorkspace(ws *workspace) { p.pool.Put(ws) }

func (p *Problem) checkG(g []float64) {
	if len(g) != p.pat.NNZ() {
		panic(fmt.Sprintf("sparsels: g has length %d, pattern has %d nonzeros", len(g), p.pat.NNZ()))
	}
}

// loadValues scatters g into the row and column layouts of the pattern.
func (p *Problem) loadValues(gv, gtv, g []float64) {
	for s, k := range p.pat.rowK {
		gv[s] = g[k]
	}
	for s, k := range p.pat.colK {
		gtv[s] = g[k]
	}
}

// gMul stores dst = G·x (n×c) for the m×c block x, with G's row-layout values gv.
func (p *Problem) gMul(dst, gv, x []float64) {
	gatherMul(dst, p.pat.rowPtr, p.pat.rowCol, gv, x, p.c, 0, p.n)
}

// gTMul stores dst = Gᵀ·x (m×c) for the n×c block x, with G's column-layout values gtv.
func (p *Problem) gTMul(dst, gtv, x []float64) {
	gatherMul(dst, p.pat.colPtr, p.pat.colRow, gtv, x, p.c, 0, p.m)
}

// forward evaluates, for the values g, A = L G B into ws.a and the residual
// f = X − Y Gᵀ A into ws.f, and returns ‖f‖²_F.
func (p *Problem) forward(ws *workspace, g []float64) float64 {
	p.loadValues(ws.gv, ws.gtv, g)
	p.gMul(ws.gb, ws.gv, p.b)
	p.l.mul(ws.a, ws.gb, p.c)
	p.gTMul(ws.gta, ws.gtv, ws.a)
	p.y.mul(ws.f, ws.gta, p.c)
	var e float64
	for i, x := range p.x {
		d := x - ws.f[i]
		ws.f[i] = d
		e += d * d
	}
	return e
}
