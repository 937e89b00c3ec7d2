// Command sparsels minimizes E(g) = ‖X − Y Gᵀ L G B‖²_F over the nonzero
// values g of a sparse n×m matrix G whose sparsity pattern is fixed, with L
// n×n, Y r×m, B m×c and X r×c read from Matrix Market files, such as those
// written by MATLAB's mmwrite, SciPy's scipy.io.mmwrite or Julia's
// MatrixMarket.jl. Install it with
//
//	go install github.com/sparsels/sparsels/cmd/sparsels@latest
//
// Usage:
//
//	sparsels solve -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G0.mtx -o G.mtx [flags]
//	sparsels eval  -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G.mtx [flags]
//	sparsels check -X X.mtx -Y Y.mtx -L L.mtx -B B.mtx -G G.mtx [flags]
//	sparsels coarsen -mesh mesh.obj -m M -o dir [flags]
//	sparsels coarsen -L L.mtx -M M.mtx -m M -o dir [flags]
//	sparsels version
//	sparsels help [command]
//
// Run 'sparsels help <command>' or 'sparsels <command> -h' for what a
// command does and every flag it takes, with its default; the README's
// command-line section lists the same flags (a test keeps the two
// identical). In short:
//
// Solve minimizes E from the values of G0.mtx with one of the methods of
// package sparsels, optionally under row-wise constraints G·C = D and with a
// Tikhonov term, and writes the best G; it prints a line per iteration on
// stderr and a report with the full-precision energy on stdout. Its method
// auto runs newton on at most 1000 free values (the nonzeros of G less one
// per constraint) and qn on more, as sparsels.Method.Resolve; a zero
// -max-iter is the solver's default for the method (sparsels.Settings).
//
// Eval prints the energy, the gradient norm and the constraint violation at
// G, and writes the residual and the first and second derivatives.
//
// Check compares every derivative the library computes with central finite
// differences (gonum.org/v1/gonum/diff/fd) and prints a table of the largest
// absolute and relative errors, each OK or FAIL against a tolerance.
//
// Coarsen runs the spectral coarsening of package coarsen on a mesh (OBJ,
// OFF or PLY: cotangent Laplacian and lumped mass) or on any operator L with
// masses M under a quality monitor, and writes every piece into a
// directory: the problem files of solve, G, Lc = GᵀLG, Mc, the functional
// map, the roots and clusters, a summary.json and, with -png, pictures.
// Solve on its problem files reproduces its G.
//
// Version prints the module version, the VCS revision and time the binary
// was built from, and its Go version (runtime/debug.ReadBuildInfo).
//
// # Files
//
// Every input is read with package mtx, plain or gzip-compressed. The
// entries of G's file, a general coordinate file without repeated entries,
// give the pattern of G and the order of g, and every G-shaped output (the
// solution, the gradient) keeps that order; a pattern-field file gives the
// values 1. L's repeated entries are summed. X, Y and B may be array (dense)
// or coordinate (sparse) files of any symmetry (a symmetric coordinate file
// may store either triangle, not both); coordinate files are passed
// to the library as sparse matrices (a diagonal Y is detected). Outputs are
// written at full precision (a write followed by a read is bit-exact),
// atomically: a failed write leaves an existing file untouched. A name
// ending in .gz is gzipped. Errors name the file, and the line for syntax
// errors.
//
// -max-dense-bytes is the memory budget of everything the command builds.
// Each input file is read with what remains of it (the size line is
// refused before any entry is read when its entries cannot fit;
// repeated entries of L, Y, B, X, C, D and the reference are summed while
// reading, so repeating one entry costs nothing; G's are an error). Before
// the problem is built, the files, their conversion and the estimate of
// sparsels.EstimateMemory for the problem and the solver must fit, and each
// dense output of eval (the r×c residual, the (r·c)×nnz Jacobian, the
// nnz×nnz Gauss-Newton matrix and Hessian) must fit in what is left; each
// is refused with the size it would need before anything is allocated.
// Dimensions above the budget divided by 8 are refused on the size line.
//
// # Outputs
//
// The outputs are checked before any input is read: two naming the same
// file, or one naming an input, is a command-line error; a target that is
// not a regular file (directory, device, named pipe, symbolic link) or whose
// directory cannot be written is an error. Each is written to a temporary
// file beside it and all are renamed into place together at the end, so a
// command writes all its outputs or none.
//
// # Exit status
//
//	0    success: solve converged (function, gradient or step tolerance); coarsen converged or
//	     its quality monitor stopped the minimization; every check passed
//	1    bad data (unreadable or malformed file, shape mismatch, infeasible constraints,
//	     non-finite energy, over the memory budget), a refused or failed write, or a
//	     failed check; nothing is written
//	2    bad command line (unknown flag, missing required flag, bad value, clashing
//	     outputs); nothing is written
//	3    solve or coarsen stopped before convergence (iteration or time limit, interrupt,
//	     stationary start, no further decrease): the best G found is written if an
//	     iteration was computed; eval or check interrupted: nothing is written
//	130  a second interrupt: the process ends at once, removing its temporary files
//
// An interrupt (Ctrl-C, SIGINT or SIGTERM) stops the reading of the input
// files promptly (nothing is written), or cancels a running solve, which
// writes the best G found so far and exits with status 3; check stops
// between two quantities and coarsen before or during its solve (see its
// help); writes under way are completed. A second Ctrl-C ends the process
// at once, removing the temporary files, without writing anything more.
package main
