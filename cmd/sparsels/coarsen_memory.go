package main

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/james-bowman/sparse"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/cholesky"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/internal/bytesize"
)

// csrBytes returns the storage of a compressed-row matrix with the given
// numbers of rows and entries: a pointer per row and an index and a value
// per entry.
func csrBytes(rows, entries float64) float64 { return 8*(rows+1) + 16*entries }

// coarsenMemory is the estimated storage, in bytes, of the stages of
// sparsels coarsen.
type coarsenMemory struct {
	inputs     float64 // the operator, the masses and the mesh, held throughout
	vectors    float64 // the n×max(k, quality-k) fine eigenvectors, held from the eigenpairs on
	eigs       float64 // the eigensolver's work: scaled operator, Cholesky factor, Krylov basis
	clustering float64 // the clustering and the pattern of G
	setup      float64 // X, B, Y, G0, the constraints and G's pattern, held from the set-up on
	solve      float64 // the problem and the solver (sparsels.EstimateMemory)
	monitor    float64 // a check of the quality monitor during the solve, and the best G kept
	quality    float64 // G, Lc and the coarse eigenpairs, the functional map
}

// peak returns the estimate of the largest storage held at once: the
// eigensolver's work is released before the clustering; the monitor's
// checks run beside the solver, whose work is released before the quality
// stage.
func (c coarsenMemory) peak() float64 {
	later := c.clustering + c.setup + max(c.solve+c.monitor, c.quality)
	return c.inputs + c.vectors + max(c.eigs, later)
}

func (c coarsenMemory) String() string {
	var parts []string
	for _, p := range []struct {
		v    float64
		what string
	}{{c.inputs, "the inputs"}, {c.vectors, "the eigenvectors"}, {c.eigs, "the eigensolver"}, {c.clustering, "the clustering"},
		{c.setup, "the set-up"}, {c.solve, "the solve"}, {c.monitor, "the quality monitor"}, {c.quality, "the quality stage"}} {
		if p.v > 0 { // the later stages are not estimated when the first already exceed the budget
			parts = append(parts, bytesize.Format(p.v)+" for "+p.what)
		}
	}
	return strings.Join(parts, ", ")
}

// eigsMemory returns the bytes that eigs.Smallest holds beyond its input
// and its result to find k eigenpairs of an n×n operator with nnz stored
// entries whose Cholesky factor has fill entries, following its method: the
// symmetric scaled operator (built through a transpose), the lower triangle
// factorized and the factor, the Krylov basis of KrylovDim + BlockSize
// vectors (KrylovDim = 2k + 6·BlockSize by default), the k candidate
// vectors and their copy, a block of products, the (2s+2) blocks of its
// completeness check (s ≤ 4 steps) and the projected matrices; or, when k
// is so close to n that it solves densely, three n×n arrays.
func eigsMemory(n, nnz, k int, fill float64) float64 {
	b := min(eigs.DefaultBlock, k)
	md := min(max(2*k+6*b, k+2*b), n-b)
	N, K, B, M, Z := float64(n), float64(k), float64(b), float64(md), float64(nnz)
	mem := 3*csrBytes(N, 2*Z) + 8*N // A through its transpose, the scaling
	if md < k+2*b {
		return mem + 3*8*N*N
	}
	const restartChunk, verifySteps = 512, 4
	s := float64(max(min(verifySteps, (n-k)/b-1), 0))
	mem += csrBytes(N, Z+N) + 16*fill + 8*(N+1) + 10*8*N // lower triangle, factor, symbolic and work arrays
	mem += 8 * N * ((M + B) + 2*K + B + (2*s+2)*B)       // basis, candidates and copy, products, check
	mem += 8 * ((M+B)*(M+B) + 3*M*M + restartChunk*M + (M+B)*B)
	return mem
}

// choleskyFill returns the number of entries of the Cholesky factor of L
// under the ordering eigs.Smallest uses (cholesky.FactorNNZ with the default
// ordering), without computing the factor.
func choleskyFill(L *sparse.CSR) (float64, error) {
	nnz, err := cholesky.FactorNNZ(L, nil)
	return float64(nnz), err
}

