package main

import (
	"context"
	"fmt"

	"github.com/james-bowman/sparse"
	"gonum.org/v1/gonum/mat"

	"github.com/sparsels/sparsels"
	"github.com/sparsels/sparsels/coarsen"
	"github.com/sparsels/sparsels/eigs"
	"github.com/sparsels/sparsels/mesh"
)

// pipeline runs the stages after the read on msh, recording them in r.
func (o *options) pipeline(ctx context.Context, r *run, msh *mesh.Mesh) error {
	var (
		L    *sparse.CSR
		mass []float64
		U    *mat.Dense
		cl   *coarsen.Clustering
		data *coarsen.Data
		p    *sparsels.Problem
		cons *sparsels.Constraints
	)
	err := o.timeStage(r, "operators", func() (string, error) {
		L = msh.Cotangent()
		mass = msh.Mass(mesh.Voronoi)
		return fmt.Sprintf("nnz(L) = %d", L.NNZ()), nil
	})
	if err != nil {
		return err
	}
	msh = nil
	err = o.timeStage(r, "eigenpairs", func() (string, error) {
		var err error
		var vals []float64
		vals, U, err = eigs.Smallest(ctx, L, mass, r.k, &eigs.Settings{Seed: 1})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("λ₁ = %.4g, λ_%d = %.4g", vals[1], r.k-1, vals[r.k-1]), nil
	})
	if err != nil {
		return err
	}
	err = o.timeStage(r, "clustering", func() (string, error) {
		var err error
		cl, err = coarsen.Cluster(ctx, L, mass, r.m, o.seed)
		return fmt.Sprintf("m = %d", r.m), err
	})
	if err != nil {
		return err
	}
	err = o.timeStage(r, "set-up", func() (string, error) {
		var err error
		if data, err = coarsen.Setup(L, mass, U, cl); err != nil {
			return "", err
		}
		pat, err := sparsels.NewPattern(r.n, r.m, data.Rows, data.Cols)
		if err != nil {
			return "", err
		}
		if p, err = sparsels.NewProblem(data.X, data.Y, L, data.B, pat); err != nil {
			return "", err
		}
		cons, err = sparsels.RowSumConstraints(pat)
		return fmt.Sprintf("nnz(G) = %d", pat.NNZ()), err
	})
	if err != nil {
		return err
	}
	U, cl = nil, nil
	return o.timeStage(r, "solve", func() (string, error) {
		set := &sparsels.Settings{Constraints: cons, TimeLimit: o.solveLimit}
		res, err := sparsels.Solve(ctx, p, data.G0, set)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s; %d iterations, %d CG; E/E₀ = %.3g", res.Reason, res.Iterations,
			res.LinearIterations, res.Energy/res.InitialEnergy), nil
	})
}
