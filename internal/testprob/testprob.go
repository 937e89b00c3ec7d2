package testprob

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"
)

// Kind is the storage type of a matrix operand.
type Kind int

const (
	// Dense stores the operand as a *mat.Dense with every entry set.
	Dense Kind = iota
	// Diag stores the operand as a *mat.DiagDense. Only square operands can have this kind.
	Diag
	// CSR stores the operand as a *sparse.CSR with sorted column indices.
	CSR
	// CSC stores the operand as a *sparse.CSC with sorted row indices.
	CSC
	// COO stores the operand as a *sparse.COO whose triplets are in random order (no duplicates).
	COO
	// DOK stores the operand as a *sparse.DOK.
	DOK
)

// Kinds lists every Kind, in declaration order.
var Kinds = []Kind{Dense, Diag, CSR, CSC, COO, DOK}

// String returns the name of the kind.
func (k Kind) String() string {
	switch k {
	case Dense:
		return "Dense"
	case Diag:
		return "Diag"
	case CSR:
		return "CSR"
	case CSC:
		return "CSC"
	case COO:
		return "COO"
	case DOK:
		return "DOK"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Spec describes a random problem for Random.
//
// N, M, R and C are the sizes: G is N×M, L is N×N, Y is R×M, B is M×C and X is R×C.
// NNZPerRow is the mean number of pattern entries per row of G; the pattern has
// round(NNZPerRow*N) entries, clamped to the number of available positions.
// LKind, YKind and BKind choose how L, Y and B are stored (the zero value is Dense).
// Symmetric makes L symmetric. EmptyRows and EmptyCols exclude about a third of the rows
// (columns) of G, and at least one, from the pattern. Seed seeds the generator.
type Spec struct {
	N, M, R, C int
	NNZPerRow  float64

	LKind, YKind, BKind Kind

	Symmetric bool

	EmptyRows, EmptyCols bool

	Seed uint64
}

// Instance is a generated problem: minimize ||X - Y Gᵀ L G B||_F² over the values of G at the
// positions (I[k], J[k]).
//
// G holds a starting point, one value per pattern entry in pattern order. GTrue, when not nil,
// holds values in pattern order at which the residual is zero up to rounding, that is
// X = Y Gᵀ L G B with G built from GTrue.
type Instance struct {
	X, Y, L, B mat.Matrix
	I, J       []int
	G          []float64
	GTrue      []float64
}

// sparseDensity is the probability that an entry of a sparse operand made by Random is nonzero.
const sparseDensity = 0.4

// Random returns a random problem described by s. The pattern is drawn uniformly without
// replacement from the allowed positions and is returned in random (not sorted) order. All values
// of X, Y, L, B and G are uniform in [-1, 1]; operands stored in a sparse kind have about 40%
// nonzero entries with at least one per row. GTrue is nil.
//
// Random panics if a size is not positive, NNZPerRow is negative or NaN, a kind is unknown, or Diag is
// requested for a non-square Y or B.
func Random(s Spec) *Instance {
	if s.N <= 0 || s.M <= 0 || s.R <= 0 || s.C <= 0 {
		panic(fmt.Sprintf("testprob: sizes must be positive, have N=%d M=%d R=%d C=%d", s.N, s.M, s.R, s.C))
	}
	if !(s.NNZPerRow >= 0) {
		panic(fmt.Sprintf("testprob: bad NNZPerRow %v", s.NNZPerRow))
	}
	for _, k := range []Kind{s.LKind, s.YKind, s.BKind} {
		if k < Dense || k > DOK {
			panic(fmt.Sprintf("testprob: unknown kind %d", int(k)))
		}
	}
	if s.YKind == Diag && s.R != s.M {
		panic(fmt.Sprintf("testprob: diagonal Y needs R == M, have R=%d M=%d", s.R, s.M))
	}
	if s.BKind == Diag && s.M != s.C {
		panic(fmt.Sprintf("testprob: diagonal B needs M == C, have M=%d C=%d", s.M, s.C))
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15))

	rows := allowed(rng, s.N, s.EmptyRows)
	cols := allowed(rng, s.M, s.EmptyCols)
	cand := make([][2]int, 0, len(rows)*len(cols))
	for _, i := range rows {
		for _, j := range cols {
			cand = append(cand, [2]int{i, j})
		}
	}
	nnz := int(math.Round(s.NNZPerRow * float64(s.N)))
	nnz = min(nnz, len(cand))
	// Partial Fisher-Yates: the first nnz candidates become a uniform random ordered sample.
	for k := 0; k < nnz; k++ {
		l := k + rng.IntN(len(cand)-k)
		cand[k], cand[l] = cand[l], cand[k]
	}
	inst := &Instance{I: make([]int, nnz), J: make([]int, nnz), G: make([]float64, nnz)}
	for k := 0; k < nnz; k++ {
		inst.I[k], inst.J[k] = cand[k][0], cand[k][1]
		inst.G[k] = uniform(rng)
	}

	inst.L = Store(s.LKind, randomValues(rng, s.N, s.N, s.LKind, s.Symmetric), rng)
	inst.Y = Store(s.YKind, randomValues(rng, s.R, s.M, s.YKind, false), rng)
	inst.B = Store(s.BKind, randomValues(rng, s.M, s.C, s.BKind, false), rng)
	inst.X = randomValues(rng, s.R, s.C, Dense, false)
	return inst
}

// allowed returns the indices 0..n-1, without about a third of them (and at least one when
// n > 1) when exclude is true.
func allowed(rng *rand.Rand, n int, exclude bool) []int {
	perm := rng.Perm(n)
	if exclude && n > 1 {
		perm = perm[max(1, n/3):]
	}
	keep := make([]bool, n)
	for _, i := range perm {
		keep[i] = true
	}
	out := make([]int, 0, len(perm))
	for i, ok := range keep {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func uniform(rng *rand.Rand) float64 { return 2*rng.Float64() - 1 }

// randomValues returns an r×c matrix with the sparsity suited to kind: full for Dense, diagonal
// for Diag, about sparseDensity of the entries (at least one per row) for the sparse kinds.
// When sym is true (square only) the result is symmetric.
func randomValues(rng *rand.Rand, r, c int, kind Kind, sym bool) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		switch kind {
		case Dense:
			for j := 0; j < c; j++ {
				d.Set(i, j, uniform(rng))
			}
		case Diag:
			d.Set(i, i, uniform(rng))
		default:
			for j := 0; j < c; j++ {
				if rng.Float64() < sparseDensity {
					d.Set(i, j, uniform(rng))
				}
			}
			if j := rng.IntN(c); d.At(i, j) == 0 {
				d.Set(i, j, uniform(rng))
			}
		}
	}
	if sym {
		for i := 0; i < r; i++ {
			for j := 0; j < i; j++ {
				d.Set(i, j, d.At(j, i))
			}
		}
	}
	return d
}

// Store returns the nonzero entries of a in the storage type given by kind. Sparse types are
// assembled from raw arrays: CSR with sorted column indices, CSC with sorted row indices, COO with
// its triplets in an order shuffled by rng (rng may be nil for no shuffle), DOK by Set. For Diag,
// a must be square and only its diagonal is kept. Store panics on an unknown kind or a non-square
// a with Diag.
func Store(kind Kind, a mat.Matrix, rng *rand.Rand) mat.Matrix {
	r, c := a.Dims()
	switch kind {
	case Dense:
		return mat.DenseCopyOf(a)
	case Diag:
		if r != c {
			panic(fmt.Sprintf("testprob: diagonal storage of a %d×%d matrix", r, c))
		}
		diag := make([]float64, r)
		for i := range diag {
			diag[i] = a.At(i, i)
		}
		return mat.NewDiagDense(r, diag)
	case CSR:
		indptr := make([]int, r+1)
		var ind []int
		var data []float64
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if v := a.At(i, j); v != 0 {
					ind = append(ind, j)
					data = append(data, v)
				}
			}
			indptr[i+1] = len(ind)
		}
		return sparse.NewCSR(r, c, indptr, ind, data)
	case CSC:
		indptr := make([]int, c+1)
		var ind []int
		var data []float64
		for j := 0; j < c; j++ {
			for i := 0; i < r; i++ {
				if v := a.At(i, j); v != 0 {
					ind = append(ind, i)
					data = append(data, v)
				}
			}
			indptr[j+1] = len(ind)
		}
		return sparse.NewCSC(r, c, indptr, ind, data)
	case COO:
		var ri, ci []int
		var data []float64
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if v := a.At(i, j); v != 0 {
					ri = append(ri, i)
					ci = append(ci, j)
					data = append(data, v)
				}
			}
		}
		if rng != nil {
			rng.Shuffle(len(data), func(k, l int) {
				ri[k], ri[l] = ri[l], ri[k]
				ci[k], ci[l] = ci[l], ci[k]
				data[k], data[l] = data[l], data[k]
			})
		}
		return sparse.NewCOO(r, c, ri, ci, data)
	case DOK:
		d := sparse.NewDOK(r, c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if v := a.At(i, j); v != 0 {
					d.Set(i, j, v)
				}
			}
		}
		return d
	}
	panic(fmt.Sprintf("testprob: unknown kind %d", int(kind)))
}