// checkMemory estimates the storage of the whole coarsening before any of
// it is allocated and returns an error naming the estimate, its parts and
// -max-dense-bytes if it exceeds the budget. The cheap parts (the inputs,
// the eigenvectors and the eigensolver's dense work) are checked first;
// then the fill of the Cholesky factor is counted, and the later stages are
// estimated for a full G (n·m entries). Only if that exceeds the budget are
// the clustering and the pattern of G computed (as Spectral will compute
// them again) to count the entries of G exactly.
// read is the storage of the files read; an interrupt stops it with an
// error wrapping errInterrupted.
func (a *coarsenArgs) checkMemory(ctx context.Context, in *coarsenInput, opts *coarsen.Options, read float64) error {
	budget := float64(a.maxDense)
	// The eigensolve finds max(k, quality-k) fine eigenpairs: k are fitted,
	// quality-k compared.
	n, m := in.n(), a.m
	k, kq := a.eigenvectors(n), a.compared(n)
	kf := max(k, kq)
	nnzL := len(in.L.RawMatrix().Ind)
	N, Mf, KF := float64(n), float64(m), float64(kf)
	var c coarsenMemory
	c.inputs = max(read, csrBytes(N, float64(nnzL))+8*N)
	if in.msh != nil {
		c.inputs += 24*N + 24*float64(len(in.msh.F))
	}
	c.vectors = 8*N*KF + 8*KF
	c.eigs = eigsMemory(n, nnzL, kf, N)
	refuse := func(what string) error {
		qk := ""
		if kq > k {
			qk = fmt.Sprintf(", quality-k = %d", kq)
		}
		return fmt.Errorf("the coarsening (n = %d vertices, %d entries of L, m = %d, k = %d%s%s) needs about %s (%s), over -max-dense-bytes = %s; raise -max-dense-bytes, or lower -k, -quality-k or -m",
			n, nnzL, m, k, qk, what, bytesize.Format(c.peak()), c, bytesize.Format(budget))
	}
	if c.peak() > budget {
		return refuse("")
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w before the eigenpairs", errInterrupted)
	}
	fill, err := choleskyFill(in.L)
	if err != nil {
		return err
	}
	c.eigs = eigsMemory(n, nnzL, kf, fill)
	if c.peak() > budget {
		return refuse(fmt.Sprintf(", %.0f entries in the Cholesky factor", fill))
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w before the eigenpairs", errInterrupted)
	}

	// First with the bound of a full G, which needs no clustering.
	a.laterStages(&c, in, opts, nnzL, N*Mf, Mf)
	if c.peak() <= budget {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w before the eigenpairs", errInterrupted)
	}
	cl, err := coarsen.ClusterLandmarks(ctx, in.L, in.mass, m, opts.Landmarks, opts.Seed)
	if err != nil {
		return fmt.Errorf("%s: %w", in.source, err)
	}
	rows, _ := coarsen.Pattern(in.L, cl)
	nnzG := len(rows)
	a.laterStages(&c, in, opts, nnzL, float64(nnzG), float64(longestRun(rows)))
	if c.peak() > budget {
		return refuse(fmt.Sprintf(", %d entries in the pattern of G", nnzG))
	}
	return nil
}

// laterStages sets in c the memory of the stages after the eigensolve
// (clustering, set-up, solve, and the monitor's or the quality stage's
// measurement) for a pattern of G with nnzG entries, at most maxRow in a
// row, and L with nnzL entries.
func (a *coarsenArgs) laterStages(c *coarsenMemory, in *coarsenInput, opts *coarsen.Options, nnzL int, nnzG, maxRow float64) {
	n, m := in.n(), a.m
	k, kq := a.eigenvectors(n), a.compared(n)
	N, Mf, K := float64(n), float64(m), float64(k)
	G := nnzG
	c.clustering = 8*(6*N+4*Mf) + 8*(Mf+float64(nnzL)) + 16*G
	c.setup = 16*Mf*K + 16*Mf + 24*G + 24*G + 16*N // X, B, Mc, Y; pattern and G0; the row-sum constraints
	set := *opts.Settings
	c.solve = sparsels.EstimateMemory(n, m, m, k, int(min(G, math.MaxInt32)), nnzL, m, &set)
	// A measurement of the quality (a check of the monitor, or the
	// quality stage): G, and Lc = Gᵀ L G with at most
	// min(m², nnz(L)·maxRow²) entries, whose factor in the coarse
	// eigensolve is bounded by a dense triangle; the eigensolve finds
	// the quality-k compared eigenpairs and max(2, quality-k/10) more,
	// up to m−1 (coarsen.Measure); the coarse vectors and the
	// functional map.
	nnzLc := math.Min(Mf*Mf, float64(nnzL)*maxRow*maxRow)
	kc := min(m-1, kq+max(2, kq/10))
	KQ := float64(kq)
	measure := csrBytes(N, G) + 2*csrBytes(Mf, nnzLc) + eigsMemory(m, int(nnzLc), kc, Mf*(Mf+1)/2) +
		8*(Mf*float64(kc)+2*KQ*KQ)
	c.monitor, c.quality = 0, measure
	if !a.noMonitor {
		// The monitor measures beside the solver and keeps the best
		// G's values and quality (its coarse vectors and functional
		// map); no quality stage follows.
		c.monitor, c.quality = measure+8*G+8*(Mf*KQ+KQ*KQ), 0
	}
}

// longestRun returns the length of the longest run of equal values in the
// sorted rows: the most entries of G in a row.
func longestRun(rows []int) int {
	longest, run := 0, 0
	for p := range rows {
		if p > 0 && rows[p] == rows[p-1] {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	return longest
}
