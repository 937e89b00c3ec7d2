package coarsen

// Adversarial use of the clustering: the error prefix convention through
// Spectral, and cancellation of long clusterings.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/internal/cancelcheck"
	"github.com/sparsels/sparsels/mesh"
)

// TestAdvClusterErrorPrefix checks that errors of the clustering carry the
// package prefix once: "coarsen: " from ClusterLandmarks and
// "coarsen: clustering: " from Spectral. Regression test for
// "coarsen: clustering: coarsen: landmark 1 repeats vertex 3".
func TestAdvClusterErrorPrefix(t *testing.T) {
	L, mass := gridOperators(t, 5, 1)
	n := len(mass)
	for _, test := range []struct {
		landmarks []int
		m         int
		want      string
	}{
		{[]int{3, 3}, 4, "landmark 1 repeats vertex 3"},
		{[]int{0, n}, 4, "landmark 1 is vertex 36, have 36 vertices"},
		{[]int{0, 1, 2}, 2, "3 landmarks for 2 clusters"},
	} {
		_, err := ClusterLandmarks(context.Background(), L, mass, test.m, test.landmarks, 1)
		if err == nil || err.Error() != "coarsen: "+test.want {
			t.Errorf("ClusterLandmarks(%v): error %v, want %q", test.landmarks, err, "coarsen: "+test.want)
		}
		_, err = Spectral(context.Background(), L, mass, test.m, &Options{K: 1, Landmarks: test.landmarks, SkipQuality: true})
		if err == nil || err.Error() != "coarsen: clustering: "+test.want {
			t.Errorf("Spectral(%v): error %v, want %q", test.landmarks, err, "coarsen: clustering: "+test.want)
		}
	}
}

// TestAdvClusterZeroMass checks that a zero mass (a mesh vertex in no
// triangle) is named together with the fix.
func TestAdvClusterZeroMass(t *testing.T) {
	L, mass := gridOperators(t, 5, 1)
	mass[7] = 0
	_, err := Cluster(context.Background(), L, mass, 4, 1)
	if err == nil || !strings.Contains(err.Error(), "coarsen: mass[7] = 0") || !strings.Contains(err.Error(), "vertex 7") || !strings.Contains(err.Error(), "RemoveUnreferenced") {
		t.Errorf("error %v, want one naming vertex 7 and RemoveUnreferenced", err)
	}
}

// TestAdvClusterCancel cancels Cluster on a grid of 40 401 vertices (14 641 with -short) at
// several fractions of the time T of an uncancelled run measured here (in the
// sampling of the roots and in the k-medoids rounds): it must return an
// error wrapping context.Canceled within T/5 of the cancellation. A context
// done beforehand must return at once.
func TestAdvClusterCancel(t *testing.T) {
	side := 200
	if testing.Short() {
		side = 120
	}
	msh := mesh.JitteredGrid(side, side, 0.6, 2)
	L, mass := msh.Cotangent(), msh.Mass(mesh.Voronoi)
	m := len(mass) / 20
	var cl *Clustering
	cancelcheck.Prompt(t, []float64{0, 0.1, 0.3, 0.6}, func(ctx context.Context) (err error) {
		cl, err = Cluster(ctx, L, mass, m, 1)
		return err
	}, func(frac float64, err error) {
		if cl != nil || !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "coarsen: stopped in ") {
			t.Errorf("cancel at %.2f T: clustering %v, error %v; want an error wrapping context.Canceled", frac, cl != nil, err)
		}
	})
}
