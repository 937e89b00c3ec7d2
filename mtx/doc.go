// Package mtx reads and writes matrices in the NIST Matrix Market exchange
// format, the text format written by MATLAB's mmwrite.m, SciPy's
// scipy.io.mmwrite and Julia's MatrixMarket.jl.
//
// A Matrix Market file starts with a banner line
//
//	%%MatrixMarket matrix <format> <field> <symmetry>
//
// followed by optional comment lines starting with '%', a size line and the
// entries, one per line. Indices in the file are 1-based. The supported
// variants are
//
//	format      field                   symmetry
//	coordinate  real, integer, pattern  general, symmetric, skew-symmetric
//	array       real, integer           general, symmetric, skew-symmetric
//
// (pattern skew-symmetric is not a valid combination). Complex and hermitian
// files, and Matrix Market vectors, are rejected with an error wrapping
// ErrUnsupported. Banner tokens are case-insensitive, comment and blank
// lines may appear anywhere after the banner, Windows line endings and a
// UTF-8 byte order mark are accepted, and gzip-compressed input is detected
// from its magic bytes whatever the file is called.
//
// Symmetric files store one triangle, skew-symmetric files one strict
// triangle. The standard asks for the lower one (row >= column), which is
// what this package writes, but several writers store the upper one, so a
// file whose off-diagonal entries all lie above the diagonal is read too,
// mirrored into the lower triangle. A file with entries on both sides of the
// diagonal is ambiguous (is the matrix symmetric? which value wins?) and is
// reported as an error naming both lines rather than silently summed.
// Values must be finite: NaN, Inf and overflowing numbers are bad data for a
// least-squares solver and are rejected with an error naming the line.
//
// Read and ReadFile return a Matrix holding the file as stored: coordinate
// entries in file order with their line numbers, so that a caller can report
// "G.mtx:12: duplicate of the entry on line 9", and array data in
// column-major order. Matrix.Dense and Matrix.CSR convert to gonum and
// github.com/james-bowman/sparse types, expanding symmetry and summing
// duplicate entries.
//
// Every read error is an *Error carrying the source name and, where it
// applies, the 1-based line number, formatted like a compiler diagnostic:
//
//	L.mtx:17: column index 0 out of range 1..40
//
// Reading never allocates in proportion to what a header merely claims:
// storage grows as entries actually arrive, so a lying size line costs
// nothing. Reader adds optional limits for untrusted input: on the number of
// entries, on the dimensions, and on the bytes of the Matrix (MaxBytes,
// checked on the size line before any entry is read or decompressed). With
// Reader.Duplicates set to SumDuplicates or RejectDuplicates, repeated
// positions are summed or refused while reading, so that a file repeating
// one entry a billion times costs the memory of the matrix, not of the file.
//
// WriteDense, WriteCoordinate, WriteSparse and Write emit full-precision
// values (the shortest decimal form that parses back to the same float64),
// so a write followed by a read is bit-exact. WriteFile replaces a file
// atomically and gzips it when the name ends in ".gz".
package mtx
