// Package mesh reads triangle meshes and builds the discrete geometric
// operators used by spectral coarsening: the positive semi-definite cotangent
// Laplacian and the lumped (diagonal) mass matrix.
//
// A Mesh holds vertex positions V (n points in R³) and triangles F (0-based
// vertex indices). ReadOBJ, ReadOFF, ReadPLY and ReadFile parse Wavefront
// OBJ, Object File Format and Stanford PLY (ascii and binary) files; polygons
// are fan-triangulated and every malformed input is reported as a
// *ParseError naming the file and line. WriteOBJ writes a mesh back, and
// Unreferenced lists the vertices in no face of positive area (mass 0) and
// RemoveUnreferenced drops them.
//
// Cotangent returns the n×n sparse matrix
//
//	L_ij = -(cot α_ij + cot β_ij)/2  for each edge ij (one cotangent on boundary edges),
//	L_ii = -Σ_{j≠i} L_ij,
//
// where α_ij and β_ij are the angles opposite the edge ij. L is symmetric,
// positive semi-definite, its rows sum to zero and xᵀLx equals the Dirichlet
// energy ∫|∇f|² of the piecewise-linear function f with vertex values x.
// Mass returns the diagonal of the lumped mass matrix M (barycentric or mixed
// Voronoi areas); its entries sum to the surface area.
//
// The sparse matrices are *sparse.CSR values from github.com/james-bowman/sparse,
// built directly from raw row-pointer, column-index and value arrays with
// column indices sorted within every row.
package mesh
