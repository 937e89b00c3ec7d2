package mesh

import "testing"

func TestWavyGrid(t *testing.T) {
	m := WavyGrid(5, 4, 1)
	if len(m.V) != 20 || len(m.F) != 2*4*3 {
		t.Fatalf("%d vertices, %d faces; want 20 and 24", len(m.V), len(m.F))
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	// An open disc: V − E + F = 1.
	if chi := len(m.V) - len(m.Edges()) + len(m.F); chi != 1 {
		t.Errorf("Euler characteristic %d, want 1", chi)
	}
	// The same seed gives the same mesh; another seed another one.
	a, b := WavyGrid(5, 4, 1), WavyGrid(5, 4, 2)
	if a.V[7] != m.V[7] || b.V[7] == m.V[7] {
		t.Errorf("seeding: %v %v %v", m.V[7], a.V[7], b.V[7])
	}
}
