package sparsels

import "github.com/sparsels/sparsels/internal/vec"

// Short names for the vector helpers of package vec that the solvers use;
// each is inlined.

func sumSquares(x []float64) float64               { return vec.SumSquares(x) }
func norm2(x []float64) float64                    { return vec.Norm(x) }
func axpy(y []float64, alpha float64, x []float64) { vec.Axpy(y, alpha, x) }
func zero(x []float64)                             { vec.Zero(x) }
func row(x []float64, c, i int) []float64          { return vec.Row(x, c, i) }
func grow(buf []float64, n int) []float64          { return vec.Grow(buf, n) }
