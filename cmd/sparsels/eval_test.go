package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels/mtx"
)

// TestEvalDerivativeFiles writes every derivative of a G whose entries are
// in another order than G0's and compares them with dense computations.
func TestEvalDerivativeFiles(t *testing.T) {
	tp := newTestProblem(t, 3)
	nnz := len(tp.I)
	perm := rand.New(rand.NewPCG(3, 3)).Perm(nnz)
	I1, J1, g1 := make([]int, nnz), make([]int, nnz), make([]float64, nnz)
	for k, p := range perm {
		I1[k], J1[k], g1[k] = tp.I[p], tp.J[p], tp.g0[p]
	}
	g1path := tp.path("G1.mtx")
	writeCoordFile(t, g1path, tp.n, tp.m, I1, J1, g1)

	r := runArgs(tp.args("eval", g1path, "-residual", tp.path("f.mtx"), "-grad", tp.path("grad1.mtx"),
		"-jac", tp.path("J.mtx"), "-gn", tp.path("JtJ.mtx"), "-hess", tp.path("H.mtx"))...)
	if r.code != exitOK {
		t.Fatal(r)
	}
	r0 := runArgs(tp.args("eval", tp.G0, "-grad", tp.path("grad0.mtx"))...)
	if r0.code != exitOK {
		t.Fatal(r0)
	}

	f := readMtx(t, tp.path("f.mtx"))
	if f.Format != mtx.Array || f.Rows != tp.r || f.Cols != tp.c {
		t.Fatalf("residual file is %s %d×%d", f.Format, f.Rows, f.Cols)
	}
	if d := maxRelDiff(f.Dense(), tp.residualAt(I1, J1, g1)); d > 1e-12 {
		t.Errorf("residual differs from the dense computation by %.3g", d)
	}

	gr1 := readMtx(t, tp.path("grad1.mtx"))
	if !slices.Equal(gr1.I, I1) || !slices.Equal(gr1.J, J1) {
		t.Fatalf("the gradient file does not keep G1's entry order")
	}
	want := tp.gradientAt(I1, J1, g1)
	if d := maxRelDiff(mat.NewVecDense(nnz, gr1.V), mat.NewVecDense(nnz, want)); d > 1e-10 {
		t.Errorf("gradient differs from the dense computation by %.3g", d)
	}
	gr0 := readMtx(t, tp.path("grad0.mtx"))
	if !slices.Equal(gr0.I, tp.I) || !slices.Equal(gr0.J, tp.J) {
		t.Fatalf("the gradient file does not keep G0's entry order")
	}
	for k, p := range perm {
		if relErr(gr1.V[k], gr0.V[p]) > 1e-10 && math.Abs(gr1.V[k]-gr0.V[p]) > 1e-12 {
			t.Errorf("gradient at (%d, %d): %v in G1's order, %v in G0's", I1[k], J1[k], gr1.V[k], gr0.V[p])
		}
	}

	jm := readMtx(t, tp.path("J.mtx"))
	if jm.Rows != tp.r*tp.c || jm.Cols != nnz {
		t.Fatalf("Jacobian file is %d×%d", jm.Rows, jm.Cols)
	}
	jref := tp.jacobianAt(I1, J1, g1)
	if d := maxRelDiff(jm.Dense(), jref); d > 1e-12 {
		t.Errorf("Jacobian differs from the dense computation by %.3g", d)
	}

	gn := readMtx(t, tp.path("JtJ.mtx"))
	if gn.Symmetry != mtx.Symmetric || gn.Rows != nnz {
		t.Fatalf("Gauss-Newton file is %s %d×%d", gn.Symmetry, gn.Rows, gn.Cols)
	}
	var jtj mat.Dense
	jtj.Mul(jref.T(), jref)
	if d := maxRelDiff(gn.Dense(), &jtj); d > 1e-12 {
		t.Errorf("Gauss-Newton matrix differs from JᵀJ by %.3g", d)
	}

	h := readMtx(t, tp.path("H.mtx"))
	if h.Symmetry != mtx.Symmetric || h.Rows != nnz {
		t.Fatalf("Hessian file is %s %d×%d", h.Symmetry, h.Rows, h.Cols)
	}
	if d := maxRelDiff(h.Dense(), tp.hessianAt(I1, J1, g1)); d > 1e-10 {
		t.Errorf("Hessian differs from the dense computation by %.3g", d)
	}
}
