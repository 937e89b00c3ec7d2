package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparsels/sparsels/mesh"
)

// TestRunMesh runs the default and a longer coarsening of a small generated
// mesh and scores a fake published output that is the default run's own,
// so every path of the program runs.
func TestRunMesh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs coarsenings")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "grid.obj")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := mesh.WriteOBJ(f, mesh.WavyGrid(20, 20, 1), "test grid"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := runMesh(context.Background(), file, 1, 40, []float64{2}, dir); err != nil {
		t.Fatal(err)
	}
}
